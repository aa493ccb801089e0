import {
  AppError,
  addMaintenanceJob,
  type EventFilter,
  type EventJob,
  enqueueEvent,
  eventFilterSql,
  type ReplayFilter,
  type Sql,
  TRANSITIONS,
  transitionEvent,
  uuidv7Floor,
} from "@hookbox/shared";
import type { Queue } from "bullmq";

/**
 * Replays one settled event: a new run (every handler again, new attempts) under a new job id.
 * In-flight events (received, queued, processing, retrying) answer 409.
 */
export async function replayEvent(
  deps: { sql: Sql; queue: Queue<EventJob> },
  tenantId: string,
  id: string,
): Promise<{ id: string; status: "queued"; run: number }> {
  const moved = await transitionEvent(deps.sql, id, "replay", { tenantId });
  if (!moved) {
    const [row] = await deps.sql<
      { status: string }[]
    >`SELECT status FROM events WHERE id = ${id} AND tenant_id = ${tenantId}`;
    if (!row) throw new AppError("not_found", "No such event.");
    throw new AppError(
      "conflict",
      `The event is in flight (${row.status}); replay it once it is completed or dead.`,
    );
  }
  // If Redis is away the row is `queued` without a job: the reconciler enqueues it.
  // The row's id as Postgres spells it (lowercase), not as the path did: jobs and batch lookups key on it.
  await enqueueEvent(deps.queue, moved).catch(() => undefined);
  return { id: moved.id, status: "queued", run: moved.run };
}

/** Query/JSON filter (ISO strings) → the SQL filter (dates). */
export function toEventFilter<F extends { since?: string | undefined; until?: string | undefined }>(
  filter: F,
): Omit<F, "since" | "until"> & Pick<EventFilter, "since" | "until"> {
  return {
    ...filter,
    since: filter.since ? new Date(filter.since) : undefined,
    until: filter.until ? new Date(filter.until) : undefined,
  };
}

/**
 * Bulk replay: counts the matching settled events and hands the work to the worker's
 * maintenance queue, which replays them in batches. Events received after this call are not
 * included (the job carries the newest id at the time of the call).
 */
export async function startBulkReplay(
  deps: { sql: Sql; maintenance: Queue },
  tenantId: string,
  filter: ReplayFilter,
): Promise<{ count: number; jobId: string }> {
  const maxId = uuidv7Floor(new Date(Date.now() + 1));
  const [row] = await deps.sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM events e JOIN sources s ON s.id = e.source_id
    WHERE ${eventFilterSql(deps.sql, tenantId, toEventFilter(filter))}
      AND e.status = ANY(${deps.sql.array([...TRANSITIONS.replay.from])}::event_status[])
      AND e.id <= ${maxId}`;
  let job: Awaited<ReturnType<Queue["add"]>>;
  try {
    job = await addMaintenanceJob(deps.maintenance, "bulk-replay", {
      tenantId,
      filter,
      maxId,
      afterId: null,
    });
  } catch {
    throw new AppError("unavailable", "The queue is unavailable; nothing was replayed. Retry later.", {
      retryAfterSeconds: 5,
    });
  }
  return { count: row?.n ?? 0, jobId: job.id ?? "" };
}
