import { Redis, type RedisOptions } from "ioredis";

/**
 * Connection for request paths (ingest's enqueue, health checks): fails fast instead of
 * queueing commands while Redis is away, so an outage can never hang a request.
 */
export function createProducerRedis(url: string, options: RedisOptions = {}): Redis {
  return withErrorListener(
    new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      commandTimeout: 2_000,
      retryStrategy: (times) => Math.min(times * 200, 2_000),
      ...options,
    }),
  );
}

/**
 * Connection for BullMQ workers and long-lived background loops: BullMQ requires
 * `maxRetriesPerRequest: null` so blocking commands survive reconnects.
 */
export function createWorkerRedis(url: string, options: RedisOptions = {}): Redis {
  return withErrorListener(
    new Redis(url, {
      maxRetriesPerRequest: null,
      connectTimeout: 5_000,
      retryStrategy: (times) => Math.min(times * 200, 2_000),
      ...options,
    }),
  );
}

/**
 * An ioredis client without an `error` listener crashes the process on the first
 * connection error. The default listener swallows it; callers add their own logging.
 */
function withErrorListener(redis: Redis): Redis {
  redis.on("error", () => {});
  return redis;
}

export async function pingRedis(redis: Redis): Promise<boolean> {
  try {
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  }
}
