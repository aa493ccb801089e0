import { BulkReplayJobSchema, MAINTENANCE_QUEUE, SlackAlertJobSchema } from "@hookbox/shared";
import { type Job, UnrecoverableError, Worker } from "bullmq";
import type { WorkerDeps } from "../deps.ts";
import { runBulkReplay } from "./bulk-replay.ts";
import { runJanitor } from "./janitor.ts";
import { runSlackAlert } from "./slack-alert.ts";

/** The maintenance queue's worker: bulk replays, Slack alerts and the janitor, a few at a time. */
export function startMaintenanceWorker(deps: WorkerDeps): Worker {
  const worker = new Worker(
    MAINTENANCE_QUEUE,
    async (job: Job) => {
      switch (job.name) {
        case "bulk-replay":
          BulkReplayJobSchema.parse(job.data);
          return runBulkReplay(deps, job);
        case "janitor":
          return runJanitor(deps);
        case "slack-alert":
          SlackAlertJobSchema.parse(job.data);
          return runSlackAlert(deps, job);
        default:
          throw new UnrecoverableError(`unknown maintenance job "${job.name}"`);
      }
    },
    {
      connection: deps.workerRedis,
      prefix: deps.config.redisPrefix,
      concurrency: 2,
      lockDuration: deps.config.workerLockDurationMs,
      stalledInterval: deps.config.workerStalledIntervalMs,
      maxStalledCount: deps.config.workerMaxStalledCount,
    },
  );
  worker.on("error", (error) => deps.logger.error({ err: error }, "maintenance worker error"));
  worker.on("failed", (job, error) =>
    deps.logger.warn({ jobId: job?.id, name: job?.name, err: error.message }, "maintenance job failed"),
  );
  return worker;
}
