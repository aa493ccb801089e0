import { randomBytes } from "node:crypto";
import { decodeBase64, SCHEME_SPECS, whsecKey } from "@hookbox/shared";
import { hmacSha256, matchSecret } from "./safe-equal.ts";
import { withinTolerance } from "./timestamp.ts";
import type { Verifier } from "./types.ts";

const UNUSABLE_KEY = randomBytes(32);

/**
 * Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<b64> [v1,<b64> …]`
 * over `"<id>.<timestamp>.<raw body>"`. Any listed v1 signature may match.
 */
export const standardWebhooksVerifier: Verifier = {
  verify({ headers, body, secrets, toleranceSeconds, now }) {
    const id = headers.get("webhook-id");
    const timestamp = headers.get("webhook-timestamp");
    const header = headers.get(SCHEME_SPECS["standard-webhooks"].signatureHeader);
    if (!id || !timestamp || !header) return { ok: false, reason: "missing_signature" };
    const candidates: Buffer[] = [];
    for (const entry of header.trim().split(/\s+/)) {
      const [version, value] = entry.split(",", 2);
      if (version !== "v1" || !value) continue;
      const decoded = decodeBase64(value);
      if (decoded) candidates.push(decoded);
    }
    if (candidates.length === 0) return { ok: false, reason: "malformed_signature" };
    if (!withinTolerance(timestamp, now, toleranceSeconds))
      return { ok: false, reason: "timestamp_out_of_tolerance" };
    if (secrets.length === 0) return { ok: false, reason: "no_secret" };
    // A stored secret that gives no key (not base64, or nothing after `whsec_`) matches nothing:
    // an empty key would let anyone sign. Its MAC is still computed, keyed with a random key
    // nobody holds, so the time taken does not say which secrets are broken.
    const index = matchSecret(secrets, candidates, (secret) =>
      hmacSha256(whsecKey(secret) ?? UNUSABLE_KEY, `${id}.${timestamp}.`, body),
    );
    return index >= 0 ? { ok: true, secretIndex: index } : { ok: false, reason: "signature_mismatch" };
  },
  idempotency: [{ header: "webhook-id" }],
  eventType: [{ jsonPath: "$.type" }],
};
