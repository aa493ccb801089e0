import {
  type Config,
  createDatabase,
  createEventsQueue,
  createLogger,
  createMetrics,
  createProducerRedis,
  createWorkerRedis,
  type EventJob,
  type Logger,
  type Metrics,
  type RetryPolicy,
  type Sql,
} from "@hookbox/shared";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { createHandlerRegistry, type HandlerRegistry } from "./handlers/index.ts";

export interface WorkerDeps {
  config: Config;
  sql: Sql;
  /** BullMQ worker connection (`maxRetriesPerRequest: null`). */
  workerRedis: Redis;
  /** Publishing and the reconciler's queue: fails fast. */
  redis: Redis;
  queue: Queue<EventJob>;
  handlers: HandlerRegistry;
  retry: RetryPolicy;
  logger: Logger;
  metrics: Metrics;
  close(): Promise<void>;
}

export function retryPolicyOf(config: Config): RetryPolicy {
  return {
    maxAttempts: config.maxAttempts,
    baseDelayMs: config.retryBaseDelayMs,
    maxDelayMs: config.retryMaxDelayMs,
  };
}

export function createWorkerDeps(
  config: Config,
  overrides: Partial<Pick<WorkerDeps, "logger">> = {},
): WorkerDeps {
  const database = createDatabase(config.databaseUrl, {
    max: Math.max(config.databasePoolMax, Math.min(config.workerConcurrency, 20)),
    applicationName: "hookbox-worker",
  });
  const workerRedis = createWorkerRedis(config.redisUrl);
  const redis = createProducerRedis(config.redisUrl);
  const retry = retryPolicyOf(config);
  const queue = createEventsQueue(redis, config.redisPrefix, retry);
  return {
    config,
    sql: database.sql,
    workerRedis,
    redis,
    queue,
    handlers: createHandlerRegistry({
      allowPrivateDestinations: config.allowPrivateDestinations,
      defaultTimeoutMs: config.forwardTimeoutMs,
    }),
    retry,
    logger: overrides.logger ?? createLogger(config.logLevel, { service: "hookbox-worker" }),
    metrics: createMetrics("worker"),
    async close() {
      await queue.close().catch(() => {});
      workerRedis.disconnect();
      redis.disconnect();
      await database.close();
    },
  };
}
