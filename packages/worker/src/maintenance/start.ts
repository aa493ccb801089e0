import {
  dispatchMaintenanceJob,
  logConnectionErrors,
  MAINTENANCE_QUEUE,
  type MaintenanceProcessors,
} from "@hookbox/shared";
import { DelayedError, type Job, Worker } from "bullmq";
import type { WorkerDeps } from "../deps.ts";
import { runBulkReplay } from "./bulk-replay.ts";
import { runJanitor } from "./janitor.ts";
import { runSlackAlert } from "./slack-alert.ts";

/**
 * Slots of the maintenance worker. Bulk replays take at most one of them (`BULK_REPLAY_SLOTS`),
 * so however many replays are asked for, the janitor and Slack alerts always have two.
 */
const MAINTENANCE_CONCURRENCY = 3;
const BULK_REPLAY_SLOTS = 1;
/** A bulk replay that finds the bulk slot taken goes back to delayed for this long. */
const BULK_REPLAY_DEFER_MS = 2_000;

/** The maintenance queue's worker: bulk replays, Slack alerts and the janitor, a few at a time. */
export function startMaintenanceWorker(deps: WorkerDeps): Worker {
  const processors: MaintenanceProcessors = {
    "bulk-replay": (job) => runBulkReplay(deps, job),
    janitor: () => runJanitor(deps),
    "slack-alert": (job) => runSlackAlert(deps, job),
  };
  let bulkRunning = 0;
  const processor = async (job: Job, token?: string) => {
    if (job.name !== "bulk-replay") return dispatchMaintenanceJob(job, processors);
    if (bulkRunning >= BULK_REPLAY_SLOTS) {
      // Not an attempt: the replay waits its turn, and the slot is free again at once.
      deps.metrics.jobsDeferred.inc({ reason: "bulk_replay_slot" });
      await job.moveToDelayed(Date.now() + BULK_REPLAY_DEFER_MS, token);
      throw new DelayedError();
    }
    bulkRunning += 1;
    try {
      return await dispatchMaintenanceJob(job, processors);
    } finally {
      bulkRunning -= 1;
    }
  };
  const worker = new Worker(MAINTENANCE_QUEUE, processor, {
    connection: deps.workerRedis,
    prefix: deps.config.redisPrefix,
    concurrency: MAINTENANCE_CONCURRENCY,
    lockDuration: deps.config.workerLockDurationMs,
    stalledInterval: deps.config.workerStalledIntervalMs,
    maxStalledCount: deps.config.workerMaxStalledCount,
  });
  logConnectionErrors(worker, deps.logger, "maintenance worker");
  worker.on("failed", (job, error) =>
    deps.logger.warn({ jobId: job?.id, name: job?.name, err: error.message }, "maintenance job failed"),
  );
  return worker;
}
