import type { RejectionReason, ValueRule } from "@hookbox/shared";
import type { RequestHeaders } from "../ingest/types.ts";

export interface VerifyInput {
  /** Request headers (lower-cased names, as the Fetch API gives them). */
  headers: RequestHeaders;
  /** The exact bytes received. */
  body: Buffer;
  /** Unexpired secrets, oldest first. */
  secrets: readonly string[];
  toleranceSeconds: number;
  /** Current time in ms; injected so known-answer vectors with fixed timestamps verify. */
  now: number;
}

/** Why verification refused a delivery. Logged and recorded; never told to the sender. */
export type RejectReason = Exclude<RejectionReason, "too_large">;

/** `secretIndex` is the position in `secrets` of the secret that verified (for rotation metrics). */
export type VerifyResult = { ok: true; secretIndex: number } | { ok: false; reason: RejectReason };

/** A signature scheme: how to verify, and where its senders put the idempotency key and type. */
export interface Verifier {
  verify(input: VerifyInput): VerifyResult;
  /** Tried in order; the first present value wins. */
  idempotency: readonly ValueRule[];
  eventType: readonly ValueRule[];
  /**
   * A verified request the sender expects answered rather than stored (Slack's URL
   * verification): returns the JSON to answer with 200, or null for a normal delivery.
   */
  handshake?(json: () => unknown): Record<string, unknown> | null;
}
