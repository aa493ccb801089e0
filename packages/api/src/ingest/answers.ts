import { codeToStatus, type ErrorCode, type IngestResult } from "@hookbox/shared";
import type { ReceiveResult } from "./receive-webhook.ts";

export type ReceiveKind = ReceiveResult["kind"];

interface Answer {
  /** The `result` label of hookbox_ingest_requests_total and hookbox_ingest_duration_seconds. */
  metric: IngestResult;
  /** What it means to the sender, for the OpenAPI document (joined with the others of its status). */
  description: string;
}
/** A JSON answer. */
type Reply = Answer & { status: 200 | 202 };
/** A problem+json answer; its status is the code's. */
type Refusal = Answer & { code: ErrorCode };

/**
 * What POST /in/:source answers for each outcome of `receiveWebhook`: the one table the route,
 * the metric labels and the OpenAPI document read.
 */
export const INGEST_ANSWERS = {
  accepted: { status: 202, metric: "accepted", description: "New event persisted." },
  duplicate: {
    status: 200,
    metric: "duplicate",
    description: "Idempotency key seen before: the existing event.",
  },
  handshake: {
    status: 200,
    metric: "accepted",
    description: "Slack's url_verification challenge, answered and not stored.",
  },
  unknown_source: { code: "not_found", metric: "not_found", description: "Unknown or inactive source." },
  too_large: { code: "too_large", metric: "too_large", description: "Body over the source's limit." },
  invalid_signature: {
    code: "invalid_signature",
    metric: "invalid_signature",
    description: "Missing or invalid signature, or timestamp outside tolerance.",
  },
  rate_limited: {
    code: "rate_limited",
    metric: "rate_limited",
    description: "The source's rate limit is hit; see Retry-After.",
  },
  backlogged: {
    code: "rate_limited",
    metric: "rate_limited",
    description: "The backlog limit is hit; see Retry-After.",
  },
  unavailable: {
    code: "unavailable",
    metric: "unavailable",
    description: "Postgres unavailable; nothing was acknowledged.",
  },
} as const satisfies Record<ReceiveKind, Reply | Refusal>;

/** The outcomes answered with problem+json. */
export type RefusalKind = {
  [K in ReceiveKind]: (typeof INGEST_ANSWERS)[K] extends { code: ErrorCode } ? K : never;
}[ReceiveKind];

export function answerStatus(kind: ReceiveKind): number {
  const answer: Reply | Refusal = INGEST_ANSWERS[kind];
  return "code" in answer ? codeToStatus(answer.code) : answer.status;
}
