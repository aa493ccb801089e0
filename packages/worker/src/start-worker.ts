import {
  BACKOFF_TYPE,
  EVENTS_QUEUE,
  type EventJob,
  isDatabaseUnavailable,
  logConnectionErrors,
} from "@hookbox/shared";
import { type Job, Worker } from "bullmq";
import type { WorkerDeps } from "./deps.ts";
import { processEvent } from "./process-event.ts";
import { RetryLaterError, retryDelayMs } from "./retry-policy.ts";

/** How long the queue pauses when Postgres does not answer. */
const DB_OUTAGE_PAUSE_MS = 2_000;

/**
 * The BullMQ worker. Stall settings are deliberate (see docs/adr/0003-stalled-jobs.md): a job
 * whose worker dies is handed on after `lockDuration`; after `maxStalledCount` stalls BullMQ
 * fails it, and the reconciler re-enqueues the row, so a twice-killed job is never lost.
 */
export function startEventWorker(deps: WorkerDeps): Worker<EventJob> {
  const { config, logger } = deps;
  const worker: Worker<EventJob> = new Worker<EventJob>(
    EVENTS_QUEUE,
    async (job: Job, token?: string) => {
      try {
        return await processEvent(deps, job, token);
      } catch (error) {
        if (!isDatabaseUnavailable(error)) throw error;
        // Postgres is away: hand the job back without spending one of its attempts, and pause
        // the queue briefly instead of burning through every job's retries during the outage.
        logger.warn(
          { jobId: job.id, err: (error as Error).message },
          "postgres unavailable; pausing the queue",
        );
        await worker.rateLimit(DB_OUTAGE_PAUSE_MS);
        throw Worker.RateLimitError();
      }
    },
    {
      connection: deps.workerRedis,
      prefix: config.redisPrefix,
      concurrency: config.workerConcurrency,
      lockDuration: config.workerLockDurationMs,
      stalledInterval: config.workerStalledIntervalMs,
      maxStalledCount: config.workerMaxStalledCount,
      settings: {
        backoffStrategy: (attemptsMade, type, error) => {
          if (type !== BACKOFF_TYPE) return 0;
          // The processor already chose the delay and stored it on the row as next_attempt_at.
          return error instanceof RetryLaterError ? error.delayMs : retryDelayMs(attemptsMade, deps.retry);
        },
      },
    },
  );
  logConnectionErrors(worker, logger, "events worker");
  worker.on("stalled", (jobId) => logger.warn({ jobId }, "job stalled; handed to another worker"));
  worker.on("failed", (job, error) => {
    if (job && !(error instanceof RetryLaterError)) {
      logger.debug({ jobId: job.id, eventId: job.data.eventId, err: error.message }, "job failed");
    }
  });
  return worker;
}
