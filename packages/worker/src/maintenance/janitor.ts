import {
  dropPartition,
  ensurePartitions,
  listPartitions,
  purgeRange,
  scheduleMaintenanceJob,
} from "@hookbox/shared";
import type { WorkerDeps } from "../deps.ts";

/** Rejections are diagnostics: kept 7 days at most (or less, with a shorter retention). */
const REJECTION_MAX_DAYS = 7;
const PAUSE_BETWEEN_BATCHES_MS = 20;

export interface JanitorResult {
  /** Events in the partitions dropped this round. */
  events: number;
  /** Time ranges dropped whole (one partition of each partitioned table per range). */
  partitionsDropped: number;
  /** Ranges past retention kept because an event in them is not settled (or the lock was busy). */
  partitionsKept: number;
  /** Ranges made ahead of time. */
  partitionsMade: number;
  /** Idempotency keys, dead-letter marks and alerts of the dropped ranges' events. */
  purged: number;
  rejections: number;
  batches: number;
}

/**
 * Retention by time partitions (docs/adr/0014-storage.md): makes the partitions of the coming
 * periods, then drops every range that ended before RETENTION_DAYS ago — whole, all five
 * tables at once — unless one of its events is not settled yet (pending_events says so): such a
 * range is kept, and dropped at a later round once it settled. A settled event is so kept for
 * between RETENTION_DAYS and RETENTION_DAYS plus one partition period. Rejections (diagnostics,
 * not partitioned) are deleted row by row, JANITOR_BATCH_SIZE at a time.
 */
export async function runJanitor(deps: WorkerDeps, now = new Date()): Promise<JanitorResult> {
  const { sql } = deps;
  const batch = deps.config.janitorBatchSize;
  const cutoff = new Date(now.getTime() - deps.config.retentionDays * 86_400_000);
  const rejectionCutoff = new Date(
    now.getTime() - Math.min(REJECTION_MAX_DAYS, deps.config.retentionDays) * 86_400_000,
  );
  const result: JanitorResult = {
    events: 0,
    partitionsDropped: 0,
    partitionsKept: 0,
    partitionsMade: 0,
    purged: 0,
    rejections: 0,
    batches: 0,
  };
  result.partitionsMade = await ensurePartitions(
    sql,
    { periodHours: deps.config.partitionPeriodHours, ahead: deps.config.partitionsAhead },
    now,
  );
  for (const range of await listPartitions(sql)) {
    if (range.toAt > cutoff) break;
    const [count] = await sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM event_states
      WHERE id >= hookbox_uuid_floor(${range.fromAt}) AND id < hookbox_uuid_floor(${range.toAt})`;
    const outcome = await dropPartition(sql, range);
    if (!outcome.dropped) {
      result.partitionsKept++;
      deps.logger.info(
        { partition: range.suffix, reason: outcome.reason },
        "janitor kept a partition past retention (an event in it is not settled, or its lock was busy)",
      );
      continue;
    }
    result.partitionsDropped++;
    result.events += count?.n ?? 0;
    result.purged += await purgeRange(sql, range, batch);
    result.batches++;
  }
  for (;;) {
    const deleted = await sql`
      DELETE FROM rejections WHERE id IN (
        SELECT id FROM rejections WHERE received_at < ${rejectionCutoff} ORDER BY received_at LIMIT ${batch})`;
    result.batches++;
    result.rejections += deleted.count;
    if (deleted.count < batch) break;
    await new Promise((resolve) => setTimeout(resolve, PAUSE_BETWEEN_BATCHES_MS));
  }
  deps.logger.info({ ...result, cutoff: cutoff.toISOString() }, "janitor done");
  return result;
}

/** One schedule for all replicas (upsert is idempotent); BullMQ runs each occurrence once. */
export async function scheduleJanitor(deps: WorkerDeps): Promise<void> {
  await scheduleMaintenanceJob(deps.maintenance, "janitor", { every: deps.config.janitorIntervalMs }, {});
}
