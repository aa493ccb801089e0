import { SCHEME_SPECS } from "@hookbox/shared";
import { decodeHex, hmacSha256, matchSecret } from "./safe-equal.ts";
import { withinTolerance } from "./timestamp.ts";
import type { Verifier } from "./types.ts";

/**
 * Slack: `X-Slack-Signature: v0=<hex>` over `"v0:<X-Slack-Request-Timestamp>:<raw body>"`.
 * A signed `url_verification` request is answered with its challenge and not stored.
 */
export const slackVerifier: Verifier = {
  verify({ headers, body, secrets, toleranceSeconds, now }) {
    const header = headers.get(SCHEME_SPECS.slack.signatureHeader);
    const timestamp = headers.get("x-slack-request-timestamp");
    if (!header || !timestamp) return { ok: false, reason: "missing_signature" };
    const hex = header.trim().match(/^v0=(.*)$/)?.[1];
    const signature = hex === undefined ? null : decodeHex(hex);
    if (!signature) return { ok: false, reason: "malformed_signature" };
    if (!withinTolerance(timestamp, now, toleranceSeconds))
      return { ok: false, reason: "timestamp_out_of_tolerance" };
    if (secrets.length === 0) return { ok: false, reason: "no_secret" };
    const index = matchSecret(secrets, [signature], (secret) => hmacSha256(secret, `v0:${timestamp}:`, body));
    return index >= 0 ? { ok: true, secretIndex: index } : { ok: false, reason: "signature_mismatch" };
  },
  idempotency: [{ jsonPath: "$.event_id" }],
  eventType: [{ jsonPath: "$.event.type" }, { jsonPath: "$.type" }],
  handshake(json) {
    const payload = json() as { type?: unknown; challenge?: unknown } | undefined;
    if (payload?.type === "url_verification" && typeof payload.challenge === "string") {
      return { challenge: payload.challenge };
    }
    return null;
  },
};
