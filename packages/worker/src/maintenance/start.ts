import {
  dispatchMaintenanceJob,
  logConnectionErrors,
  MAINTENANCE_QUEUE,
  type MaintenanceProcessors,
} from "@hookbox/shared";
import { type Job, Worker } from "bullmq";
import type { WorkerDeps } from "../deps.ts";
import { runBulkReplay } from "./bulk-replay.ts";
import { runJanitor } from "./janitor.ts";
import { runSlackAlert } from "./slack-alert.ts";

/** The maintenance queue's worker: bulk replays, Slack alerts and the janitor, a few at a time. */
export function startMaintenanceWorker(deps: WorkerDeps): Worker {
  const processors: MaintenanceProcessors = {
    "bulk-replay": (job) => runBulkReplay(deps, job),
    janitor: () => runJanitor(deps),
    "slack-alert": (job) => runSlackAlert(deps, job),
  };
  const worker = new Worker(MAINTENANCE_QUEUE, (job: Job) => dispatchMaintenanceJob(job, processors), {
    connection: deps.workerRedis,
    prefix: deps.config.redisPrefix,
    concurrency: 2,
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
