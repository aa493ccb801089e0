import { type AttemptOutcome, type EventStatus, TERMINAL_STATUSES } from "../domain.ts";
import { boundedQuery, type Sql } from "./client.ts";

/**
 * The legal status moves of an event. Every status change goes through `transitionEvents`,
 * which updates only `WHERE status = ANY(from)`: an illegal or raced move changes nothing.
 */
export const TRANSITIONS = {
  /** the reconciler enqueued the job of a row ingest could not enqueue. */
  enqueue: { from: ["received"], to: "queued", newRun: false },
  /**
   * Ingest inserts rows as `queued` (saving an UPDATE per event on the hot path) and moves them
   * back to `received` when the enqueue failed or timed out: the reconciler's to-do list.
   */
  unqueue: { from: ["queued"], to: "received", newRun: false },
  /** a worker picked the job up; `processing` is included for a job re-run after its worker died. */
  start: { from: ["received", "queued", "retrying", "processing"], to: "processing", newRun: false },
  retry: { from: ["processing"], to: "retrying", newRun: false },
  /**
   * a worker claimed the event but hands it back untouched, undoing its claim: it lacks one of
   * its handlers (or that handler's version: a rolling deploy), or the event's tenant is past its
   * share of the worker's slots (WORKER_TENANT_SHARE, worker/src/tenant-share.ts).
   */
  release: { from: ["processing"], to: "queued", newRun: false },
  complete: { from: ["processing"], to: "completed", newRun: false },
  kill: { from: ["processing"], to: "dead", newRun: false },
  /** an operator runs a settled event again: a new run, every handler again. */
  replay: { from: TERMINAL_STATUSES, to: "queued", newRun: true },
} as const satisfies Record<string, { from: readonly EventStatus[]; to: EventStatus; newRun: boolean }>;

export type Transition = keyof typeof TRANSITIONS;

export interface TransitionPatch {
  lastError?: string | null;
  nextAttemptAt?: Date | null;
  /** Only rows of this tenant move (management calls). */
  tenantId?: string;
  /** A replay: the handler keys the new run runs (null = all). */
  runHandlers?: string[] | null;
  /** `release`: the claim did not count as an attempt. */
  undoAttempt?: boolean;
}

/** An attempts row written in the same statement as the transition (one round trip per job). */
export interface AttemptRow {
  tenant_id: string;
  event_id: string;
  handler: string;
  attempt: number;
  run: number;
  started_at: Date;
  finished_at: Date;
  outcome: AttemptOutcome;
  error: string | null;
  duration_ms: number;
  /** A failed attempt: when this handler key may run again. */
  next_attempt_at: Date | null;
}

export interface TransitionedEvent {
  id: string;
  run: number;
  completedAt: Date | null;
}

