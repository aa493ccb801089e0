// Reference worker: the least a BullMQ consumer of the inbox can do per job — ONE
// `UPDATE … SET status = 'completed'` of its row (in REF_TABLE, a copy of `events` with all its
// indexes) and ONE `PUBLISH` of the completion, nothing batched. Same queue options, concurrency,
// lock settings, pool size and node flags as Hookbox's worker; its own Redis prefix.
import {
  type CompletionMessage,
  completionChannel,
  createLogger,
  createPool,
  createProducerRedis,
  createWorkerRedis,
  EVENTS_QUEUE,
  type EventJob,
  loadConfig,
  warmUpDatabase,
} from "@hookbox/shared";
import { type Job, Worker } from "bullmq";

const config = loadConfig();
const table = process.env.REF_TABLE as string;
const sourceSlug = process.env.SOURCE_SLUG as string;
const sql = createPool(config.databaseUrl, { max: config.databasePoolMax });
await warmUpDatabase(sql);
const logger = createLogger("warn", { service: "bench-ref-worker" });
const workerRedis = createWorkerRedis(config.redisUrl, logger);
const redis = createProducerRedis(config.redisUrl, logger);

const worker = new Worker<EventJob>(
  EVENTS_QUEUE,
  async (job: Job<EventJob>) => {
    const [row] = await sql<{ tenantId: string; type: string | null; receivedAt: Date; completedAt: Date }[]>`
      UPDATE ${sql(table)} SET status = 'completed', completed_at = now() WHERE id = ${job.data.eventId}
      RETURNING tenant_id AS "tenantId", event_type AS type, received_at AS "receivedAt", completed_at AS "completedAt"`;
    if (!row) throw new Error(`no row ${job.data.eventId}`);
    const message: CompletionMessage = {
      id: job.data.eventId,
      tenantId: row.tenantId,
      source: sourceSlug,
      type: row.type,
      status: "completed",
      attempts: 1,
      receivedAt: row.receivedAt.toISOString(),
      completedAt: row.completedAt.toISOString(),
      durationMs: row.completedAt.getTime() - row.receivedAt.getTime(),
    };
    await redis.publish(completionChannel(sourceSlug, row.type, "completed"), JSON.stringify(message));
  },
  {
    connection: workerRedis,
    prefix: config.redisPrefix,
    concurrency: config.workerConcurrency,
    lockDuration: config.workerLockDurationMs,
    stalledInterval: config.workerStalledIntervalMs,
    maxStalledCount: config.workerMaxStalledCount,
  },
);
worker.on("error", (error) => logger.error({ err: error }, "ref worker error"));
console.log(JSON.stringify({ msg: "ref worker running", port: 0 }));

process.on("SIGTERM", async () => {
  await worker.close();
  workerRedis.disconnect();
  redis.disconnect();
  await sql.end();
  process.exit(0);
});
