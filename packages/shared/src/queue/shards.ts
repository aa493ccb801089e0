import type { Config } from "../config/index.ts";

/**
 * Which event queue (shard) an event's jobs go to: FNV-1a (32-bit) of the event id, modulo the
 * shard count. Stable — the same id lands on the same shard in every process and every run, so
 * a replay or a reconciler re-enqueue finds the shard of the original — and spread evenly:
 * uuid v7 ids are time-ordered in their first bytes, so the hash covers the whole id, never a
 * prefix. Per event, not per source: one busy sender (the usual shape of webhook traffic) would
 * otherwise pin one shard, the very hot spot sharding removes; Hookbox never promised order
 * within a source (jobs run concurrently and retry on their own schedule).
 */
export function eventShardOf(eventId: string, shards: number): number {
  if (shards <= 1) return 0;
  // Postgres spells ids lowercase; a path may not. Both must hash alike.
  const id = eventId.toLowerCase();
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}

/**
 * The BullMQ key prefix of shard `shard`. Shard 0 is REDIS_PREFIX itself (one shard is exactly
 * the queue of before: same keys, same job ids). Shard n > 0 gets `-n` inside the prefix's hash
 * tag (`{hookbox}` → `{hookbox-1}`, `{acme}:hb` → `{acme-1}:hb`), so each shard hashes to a slot
 * of its own and Redis Cluster can place shards on different nodes; a prefix without a hash tag
 * gets `-n` appended.
 */
export function eventShardPrefix(prefix: string, shard: number): string {
  if (shard === 0) return prefix;
  const open = prefix.indexOf("{");
  const close = open === -1 ? -1 : prefix.indexOf("}", open + 1);
  if (close > open + 1) return `${prefix.slice(0, close)}-${shard}${prefix.slice(close)}`;
  return `${prefix}-${shard}`;
}

/** The Redis URL of every shard, index = shard (REDIS_SHARD_URLS, else REDIS_URL for all). */
export function eventShardUrls(
  config: Pick<Config, "eventQueueShards" | "redisShardUrls" | "redisUrl">,
): string[] {
  return Array.from(
    { length: config.eventQueueShards },
    (_, shard) => config.redisShardUrls?.[shard] ?? config.redisUrl,
  );
}

/** The shards a worker serves: WORKER_QUEUE_SHARDS, else every one. */
export function servedEventShards(config: Pick<Config, "eventQueueShards" | "workerQueueShards">): number[] {
  const all = Array.from({ length: config.eventQueueShards }, (_, shard) => shard);
  return config.workerQueueShards ? [...new Set(config.workerQueueShards)].sort((a, b) => a - b) : all;
}

/**
 * One connection per distinct shard URL: shards on REDIS_URL share `base`, the others get one
 * from `create` each (listed in `opened`, for the caller to close).
 */
export function connectEventShards<R>(
  config: Pick<Config, "eventQueueShards" | "redisShardUrls" | "redisUrl">,
  base: R,
  create: (url: string) => R,
): { byShard: [R, ...R[]]; opened: R[] } {
  const byUrl = new Map<string, R>([[config.redisUrl, base]]);
  const opened: R[] = [];
  const [first = base, ...rest] = eventShardUrls(config).map((url) => {
    let redis = byUrl.get(url);
    if (!redis) {
      redis = create(url);
      byUrl.set(url, redis);
      opened.push(redis);
    }
    return redis;
  });
  return { byShard: [first, ...rest], opened };
}
