// Reference "batched": what a hand-built batching inbox costs on this machine. Verify the HMAC,
// then per batch ONE `INSERT … ON CONFLICT DO NOTHING RETURNING` into a narrow table with one
// unique index (bench_ref_events) and ONE `addBulk`; each request answers 202 after both.
// Batches come from the same batcher with the api's settings (INGEST_BATCH_MAX /
// INGEST_BATCH_WAIT_MS); the same Postgres pool size, Redis, queue options and source row as Hookbox.
import { serve } from "@hono/node-server";
import {
  createBatcher,
  createEventsQueue,
  createLogger,
  createPool,
  createProducerRedis,
  enqueueEvents,
  loadConfig,
  retryPolicyOf,
  uuidv7,
  warmUpDatabase,
} from "@hookbox/shared";
import { Hono } from "hono";
import { signatureMatches } from "./ref-signature.ts";

const config = loadConfig();
const sql = createPool(config.databaseUrl, { max: config.databasePoolMax });
await warmUpDatabase(sql);
const logger = createLogger("warn", { service: "bench-batched" });
const redis = createProducerRedis(config.redisUrl, logger);
const queue = createEventsQueue(redis, config.redisPrefix, retryPolicyOf(config), logger);
const secret = process.env.SOURCE_SECRET as string;
const [source] = await sql<
  { id: string }[]
>`SELECT id FROM sources WHERE slug = ${process.env.SOURCE_SLUG as string}`;
if (!source) throw new Error("no source");
const sourceId = source.id;

interface Delivery {
  key: string | null;
  body: Buffer;
  contentType: string | null;
}
type Stored = { id: string; duplicate: false } | { id: null; duplicate: true };

const batcher = createBatcher<Delivery, Stored>(
  async (deliveries) => {
    const ids = deliveries.map(() => uuidv7());
    const inserted = await sql<{ id: string }[]>`
      INSERT INTO bench_ref_events (id, source_id, idempotency_key, body, content_type)
      SELECT id, ${sourceId}, idempotency_key, body, content_type
      FROM unnest(${sql.array(ids)}::uuid[],
                  ${sql.array(deliveries.map((d) => d.key) as string[])}::text[],
                  ${sql.array(deliveries.map((d) => d.body))}::bytea[],
                  ${sql.array(deliveries.map((d) => d.contentType) as string[])}::text[])
        AS t(id, idempotency_key, body, content_type)
      ON CONFLICT (source_id, idempotency_key) DO NOTHING
      RETURNING id`;
    const stored = new Set(inserted.map((r) => r.id));
    await enqueueEvents(
      [queue],
      inserted.map((r) => ({ id: r.id, run: 0 })),
    );
    // A duplicate's existing row is not looked up: the reference only measures the fresh path.
    return ids.map(
      (id): Stored => (stored.has(id) ? { id, duplicate: false } : { id: null, duplicate: true }),
    );
  },
  { maxItems: config.ingestBatchMax, maxWaitMs: config.ingestBatchWaitMs },
);

const app = new Hono();
app.post("/in/:source", async (c) => {
  const body = Buffer.from(await c.req.arrayBuffer());
  if (!signatureMatches(secret, body, c.req.header("x-signature"))) return c.text("no", 401);
  const stored = await batcher.submit({
    key: c.req.header("idempotency-key") ?? null,
    body,
    contentType: c.req.header("content-type") ?? null,
  });
  return c.json(
    { id: stored.id, status: "queued", duplicate: stored.duplicate },
    stored.duplicate ? 200 : 202,
  );
});
serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) =>
  console.log(JSON.stringify({ msg: "listening", port: info.port })),
);
