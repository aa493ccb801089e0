import type { EventStatus } from "../domain.ts";
import type { Sql } from "./client.ts";

/**
 * The legal status moves of an event. Every status change goes through `transitionEvent`,
 * which updates only `WHERE status = ANY(from)`: an illegal or raced move changes nothing.
 */
export const TRANSITIONS = {
  /** ingest enqueued the job (or the reconciler did). */
  enqueue: { from: ["received"], to: "queued" },
  /** a worker picked the job up; `processing` is included for a job re-run after its worker died. */
  start: { from: ["received", "queued", "retrying", "processing"], to: "processing" },
  retry: { from: ["processing"], to: "retrying" },
  complete: { from: ["processing"], to: "completed" },
  kill: { from: ["processing"], to: "dead" },
} as const satisfies Record<string, { from: readonly EventStatus[]; to: EventStatus }>;

export type Transition = keyof typeof TRANSITIONS;

export interface TransitionPatch {
  lastError?: string | null;
  nextAttemptAt?: Date | null;
}

/** Applies a transition; returns false when the row was not in a `from` status (nothing changed). */
export async function transitionEvent(
  sql: Sql,
  eventId: string,
  transition: Transition,
  patch: TransitionPatch = {},
): Promise<boolean> {
  const { from, to } = TRANSITIONS[transition];
  const rows = await sql`
    UPDATE events SET
      status = ${to},
      queued_at = CASE WHEN ${to} = 'queued' THEN now() ELSE queued_at END,
      completed_at = CASE WHEN ${to} IN ('completed', 'dead') THEN now() ELSE completed_at END,
      last_error = ${patch.lastError === undefined ? sql`last_error` : patch.lastError},
      next_attempt_at = ${patch.nextAttemptAt ?? null}
    WHERE id = ${eventId} AND status = ANY(${sql.array([...from])}::event_status[])
    RETURNING id`;
  return rows.length === 1;
}
