import { Redis, type RedisOptions } from "ioredis";
import type { Logger } from "./logger.ts";

/**
 * Connection for request paths (ingest's enqueue, health checks): fails fast instead of
 * queueing commands while Redis is away, so an outage can never hang a request.
 */
export function createProducerRedis(url: string, logger: Logger, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: 2_000,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    ...options,
  });
  return logConnectionErrors(redis, logger, "producer redis");
}

/**
 * Connection for BullMQ workers and long-lived background loops: BullMQ requires
 * `maxRetriesPerRequest: null` so blocking commands survive reconnects.
 */
export function createWorkerRedis(url: string, logger: Logger, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    connectTimeout: 5_000,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    ...options,
  });
  return logConnectionErrors(redis, logger, "worker redis");
}

/** The same error message is logged at most once per this window (per logger). */
export const ERROR_LOG_WINDOW_MS = 10_000;
/** Distinct messages remembered per logger; beyond this the oldest is forgotten. */
const MAX_REMEMBERED = 100;

interface ErrorEmitter {
  on(event: "error", listener: (error: Error) => void): unknown;
}

/** Per logger, so a Redis client and the queues on it (which re-emit its errors) share one line. */
const recentErrors = new WeakMap<Logger, Map<string, { at: number; suppressed: number }>>();

/**
 * Adds the `error` listener every Redis client and BullMQ queue needs (without one, the first
 * connection error crashes the process) and logs at `warn`, once per distinct message per
 * window: a Redis outage makes each client emit the same error on every reconnect attempt, and
 * thousands of identical lines would bury everything else. The next line after a quiet window
 * says how many were left out (`suppressed`).
 */
export function logConnectionErrors<T extends ErrorEmitter>(
  emitter: T,
  logger: Logger,
  client: string,
  windowMs = ERROR_LOG_WINDOW_MS,
): T {
  emitter.on("error", (error) => {
    const message = error instanceof Error ? error.message : String(error);
    let seen = recentErrors.get(logger);
    if (!seen) {
      seen = new Map();
      recentErrors.set(logger, seen);
    }
    const now = Date.now();
    const last = seen.get(message);
    if (last && now - last.at < windowMs) {
      last.suppressed++;
      return;
    }
    seen.delete(message);
    if (seen.size >= MAX_REMEMBERED) {
      for (const [m, entry] of seen) if (now - entry.at >= windowMs) seen.delete(m);
      const oldest = seen.keys().next();
      if (seen.size >= MAX_REMEMBERED && !oldest.done) seen.delete(oldest.value);
    }
    seen.set(message, { at: now, suppressed: 0 });
    logger.warn({ err: error, client, suppressed: last?.suppressed ?? 0 }, "redis error");
  });
  return emitter;
}

export async function pingRedis(redis: Redis): Promise<boolean> {
  try {
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  }
}
