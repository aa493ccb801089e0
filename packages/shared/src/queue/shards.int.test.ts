import { Redis } from "ioredis";
import { uuidv7 } from "uuidv7";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../logger.ts";
import { createProducerRedis } from "../redis.ts";
import { createTestRedis, redisBaseUrl } from "../testing/index.ts";
import { createEventQueues, enqueueEvent, enqueueEvents, findEventJob } from "./catalog.ts";
import { eventShardOf } from "./shards.ts";

const logger = createLogger("silent");
const retry = { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 };
const redisTest = await createTestRedis("queue-shards");
const redis = createProducerRedis(await redisBaseUrl(), logger);
const raw = new Redis(await redisBaseUrl());
afterAll(async () => {
  redis.disconnect();
  raw.disconnect();
  await redisTest.cleanup();
});

/** An event id that hashes to `shard` of `shards`. */
function idOnShard(shard: number, shards: number): string {
  for (;;) {
    const id = uuidv7();
    if (eventShardOf(id, shards) === shard) return id;
  }
}

describe("event queue shards in Redis", () => {
  it("one shard is the queue of before: REDIS_PREFIX, job id = event id", async () => {
    const prefix = `${redisTest.prefix.slice(0, -1)}-one}`;
    const queues = createEventQueues([redis], prefix, retry, logger);
    expect(queues).toHaveLength(1);
    const id = uuidv7();
    await enqueueEvent(queues, { id, run: 0 });
    await enqueueEvent(queues, { id, run: 2 });
    expect(await raw.exists(`${prefix}:events:${id}`, `${prefix}:events:${id}-r2`)).toBe(2);
    await Promise.all(queues.map((q) => q.close()));
  });

  it("two shards: each event's jobs under its shard's own hash tag, one addBulk per shard", async () => {
    const prefix = `${redisTest.prefix.slice(0, -1)}-two}`;
    const queues = createEventQueues([redis, redis], prefix, retry, logger);
    const shardPrefix = `${prefix.slice(0, -1)}-1}`;
    const zero = idOnShard(0, 2);
    const one = idOnShard(1, 2);
    await enqueueEvents(queues, [
      { id: zero, run: 0 },
      { id: one, run: 0 },
    ]);
    await enqueueEvent(queues, { id: one, run: 1 });
    expect(await raw.exists(`${prefix}:events:${zero}`)).toBe(1);
    expect(await raw.exists(`${shardPrefix}:events:${one}`, `${shardPrefix}:events:${one}-r1`)).toBe(2);
    expect(await raw.exists(`${prefix}:events:${one}`, `${shardPrefix}:events:${zero}`)).toBe(0);
    expect((await findEventJob(queues, one, 1))?.id).toBe(`${one}-r1`);
    await Promise.all(queues.map((q) => q.close()));
  });

  it("finds a job enqueued before the shard count grew, on its old shard", async () => {
    const prefix = `${redisTest.prefix.slice(0, -1)}-grow}`;
    const before = createEventQueues([redis], prefix, retry, logger);
    const id = idOnShard(1, 2);
    await enqueueEvent(before, { id, run: 0 });
    const after = createEventQueues([redis, redis], prefix, retry, logger);
    expect(await after[1]?.getJob(id)).toBeUndefined();
    expect((await findEventJob(after, id, 0))?.queueName).toBe("events");
    expect(await (await findEventJob(after, id, 0))?.getState()).toBe("waiting");
    await Promise.all([...before, ...after].map((q) => q.close()));
  });
});
