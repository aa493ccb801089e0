import {
  countWaitingEvents,
  enqueueEvents,
  eventFilterSql,
  type MaintenanceJob,
  TRANSITIONS,
  transitionEvents,
} from "@hookbox/shared";
import type { WorkerDeps } from "../deps.ts";

const BATCH = 500;
/** Stop feeding the queue while this many jobs wait: a 100k replay must not flood Redis. */
const MAX_WAITING = 10_000;

/**
 * Replays every settled event matching the filter, in batches of 500 (each: one guarded UPDATE,
 * one addBulk), recording progress on the job so a restarted job resumes where it stopped.
 * A crash between the UPDATE and the addBulk leaves `queued` rows without a job: the
 * reconciler enqueues them.
 */
export async function runBulkReplay(
  deps: WorkerDeps,
  job: MaintenanceJob<"bulk-replay">,
): Promise<{ replayed: number }> {
  const { tenantId, filter, maxId } = job.data;
  let afterId = job.data.afterId;
  let replayed = typeof job.progress === "number" ? job.progress : 0;
  const parsed = {
    ...filter,
    since: filter.since ? new Date(filter.since) : undefined,
    until: filter.until ? new Date(filter.until) : undefined,
  };
  for (;;) {
    const rows = await deps.sql<{ id: string }[]>`
      SELECT e.id FROM events e JOIN sources s ON s.id = e.source_id
      WHERE ${eventFilterSql(deps.sql, tenantId, parsed)}
        AND e.status = ANY(${deps.sql.array([...TRANSITIONS.replay.from])}::event_status[])
        AND e.id <= ${maxId} ${afterId ? deps.sql`AND e.id > ${afterId}` : deps.sql``}
      ORDER BY e.id LIMIT ${BATCH}`;
    if (rows.length === 0) break;
    const moved = await transitionEvents(
      deps.sql,
      rows.map((r) => r.id),
      "replay",
      { tenantId },
    );
    if (moved.length > 0) await enqueueEvents(deps.queues, moved);
    replayed += moved.length;
    afterId = rows.at(-1)?.id ?? afterId;
    await job.updateData({ ...job.data, afterId });
    await job.updateProgress(replayed);
    while ((await countWaitingEvents(deps.queues)) > MAX_WAITING) {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  deps.logger.info({ tenantId, replayed }, "bulk replay done");
  return { replayed };
}
