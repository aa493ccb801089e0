import { SCHEME_SPECS } from "@hookbox/shared";
import { decodeHex, hmacSha256, matchSecret } from "./safe-equal.ts";
import { withinTolerance } from "./timestamp.ts";
import type { Verifier } from "./types.ts";

/**
 * Hookbox's own scheme, for senders you write: `Hookbox-Id`, `Hookbox-Timestamp`,
 * `Hookbox-Signature: v1=<hex>[, v1=<hex>…]`, HMAC-SHA256 of `"<id>.<timestamp>.<raw body>"`
 * keyed with the secret's UTF-8 bytes. Any v1 may match (a sender rolling its secret sends two).
 *
 * Unlike `hmac-sha256`, `github`, `shopify` and `token`, the idempotency key is signed and the
 * timestamp is checked both ways: a captured delivery replays only within the tolerance, and
 * there under its own id (a duplicate); a new id or a future timestamp needs the secret.
 */
export const hookboxVerifier: Verifier = {
  verify({ headers, body, secrets, toleranceSeconds, now }) {
    const id = headers.get("hookbox-id");
    const timestamp = headers.get("hookbox-timestamp");
    const header = headers.get(SCHEME_SPECS.hookbox.signatureHeader);
    if (!id || !timestamp || !header) return { ok: false, reason: "missing_signature" };
    const candidates: Buffer[] = [];
    for (const entry of header.split(",")) {
      const [version, value] = entry.trim().split("=", 2);
      const decoded = version === "v1" && value ? decodeHex(value) : null;
      if (decoded) candidates.push(decoded);
    }
    if (candidates.length === 0) return { ok: false, reason: "malformed_signature" };
    if (!withinTolerance(timestamp, now, toleranceSeconds))
      return { ok: false, reason: "timestamp_out_of_tolerance" };
    if (secrets.length === 0) return { ok: false, reason: "no_secret" };
    const index = matchSecret(secrets, candidates, (secret) =>
      hmacSha256(secret, `${id}.${timestamp}.`, body),
    );
    return index >= 0 ? { ok: true, secretIndex: index } : { ok: false, reason: "signature_mismatch" };
  },
  // Both signed: the id is part of the MAC, the type is in the signed body.
  idempotency: [{ header: "hookbox-id" }],
  eventType: [{ jsonPath: "$.type" }],
};
