// The references' signature check: `X-Signature: sha256=<hex HMAC-SHA256(secret, body)>`, as the
// hmac-sha256 scheme of Hookbox (one secret, constant-time comparison).
import { createHmac, timingSafeEqual } from "node:crypto";

export function signatureMatches(secret: string, body: Buffer, header: string | undefined): boolean {
  const given = Buffer.from((header ?? "").replace(/^sha256=/, ""), "hex");
  const expected = createHmac("sha256", secret).update(body).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}
