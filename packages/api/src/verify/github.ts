import { SCHEME_SPECS } from "@hookbox/shared";
import { decodeHex, hmacSha256, matchSecret } from "./safe-equal.ts";
import type { Verifier } from "./types.ts";

/** GitHub: `X-Hub-Signature-256: sha256=<hex of HMAC-SHA256(secret, raw body)>`. */
export const githubVerifier: Verifier = {
  verify({ headers, body, secrets }) {
    const header = headers.get(SCHEME_SPECS.github.signatureHeader);
    if (!header) return { ok: false, reason: "missing_signature" };
    const hex = header.trim().match(/^sha256=(.*)$/)?.[1];
    const signature = hex === undefined ? null : decodeHex(hex);
    if (!signature) return { ok: false, reason: "malformed_signature" };
    if (secrets.length === 0) return { ok: false, reason: "no_secret" };
    const index = matchSecret(secrets, [signature], (secret) => hmacSha256(secret, body));
    return index >= 0 ? { ok: true, secretIndex: index } : { ok: false, reason: "signature_mismatch" };
  },
  idempotency: [{ header: "x-github-delivery" }],
  eventType: [{ header: "x-github-event" }],
};
