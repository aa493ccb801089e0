import {
  type Config,
  createEventsQueue,
  createLogger,
  createMaintenanceQueue,
  createMetrics,
  createProducerRedis,
  type EventJob,
  type Logger,
  type Metrics,
  QUEUE_STATES,
  type Sql,
} from "@hookbox/shared";
import { createDatabase, type Db } from "@hookbox/shared/drizzle";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { type BacklogGauge, createBacklogGauge } from "./ingest/backlog.ts";
import { createEventEnqueuer, type EventEnqueuer } from "./ingest/enqueue.ts";
import { createEventWriter, type EventWriter } from "./ingest/persist.ts";
import { createRateLimiter, type RateLimiter } from "./ingest/rate-limit.ts";
import { createRejectionRecorder, type RejectionRecorder } from "./ingest/record-rejection.ts";
import { createSourceCache, type SourceCache } from "./ingest/source-cache.ts";
import { type CompletionHub, createCompletionHub } from "./stream/completion-hub.ts";

/** Everything the api's routes use, passed in (tests build their own). */
export interface ApiDeps {
  config: Config;
  sql: Sql;
  db: Db;
  redis: Redis;
  queue: Queue<EventJob>;
  /** Bulk replays are handed to the worker through this queue. */
  maintenance: Queue;
  sources: SourceCache;
  rejections: RejectionRecorder;
  writer: EventWriter;
  enqueuer: EventEnqueuer;
  backlog: BacklogGauge;
  rateLimiter: RateLimiter;
  /** Fans Redis completion messages out to SSE clients (connects on first use). */
  hub: CompletionHub;
  logger: Logger;
  metrics: Metrics;
  now: () => number;
  /**
   * `shuttingDown`: set on SIGTERM, readiness answers 503 so load balancers stop sending.
   * `draining`: set when the listener closes, answers carry `Connection: close` so keep-alive
   * clients let go (Node keeps serving requests on open keep-alive sockets otherwise).
   */
  state: { shuttingDown: boolean; draining: boolean };
  close(): Promise<void>;
}

export function createApiDeps(
  config: Config,
  overrides: Partial<Pick<ApiDeps, "logger" | "now">> = {},
): ApiDeps {
  const database = createDatabase(config.databaseUrl, {
    max: config.databasePoolMax,
    applicationName: "hookbox-api",
  });
  const redis = createProducerRedis(config.redisUrl);
  const queue = createEventsQueue(redis, config.redisPrefix, {
    maxAttempts: config.maxAttempts,
    baseDelayMs: config.retryBaseDelayMs,
    maxDelayMs: config.retryMaxDelayMs,
  });
  const maintenance = createMaintenanceQueue(redis, config.redisPrefix);
  const logger = overrides.logger ?? createLogger(config.logLevel, { service: "hookbox-api" });
  const metrics = createMetrics("api", { queueCounts: () => queue.getJobCounts(...QUEUE_STATES) });
  const hub = createCompletionHub(config.redisUrl, logger);
  const backlog = createBacklogGauge(queue);
  const batching = { maxItems: config.ingestBatchMax, maxWaitMs: config.ingestBatchWaitMs };
  return {
    config,
    sql: database.sql,
    db: database.db,
    redis,
    queue,
    maintenance,
    sources: createSourceCache(database.sql),
    rejections: createRejectionRecorder({ sql: database.sql, logger, metrics }),
    writer: createEventWriter(database.sql, batching),
    enqueuer: createEventEnqueuer(
      { sql: database.sql, queue },
      { ...batching, timeoutMs: config.enqueueTimeoutMs },
    ),
    backlog,
    rateLimiter: createRateLimiter(redis, config.redisPrefix, Math.min(config.enqueueTimeoutMs, 250)),
    hub,
    logger,
    metrics,
    now: overrides.now ?? Date.now,
    state: { shuttingDown: false, draining: false },
    async close() {
      backlog.stop();
      await hub.close();
      await maintenance.close().catch(() => {});
      await queue.close().catch(() => {});
      redis.disconnect();
      await database.close();
    },
  };
}
