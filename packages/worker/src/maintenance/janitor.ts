import { scheduleMaintenanceJob, TERMINAL_STATUSES_SQL, uuidv7Floor } from "@hookbox/shared";
import type { WorkerDeps } from "../deps.ts";

/** Rejections are diagnostics: kept 7 days at most (or less, with a shorter retention). */
const REJECTION_MAX_DAYS = 7;
const PAUSE_BETWEEN_BATCHES_MS = 20;

export interface JanitorResult {
  events: number;
  rejections: number;
  batches: number;
}

/**
 * Retention: deletes settled events (completed or dead) received before RETENTION_DAYS ago —
 * their attempts and alerts go with them (ON DELETE CASCADE) — and old rejections. Each DELETE
 * takes at most JANITOR_BATCH_SIZE rows found through the primary key (ids are time-ordered),
 * so no statement holds locks for long; events not yet settled are never deleted.
 * Moving to time partitions later: see docs/adr/0005-retention.md.
 */
export async function runJanitor(deps: WorkerDeps, now = new Date()): Promise<JanitorResult> {
  const { sql } = deps;
  const batch = deps.config.janitorBatchSize;
  const cutoff = new Date(now.getTime() - deps.config.retentionDays * 86_400_000);
  const rejectionCutoff = new Date(
    now.getTime() - Math.min(REJECTION_MAX_DAYS, deps.config.retentionDays) * 86_400_000,
  );
  const result: JanitorResult = { events: 0, rejections: 0, batches: 0 };
  for (;;) {
    const deleted = await sql`
      DELETE FROM events WHERE id IN (
        SELECT id FROM events
        WHERE id < ${uuidv7Floor(cutoff)} AND received_at < ${cutoff} AND status IN (${sql.unsafe(TERMINAL_STATUSES_SQL)})
        ORDER BY id LIMIT ${batch})`;
    result.batches++;
    result.events += deleted.count;
    if (deleted.count < batch) break;
    await new Promise((resolve) => setTimeout(resolve, PAUSE_BETWEEN_BATCHES_MS));
  }
  for (;;) {
    const deleted = await sql`
      DELETE FROM rejections WHERE id IN (
        SELECT id FROM rejections WHERE received_at < ${rejectionCutoff} ORDER BY received_at LIMIT ${batch})`;
    result.batches++;
    result.rejections += deleted.count;
    if (deleted.count < batch) break;
  }
  deps.logger.info({ ...result, cutoff: cutoff.toISOString() }, "janitor done");
  return result;
}

/** One schedule for all replicas (upsert is idempotent); BullMQ runs each occurrence once. */
export async function scheduleJanitor(deps: WorkerDeps): Promise<void> {
  await scheduleMaintenanceJob(deps.maintenance, "janitor", { every: deps.config.janitorIntervalMs }, {});
}
