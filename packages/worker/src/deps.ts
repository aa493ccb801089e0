import { randomUUID } from "node:crypto";
import {
  addMaintenanceJob,
  type Config,
  connectEventShards,
  countEventJobs,
  createEventQueues,
  createLogger,
  createMaintenanceQueue,
  createMetrics,
  createPool,
  createProducerRedis,
  createWorkerRedis,
  type EventQueues,
  type HandlerCatalogEntry,
  type Logger,
  logDestination,
  type Metrics,
  QUEUE_STATES,
  type RetryPolicy,
  retryPolicyOf,
  type Sql,
} from "@hookbox/shared";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { createEventClaimer, type EventClaimer } from "./claim-event.ts";
import { createHandlerRegistry, type HandlerRegistry } from "./handlers/index.ts";
import { type CompletionPublisher, createCompletionPublisher } from "./publish-completion.ts";
import { createEventCompleter, type EventCompleter } from "./settle.ts";

/**
 * Jobs that start (or finish) together share one statement. A batch goes out at the end of the
 * event-loop turn, at most this many at a time per kind: under load the next batch gathers while
 * the current ones run (a round trip per batch, not per job), and an idle worker adds no delay.
 */
const BATCH_FLUSHES_IN_FLIGHT = 2;

export interface WorkerDeps {
  config: Config;
  sql: Sql;
  /** BullMQ worker connection (`maxRetriesPerRequest: null`). */
  workerRedis: Redis;
  /** The BullMQ worker connection of each shard (index = shard; `workerRedis` unless REDIS_SHARD_URLS). */
  shardWorkerRedis: readonly Redis[];
  /** Publishing and the reconciler's queue: fails fast. */
  redis: Redis;
  /** The event queues, one per shard (EVENT_QUEUE_SHARDS; index = shard). */
  queues: EventQueues;
  /** Bulk replays and alert notifications. */
  maintenance: Queue;
  /** The allowlist: built-ins and the code handlers loaded from HANDLERS_DIR at start. */
  handlers: HandlerRegistry;
  /** This process, in the handler manifest and in "not deployed on worker …" messages. */
  workerId: string;
  /** Aborted when a shutdown's grace period ends: every running handler's `signal` follows it. */
  shutdownSignal: AbortSignal;
  /** Starts the shutdown grace period (see WORKER_SHUTDOWN_GRACE_MS). */
  abortHandlers(): void;
  /** Load + mark processing, batched across concurrent jobs. */
  claimer: EventClaimer;
  /** Attempts + completed, batched across concurrent jobs. */
  completer: EventCompleter;
  publisher: CompletionPublisher;
  retry: RetryPolicy;
  logger: Logger;
  metrics: Metrics;
  /** Queues the Slack notification of a new alert when SLACK_ALERT_WEBHOOK_URL is set; never throws. */
  notifyAlert(alertId: string): Promise<void>;
  close(): Promise<void>;
}

export function createWorkerDeps(
  config: Config,
  overrides: Partial<Pick<WorkerDeps, "logger">> & { codeHandlers?: readonly HandlerCatalogEntry[] } = {},
): WorkerDeps {
  const shutdown = new AbortController();
  // Claims and settles are batched, so a few connections carry any concurrency.
  const sql = createPool(config.databaseUrl, {
    max: config.databasePoolMax,
    applicationName: "hookbox-worker",
  });
  const logger =
    overrides.logger ??
    createLogger(config.logLevel, { service: "hookbox-worker" }, logDestination(config.nodeEnv));
  const workerRedis = createWorkerRedis(config.redisUrl, logger);
  const redis = createProducerRedis(config.redisUrl, logger);
  const retry = retryPolicyOf(config);
  // Shards on other Redis servers (REDIS_SHARD_URLS) get connections of their own.
  const shardRedis = connectEventShards(config, redis, (url) => createProducerRedis(url, logger));
  const shardWorkerRedis = connectEventShards(config, workerRedis, (url) => createWorkerRedis(url, logger));
  const queues = createEventQueues(shardRedis.byShard, config.redisPrefix, retry, logger);
  const maintenance = createMaintenanceQueue(redis, config.redisPrefix, logger);
  const batching = { maxItems: config.workerConcurrency, maxWaitMs: 0, maxInFlight: BATCH_FLUSHES_IN_FLIGHT };
  return {
    config,
    sql,
    workerRedis,
    shardWorkerRedis: shardWorkerRedis.byShard,
    redis,
    queues,
    maintenance,
    handlers: createHandlerRegistry(
      {
        allowPrivateDestinations: config.allowPrivateDestinations,
        defaultTimeoutMs: config.forwardTimeoutMs,
      },
      overrides.codeHandlers,
    ),
    workerId: `${process.pid}-${randomUUID().slice(0, 8)}`,
    shutdownSignal: shutdown.signal,
    abortHandlers: () => shutdown.abort(new Error("worker shutting down")),
    claimer: createEventClaimer(sql, batching, config.workerBodyBudgetBytes),
    completer: createEventCompleter(sql, batching),
    publisher: createCompletionPublisher(redis, batching),
    retry,
    logger,
    metrics: createMetrics("worker", { queueCounts: () => countEventJobs(queues, ...QUEUE_STATES) }),
    async notifyAlert(alertId) {
      if (!config.slackAlertWebhookUrl) return;
      // A Slack failure never blocks processing: the job retries on its own schedule.
      await addMaintenanceJob(
        maintenance,
        "slack-alert",
        { alertId },
        { jobId: `slack-alert-${alertId}` },
      ).catch((error: unknown) => logger.warn({ err: error, alertId }, "could not queue the Slack alert"));
    },
    async close() {
      await maintenance.close().catch(() => {});
      await Promise.all(queues.map((queue) => queue.close().catch(() => {})));
      for (const extra of [...shardRedis.opened, ...shardWorkerRedis.opened]) extra.disconnect();
      workerRedis.disconnect();
      redis.disconnect();
      await sql.end({ timeout: 5 });
    },
  };
}
