import { SCHEME_SPECS } from "@hookbox/shared";
import { decodeHex, hmacSha256, matchSecret } from "./safe-equal.ts";
import { withinTolerance } from "./timestamp.ts";
import type { Verifier } from "./types.ts";

/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]`, HMAC-SHA256 of `"<t>.<raw body>"`
 * keyed with the whole `whsec_…` string as UTF-8. Any v1 may match (Stripe sends several while
 * an endpoint secret is being rolled).
 */
export const stripeVerifier: Verifier = {
  verify({ headers, body, secrets, toleranceSeconds, now }) {
    const header = headers.get(SCHEME_SPECS.stripe.signatureHeader);
    if (!header) return { ok: false, reason: "missing_signature" };
    let timestamp: string | undefined;
    const candidates: Buffer[] = [];
    for (const part of header.split(",")) {
      const [key, value] = part.trim().split("=", 2);
      if (key === "t") timestamp = value;
      else if (key === "v1" && value) {
        const decoded = decodeHex(value);
        if (decoded) candidates.push(decoded);
      }
    }
    if (!timestamp || candidates.length === 0) return { ok: false, reason: "malformed_signature" };
    if (!withinTolerance(timestamp, now, toleranceSeconds))
      return { ok: false, reason: "timestamp_out_of_tolerance" };
    if (secrets.length === 0) return { ok: false, reason: "no_secret" };
    const index = matchSecret(secrets, candidates, (secret) => hmacSha256(secret, `${timestamp}.`, body));
    return index >= 0 ? { ok: true, secretIndex: index } : { ok: false, reason: "signature_mismatch" };
  },
  idempotency: [{ jsonPath: "$.id" }],
  eventType: [{ jsonPath: "$.type" }],
};
