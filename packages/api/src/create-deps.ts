import {
  type Config,
  connectEventShards,
  countEventJobs,
  createEventQueues,
  createLogger,
  createMaintenanceQueue,
  createMetrics,
  createPool,
  createProducerRedis,
  type HandlerCatalogEntry,
  logDestination,
  QUEUE_STATES,
  retryPolicyOf,
  secretBoxOf,
} from "@hookbox/shared";
import { createDatabase } from "@hookbox/shared/drizzle";
import type { ApiDeps } from "./deps.ts";
import { createKnownHandlers } from "./handlers/known-handlers.ts";
import { createBacklogGauge } from "./ingest/backlog.ts";
import { createEventEnqueuer } from "./ingest/enqueue.ts";
import { createEventWriter } from "./ingest/persist.ts";
import { createRateLimiter } from "./ingest/rate-limit.ts";
import { createRejectionRecorder } from "./ingest/record-rejection.ts";
import { createSourceCache } from "./ingest/source-cache.ts";
import { createCompletionHub } from "./stream/completion-hub.ts";

/** Opens the api's connections and builds its deps from the config (server.ts and tests call this). */
export function createApiDeps(
  config: Config,
  overrides: Partial<Pick<ApiDeps, "logger" | "now">> & {
    codeHandlers?: readonly HandlerCatalogEntry[];
  } = {},
): ApiDeps {
  const database = createDatabase(config.databaseUrl, {
    max: config.databasePoolMax,
    applicationName: "hookbox-api",
  });
  const managementSql = createPool(config.databaseUrl, {
    max: config.managementPoolMax,
    statementTimeoutMs: config.managementStatementTimeoutMs,
    applicationName: "hookbox-api-management",
  });
  const logger =
    overrides.logger ??
    createLogger(config.logLevel, { service: "hookbox-api" }, logDestination(config.nodeEnv));
  const redis = createProducerRedis(config.redisUrl, logger);
  // Shards on other Redis servers (REDIS_SHARD_URLS) get producer connections of their own.
  const shardRedis = connectEventShards(config, redis, (url) => createProducerRedis(url, logger));
  const queues = createEventQueues(shardRedis.byShard, config.redisPrefix, retryPolicyOf(config), logger);
  const maintenance = createMaintenanceQueue(redis, config.redisPrefix, logger);
  const metrics = createMetrics("api", { queueCounts: () => countEventJobs(queues, ...QUEUE_STATES) });
  const hub = createCompletionHub(config.redisUrl, logger);
  const backlog = createBacklogGauge(queues);
  const batching = { maxItems: config.ingestBatchMax, maxWaitMs: config.ingestBatchWaitMs };
  const enqueuer = createEventEnqueuer(
    { sql: database.sql, queues, metrics, logger },
    { ...batching, timeoutMs: config.enqueueTimeoutMs },
  );
  return {
    config,
    sql: database.sql,
    managementSql,
    db: database.db,
    redis,
    queues,
    maintenance,
    sources: createSourceCache(database.sql, secretBoxOf(config)),
    rejections: createRejectionRecorder({ sql: database.sql, logger, metrics }),
    writer: createEventWriter(database.sql, batching),
    enqueuer,
    backlog,
    rateLimiter: createRateLimiter(redis, config.redisPrefix, Math.min(config.enqueueTimeoutMs, 250)),
    handlers: createKnownHandlers(overrides.codeHandlers ?? [], redis, config.redisPrefix),
    hub,
    logger,
    metrics,
    now: overrides.now ?? Date.now,
    state: { shuttingDown: false, draining: false },
    async close() {
      backlog.stop();
      // The jobs of rows already acknowledged go out before Redis closes (else the reconciler would
      // add them, RECONCILE_MIN_AGE_MS later).
      await enqueuer.drain();
      await hub.close();
      await maintenance.close().catch(() => {});
      await Promise.all(queues.map((queue) => queue.close().catch(() => {})));
      for (const extra of shardRedis.opened) extra.disconnect();
      redis.disconnect();
      await Promise.all([database.close(), managementSql.end({ timeout: 5 })]);
    },
  };
}
