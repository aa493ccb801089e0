import {
  BACKOFF_TYPE,
  EVENTS_QUEUE,
  type EventJob,
  eventShardPrefix,
  isDatabaseUnavailable,
  logConnectionErrors,
  servedEventShards,
} from "@hookbox/shared";
import { type Job, Worker } from "bullmq";
import type { WorkerDeps } from "./deps.ts";
import { processEvent } from "./process-event.ts";
import { RetryLaterError, retryDelayMs } from "./retry-policy.ts";
import { createTenantShareGate, type TenantShareGate } from "./tenant-share.ts";

/** How long the queue pauses when Postgres does not answer. */
const DB_OUTAGE_PAUSE_MS = 2_000;

export interface EventWorkers {
  /** One BullMQ worker per shard served (WORKER_QUEUE_SHARDS, else every shard). */
  workers: readonly Worker<EventJob>[];
  isRunning(): boolean;
  /** Stops taking jobs on every shard and waits for the active ones. */
  close(): Promise<void>;
}

/**
 * The event workers: one BullMQ worker per shard this process serves. WORKER_CONCURRENCY is the
 * process's bound (its memory and its claim batches are sized by it), so it is split across the
 * shards served; with even spread (the hash) each shard gets an even share of the jobs too.
 */
export function startEventWorkers(deps: WorkerDeps): EventWorkers {
  const shards = servedEventShards(deps.config);
  const concurrency = Math.max(1, Math.ceil(deps.config.workerConcurrency / shards.length));
  const workers = shards.map((shard) => startEventWorker(deps, shard, concurrency));
  return {
    workers,
    isRunning: () => workers.every((worker) => worker.isRunning()),
    close: async () => {
      await Promise.all(workers.map((worker) => worker.close()));
    },
  };
}

/**
 * The BullMQ worker of one shard. Stall settings are deliberate (see docs/adr/0003-stalled-jobs.md): a job
 * whose worker dies is handed on after `lockDuration`; after `maxStalledCount` stalls BullMQ
 * fails it, and the reconciler re-enqueues the row, so a twice-killed job is never lost.
 */
function startEventWorker(deps: WorkerDeps, shard: number, concurrency: number): Worker<EventJob> {
  const { config, logger } = deps;
  const connection = deps.shardWorkerRedis[shard] ?? deps.workerRedis;
  const gate = tenantShareGateOf(deps, shard, concurrency);
  const worker: Worker<EventJob> = new Worker<EventJob>(
    EVENTS_QUEUE,
    async (job: Job, token?: string) => {
      try {
        return await processEvent(deps, job, token, gate);
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
      connection,
      prefix: eventShardPrefix(config.redisPrefix, shard),
      concurrency,
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
  logConnectionErrors(worker, logger, shard === 0 ? "events worker" : `events worker (shard ${shard})`);
  worker.on("stalled", (jobId) => logger.warn({ jobId }, "job stalled; handed to another worker"));
  worker.on("failed", (job, error) => {
    if (job && !(error instanceof RetryLaterError)) {
      logger.debug({ jobId: job.id, eventId: job.data.eventId, err: error.message }, "job failed");
    }
  });
  return worker;
}

/**
 * The tenant share of one shard's worker (WORKER_TENANT_SHARE of its slots), or none when the
 * share is the whole worker. The probe's length is the shard's waiting jobs.
 */
function tenantShareGateOf(deps: WorkerDeps, shard: number, slots: number): TenantShareGate | undefined {
  const { workerTenantShare: share } = deps.config;
  if (Math.max(1, Math.floor(share * slots)) >= slots) return undefined;
  const queue = deps.queues[shard] ?? deps.queues[0];
  return createTenantShareGate({
    slots,
    share,
    waitingJobs: () => queue.getJobCountByTypes("waiting", "prioritized"),
  });
}
