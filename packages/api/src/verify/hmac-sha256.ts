import { SCHEME_SPECS } from "@hookbox/shared";
import { decodeHex, hmacSha256, matchSecret } from "./safe-equal.ts";
import type { Verifier } from "./types.ts";

/** Generic HMAC: `X-Signature: [sha256=]<hex of HMAC-SHA256(secret, raw body)>`. */
export const hmacSha256Verifier: Verifier = {
  verify({ headers, body, secrets }) {
    const header = headers.get(SCHEME_SPECS["hmac-sha256"].signatureHeader);
    if (!header) return { ok: false, reason: "missing_signature" };
    const signature = decodeHex(header.trim().replace(/^sha256=/i, ""));
    if (!signature) return { ok: false, reason: "malformed_signature" };
    if (secrets.length === 0) return { ok: false, reason: "no_secret" };
    const index = matchSecret(secrets, [signature], (secret) => hmacSha256(secret, body));
    return index >= 0 ? { ok: true, secretIndex: index } : { ok: false, reason: "signature_mismatch" };
  },
  idempotency: [{ header: "idempotency-key" }, { header: "x-event-id" }],
  eventType: [{ header: "x-event-type" }, { jsonPath: "$.type" }],
};
