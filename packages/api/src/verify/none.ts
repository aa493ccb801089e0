import type { Verifier } from "./types.ts";

/** No verification. Only for sources explicitly created with `scheme: "none"`. */
export const noneVerifier: Verifier = {
  verify: () => ({ ok: true, secretIndex: 0 }),
  idempotency: [{ header: "idempotency-key" }],
  eventType: [{ header: "x-event-type" }],
};
