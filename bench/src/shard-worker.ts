// A no-op BullMQ consumer of the event queues: one Worker per shard served, each taking jobs
// and completing them at once, so the drain rate is bound by Redis (and this process), never
// by Postgres or a handler. Started by shards.ts; SHARD_URLS (one per shard), REDIS_PREFIX,
// CONCURRENCY (split over the shards, as Hookbox's worker splits WORKER_CONCURRENCY).
import { createLogger, createWorkerRedis, EVENTS_QUEUE, eventShardPrefix } from "@hookbox/shared";
import { Worker } from "bullmq";

const urls = (process.env.SHARD_URLS ?? "").split(",");
const prefix = process.env.REDIS_PREFIX ?? "{hookbox}";
const concurrency = Math.ceil(Number(process.env.CONCURRENCY ?? 128) / urls.length);
const logger = createLogger("warn", { service: "bench-shard-worker" });

const workers = urls.map((url, shard) => {
  const worker = new Worker(EVENTS_QUEUE, async () => {}, {
    connection: createWorkerRedis(url, logger),
    prefix: eventShardPrefix(prefix, shard),
    concurrency,
  });
  worker.on("error", (error) => logger.error({ err: error, shard }, "shard worker error"));
  return worker;
});
await Promise.all(workers.map((worker) => worker.waitUntilReady()));
console.log(JSON.stringify({ msg: "shard worker running", port: 0 }));

process.on("SIGTERM", async () => {
  await Promise.all(workers.map((worker) => worker.close()));
  process.exit(0);
});
