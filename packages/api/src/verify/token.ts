import { SCHEME_SPECS } from "@hookbox/shared";
import { safeEqual } from "./safe-equal.ts";
import type { Verifier } from "./types.ts";

/** Shared token in `X-Webhook-Token` or `Authorization: Bearer`, compared in constant time. */
export const tokenVerifier: Verifier = {
  verify({ headers, secrets }) {
    const bearer = headers.get("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1];
    const token = headers.get(SCHEME_SPECS.token.signatureHeader) ?? bearer;
    if (!token) return { ok: false, reason: "missing_signature" };
    if (secrets.length === 0) return { ok: false, reason: "no_secret" };
    const given = Buffer.from(token.trim(), "utf8");
    let found = -1;
    secrets.forEach((secret, index) => {
      if (safeEqual(Buffer.from(secret, "utf8"), given) && found === -1) found = index;
    });
    return found >= 0 ? { ok: true, secretIndex: found } : { ok: false, reason: "signature_mismatch" };
  },
  idempotency: [{ header: "idempotency-key" }],
  eventType: [{ header: "x-event-type" }],
};
