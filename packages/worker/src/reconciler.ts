import { type EventStatus, enqueueEvent, findEventJob, transitionEvent } from "@hookbox/shared";
import type { WorkerDeps } from "./deps.ts";

/** Job states in which the job will still run (or is running): the row needs nothing. */
const LIVE_STATES = new Set(["waiting", "active", "delayed", "prioritized", "waiting-children"]);
const BATCH = 500;
/**
 * Where each worker's rounds go on from: a round checks the next BATCH unsettled rows after the
 * previous round's last one, wrapping around at the end. Behind a deep backlog of rows whose jobs
 * are alive, a lost one is so found within (backlog / BATCH) rounds, not never.
 */
const cursors = new WeakMap<WorkerDeps, string>();

/**
 * Finds non-terminal rows whose job is missing or finished — `received` rows the api could not
 * enqueue (Redis was down), and `queued`/`processing`/`retrying` rows whose job was lost or
 * failed by BullMQ's stall limit — and enqueues them again (jobId = event id, so it is harmless
 * to race another replica). Returns how many it enqueued.
 */
export async function reconcileOnce(deps: WorkerDeps): Promise<number> {
  const minAge = `${deps.config.reconcileMinAgeMs} milliseconds`;
  // pending_events holds exactly the unsettled events (a small table, in id order).
  const after = cursors.get(deps);
  const rows = await deps.sql<{ id: string; status: EventStatus; run: number }[]>`
    SELECT p.id, st.status, st.run
    FROM pending_events p JOIN event_states st ON st.id = p.id JOIN deliveries d ON d.id = p.id
    WHERE coalesce(st.next_attempt_at, st.started_at, st.queued_at, d.received_at) < now() - ${minAge}::interval
      ${after ? deps.sql`AND p.id > ${after}` : deps.sql``}
    ORDER BY p.id
    LIMIT ${BATCH}`;
  const last = rows.at(-1)?.id;
  if (rows.length < BATCH || !last) cursors.delete(deps);
  else cursors.set(deps, last);
  let requeued = 0;
  for (const row of rows) {
    const job = await findEventJob(deps.queues, row.id, row.run);
    const state = job ? await job.getState() : "missing";
    if (LIVE_STATES.has(state)) {
      if (row.status === "received") await transitionEvent(deps.sql, row.id, "enqueue");
      continue;
    }
    // A finished job with the same id would make add() a silent no-op: remove it first.
    if (job) await job.remove().catch(() => {});
    await enqueueEvent(deps.queues, row);
    if (row.status === "received") await transitionEvent(deps.sql, row.id, "enqueue");
    deps.metrics.reconcilerRequeues.inc({ status: row.status });
    deps.logger.info(
      { eventId: row.id, status: row.status, jobState: state },
      "reconciler re-enqueued event",
    );
    requeued++;
  }
  return requeued;
}

/**
 * Runs `reconcileOnce` every interval. With several replicas, a short Redis lock lets one of
 * them do a round while the others skip it (correctness does not depend on the lock).
 */
export function startReconciler(deps: WorkerDeps): { stop(): Promise<void> } {
  const lockKey = `${deps.config.redisPrefix}:reconciler-lock`;
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    running = (async () => {
      try {
        const got = await deps.redis.set(
          lockKey,
          String(process.pid),
          "PX",
          deps.config.reconcileIntervalMs,
          "NX",
        );
        if (got === "OK") await reconcileOnce(deps);
      } catch (error) {
        deps.logger.warn({ err: error }, "reconciler round failed; will retry");
      } finally {
        running = undefined;
      }
    })();
  };
  const timer = setInterval(tick, deps.config.reconcileIntervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
