/**
 * Domain vocabulary shared by api and worker. Each tuple is the single source of truth for a
 * Postgres enum, a zod schema and a TypeScript union.
 */
export const EVENT_STATUSES = ["received", "queued", "processing", "retrying", "completed", "dead"] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

/** The statuses an event leaves only by a replay: its run is settled. */
export const TERMINAL_STATUSES = ["completed", "dead"] as const satisfies readonly EventStatus[];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

/**
 * The terminal set as a SQL list, `'completed', 'dead'`, for `status IN (…)` written into the
 * statement text. Not a bound array: the partial indexes on events name these statuses, and a
 * generic plan of `status = ANY($1)` cannot prove their predicate, so it would scan the table.
 */
export const TERMINAL_STATUSES_SQL = TERMINAL_STATUSES.map((s) => `'${s}'`).join(", ");

/**
 * What one handler key did on one attempt. `filtered`: its `events` (or the handler's own)
 * excluded the event type, so it did not run and never will in this run; the reason is the error.
 */
export const ATTEMPT_OUTCOMES = ["success", "error", "filtered"] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/** Every signature scheme of DESIGN.md; what each one declares is in `SCHEME_SPECS` (schemes.ts). */
export const SCHEMES = [
  "hmac-sha256",
  "stripe",
  "github",
  "shopify",
  "slack",
  "standard-webhooks",
  "hookbox",
  "token",
  "none",
] as const;
export type Scheme = (typeof SCHEMES)[number];

/**
 * Why a delivery was refused: the `reason` of a rejection-log row and of the
 * hookbox_rejections_recorded_total label. Verification gives every one but `too_large`.
 */
export const REJECTION_REASONS = [
  "missing_signature",
  "malformed_signature",
  "signature_mismatch",
  "timestamp_out_of_tolerance",
  "no_secret",
  "too_large",
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** Where a value (idempotency key, event type) is read from: a request header or a JSON path. */
export type ValueRule = { header: string } | { jsonPath: string };

export interface SourceSecret {
  secret: string;
  createdAt: string;
  /** ISO time after which this secret no longer verifies; null = no expiry. */
  expiresAt: string | null;
}

/**
 * One handler attached to a source: a built-in (`log`, `forward`, `slack`) or a code handler
 * (its `id`). `key` (default: `name`) is unique within the source, so one kind can appear several
 * times (fan-out); attempts, steps and outcomes are recorded per key. `events` narrows the event
 * types this attachment runs for (globs, `!x` excludes), on top of the handler's own `events`.
 */
export interface HandlerSpec {
  name: string;
  key: string;
  events?: string[];
  config: Record<string, unknown>;
}

/** A spec as stored before keys existed (rows of the current schema have no `key`). */
export function handlerKeyOf(spec: { name: string; key?: string | undefined }): string {
  return spec.key ?? spec.name;
}

/** The bootstrap tenant that `ADMIN_API_KEY` acts as. Created by the first migration. */
export const DEFAULT_TENANT_ID = "00000000-0000-7000-8000-000000000000";