/** Applies a transition to the rows that are in a `from` status; returns the rows that moved. */
export async function transitionEvents(
  sql: Sql,
  eventIds: readonly string[],
  transition: Transition,
  patch: TransitionPatch = {},
  options: { timeoutMs?: number; attempts?: readonly AttemptRow[] } = {},
): Promise<TransitionedEvent[]> {
  if (eventIds.length === 0) return [];
  const { from, to, newRun } = TRANSITIONS[transition];
  const attempts = options.attempts ?? [];
  const withAttempts =
    attempts.length > 0
      ? // Column arrays (unnest): one statement text, prepared once, whatever the number of rows.
        sql`recorded AS (
          INSERT INTO attempts (tenant_id, event_id, handler, attempt, run, started_at, finished_at, outcome, error,
                                duration_ms, next_attempt_at)
          SELECT * FROM unnest(
            ${sql.array(attempts.map((a) => a.tenant_id))}::uuid[],
            ${sql.array(attempts.map((a) => a.event_id))}::uuid[],
            ${sql.array(attempts.map((a) => a.handler))}::text[],
            ${sql.array(attempts.map((a) => a.attempt))}::int[],
            ${sql.array(attempts.map((a) => a.run))}::int[],
            ${sql.array(attempts.map((a) => a.started_at.toISOString()))}::timestamptz[],
            ${sql.array(attempts.map((a) => a.finished_at.toISOString()))}::timestamptz[],
            ${sql.array(attempts.map((a) => a.outcome))}::attempt_outcome[],
            ${sql.array(attempts.map((a) => a.error) as string[])}::text[],
            ${sql.array(attempts.map((a) => a.duration_ms))}::int[],
            ${sql.array(attempts.map((a) => a.next_attempt_at?.toISOString() ?? null) as string[])}::timestamptz[])
        ), `
      : sql``;
  const terminal = (TERMINAL_STATUSES as readonly EventStatus[]).includes(to);
  // (`= ANY(ARRAY(…))` rather than `IN (…)`: primary-key probes, never a scan of the table.)
  // The side tables follow the status (see schema/events.ts): a settled event leaves
  // pending_events and gets its settlements row (and a dead one its dead_letters row); a replayed
  // one is pending again and no longer dead.
  const bookkeeping = terminal
    ? sql`, unpended AS (DELETE FROM pending_events WHERE id = ANY(ARRAY(SELECT id FROM moved)))
        , settled AS (INSERT INTO settlements (tenant_id, event_id, run, status, settled_at)
                      SELECT tenant_id, id, run, status, completed_at FROM moved)
        ${to === "dead" ? sql`, buried AS (INSERT INTO dead_letters (event_id, tenant_id) SELECT id, tenant_id FROM moved ON CONFLICT DO NOTHING)` : sql``}`
    : newRun
      ? sql`, pended AS (INSERT INTO pending_events (id, tenant_id) SELECT id, tenant_id FROM moved ON CONFLICT DO NOTHING)
          , unburied AS (DELETE FROM dead_letters WHERE event_id = ANY(ARRAY(SELECT id FROM moved)))`
      : sql``;
  const query = sql<TransitionedEvent[]>`
    WITH ${withAttempts}moved AS (
      UPDATE event_states SET
        status = ${to},
        run = run + ${newRun ? 1 : 0},
        attempt_count = attempt_count - ${patch.undoAttempt ? 1 : 0},
        run_handlers = ${newRun ? runHandlersOfReplay(sql, patch.runHandlers) : sql`run_handlers`},
        queued_at = CASE WHEN ${to} = 'queued' THEN now() WHEN ${to} = 'received' THEN NULL ELSE queued_at END,
        completed_at = CASE WHEN ${terminal} THEN now() WHEN ${newRun} THEN NULL ELSE completed_at END,
        last_error = ${patch.lastError === undefined ? sql`last_error` : patch.lastError},
        next_attempt_at = ${patch.nextAttemptAt ?? null}
      WHERE id = ANY(${sql.array([...eventIds])}::uuid[])
        AND status = ANY(${sql.array([...from])}::event_status[])
        ${patch.tenantId ? sql`AND tenant_id = ${patch.tenantId}` : sql``}
      RETURNING id, tenant_id, run, status, completed_at
    )${bookkeeping}
    SELECT id, run, completed_at AS "completedAt" FROM moved`;
  return options.timeoutMs ? boundedQuery(query, options.timeoutMs) : query;
}

/**
 * The keys a replay's new run runs: the ones asked for; else, for a dead event, the keys that had
 * not succeeded (or been filtered) in the run that died — the others' successes are kept; else
 * (a completed event) every key. SET expressions see the row before the update (its old run).
 * A dead event with nothing left to run (its failed key was removed from the source) runs none.
 */
function runHandlersOfReplay(sql: Sql, asked: string[] | null | undefined) {
  if (asked) return sql`${sql.array(asked)}::text[]`;
  return sql`CASE WHEN status = 'dead' THEN (
      SELECT coalesce(array_agg(coalesce(h->>'key', h->>'name')), '{}')
      FROM deliveries d JOIN sources s ON s.id = d.source_id, jsonb_array_elements(s.handlers) h
      WHERE d.id = event_states.id AND NOT EXISTS (
        SELECT 1 FROM attempts a WHERE a.event_id = event_states.id AND a.run = event_states.run
          AND a.handler = coalesce(h->>'key', h->>'name') AND a.outcome <> 'error'))
    ELSE NULL END`;
}

/** One event; returns the moved row, or null when it was not in a `from` status. */
export async function transitionEvent(
  sql: Sql,
  eventId: string,
  transition: Transition,
  patch: TransitionPatch = {},
  options: { timeoutMs?: number; attempts?: readonly AttemptRow[] } = {},
): Promise<TransitionedEvent | null> {
  const [row] = await transitionEvents(sql, [eventId], transition, patch, options);
  return row ?? null;
}
