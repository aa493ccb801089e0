import {
  AppError,
  addMaintenanceJob,
  currentTraceCarrier,
  type EventFilter,
  type EventQueues,
  enqueueEvent,
  type ReplayFilter,
  type Sql,
  transitionEvent,
  uuidv7Floor,
} from "@hookbox/shared";
import type { Queue } from "bullmq";
import { countReplayable, getEventStatus, handlerKeysOfEvent } from "./queries.ts";

/**
 * Replays one settled event: a new run (new attempts) under a new job id. `handlers` (keys)
 * chooses what runs; without it a dead event runs the keys that had not succeeded, a completed
 * one every key. In-flight events (received, queued, processing, retrying) answer 409.
 */
export async function replayEvent(
  deps: { sql: Sql; queues: EventQueues },
  tenantId: string,
  id: string,
  handlers?: string[],
): Promise<{ id: string; status: "queued"; run: number }> {
  if (handlers) await assertHandlerKeys(deps.sql, tenantId, id, handlers);
  const moved = await transitionEvent(deps.sql, id, "replay", { tenantId, runHandlers: handlers ?? null });
  if (!moved) {
    const row = await getEventStatus(deps.sql, tenantId, id);
    if (!row) throw new AppError("not_found", "No such event.");
    throw new AppError(
      "conflict",
      `The event is in flight (${row.status}); replay it once it is completed or dead.`,
    );
  }
  // If Redis is away the row is `queued` without a job: the reconciler enqueues it.
  // The row's id as Postgres spells it (lowercase), not as the path did: jobs and batch lookups key on it.
  // The new run's spans join the replay request's trace.
  await enqueueEvent(deps.queues, { id: moved.id, run: moved.run, trace: currentTraceCarrier() }).catch(
    () => undefined,
  );
  return { id: moved.id, status: "queued", run: moved.run };
}

/** Replaying chosen keys: each must be a handler key of the event's source (else 400, nothing replayed). */
async function assertHandlerKeys(sql: Sql, tenantId: string, id: string, keys: string[]): Promise<void> {
  const known = await handlerKeysOfEvent(sql, tenantId, id);
  const unknown = keys.filter((k) => !known.includes(k));
  if (known.length === 0) throw new AppError("not_found", "No such event.");
  if (unknown.length > 0 || keys.length === 0) {
    throw new AppError("bad_request", "The request is invalid.", {
      problems: [
        `handlers: ${keys.length === 0 ? "name at least one key" : `unknown key ${unknown.map((k) => `"${k}"`).join(", ")}`} (keys of this source: ${known.join(", ")})`,
      ],
    });
  }
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
  deps: { managementSql: Sql; maintenance: Queue },
  tenantId: string,
  filter: ReplayFilter,
): Promise<{ count: number; jobId: string }> {
  const maxId = uuidv7Floor(new Date(Date.now() + 1));
  const count = await countReplayable(deps.managementSql, tenantId, toEventFilter(filter), maxId);
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
  return { count, jobId: job.id ?? "" };
}
