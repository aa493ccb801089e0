import { decodeBase64, SCHEME_SPECS } from "@hookbox/shared";
import { hmacSha256, matchSecret } from "./safe-equal.ts";
import type { Verifier } from "./types.ts";

/** Shopify: `X-Shopify-Hmac-Sha256: <base64 of HMAC-SHA256(secret, raw body)>`. */
export const shopifyVerifier: Verifier = {
  verify({ headers, body, secrets }) {
    const header = headers.get(SCHEME_SPECS.shopify.signatureHeader);
    if (!header) return { ok: false, reason: "missing_signature" };
    const signature = decodeBase64(header.trim());
    if (!signature) return { ok: false, reason: "malformed_signature" };
    if (secrets.length === 0) return { ok: false, reason: "no_secret" };
    const index = matchSecret(secrets, [signature], (secret) => hmacSha256(secret, body));
    return index >= 0 ? { ok: true, secretIndex: index } : { ok: false, reason: "signature_mismatch" };
  },
  idempotency: [{ header: "x-shopify-webhook-id" }],
  eventType: [{ header: "x-shopify-topic" }],
};
