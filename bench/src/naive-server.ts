// Reference "naive": verify the HMAC, one INSERT, one queue.add() per request, answer 202.
// No group commit, no batching; the same Postgres, Redis, body limit and source cache as Hookbox.
import { serve } from "@hono/node-server";
import {
  createEventsQueue,
  createLogger,
  createPool,
  createProducerRedis,
  enqueueEvent,
  uuidv7,
  warmUpDatabase,
} from "@hookbox/shared";
import { Hono } from "hono";
import { signatureMatches } from "./ref-signature.ts";

const env = process.env;
const sql = createPool(env.DATABASE_URL as string, { max: 10 });
await warmUpDatabase(sql);
const logger = createLogger("warn", { service: "bench-naive" });
const redis = createProducerRedis(env.REDIS_URL as string, logger);
const queue = createEventsQueue(
  redis,
  env.REDIS_PREFIX as string,
  { maxAttempts: 8, baseDelayMs: 1000, maxDelayMs: 60_000 },
  logger,
);
const secret = env.SOURCE_SECRET as string;
const [source] = await sql<
  { id: string; tenant_id: string }[]
>`SELECT id, tenant_id FROM sources WHERE slug = ${env.SOURCE_SLUG as string}`;
if (!source) throw new Error("no source");

const app = new Hono();
app.post("/in/:source", async (c) => {
  const body = Buffer.from(await c.req.arrayBuffer());
  if (!signatureMatches(secret, body, c.req.header("x-signature"))) return c.text("no", 401);
  const id = uuidv7();
  await sql`
    INSERT INTO bench_naive_events (id, tenant_id, source_id, idempotency_key, event_type, headers, body, content_type, size)
    VALUES (${id}, ${source.tenant_id}, ${source.id}, ${c.req.header("idempotency-key") ?? null}, 'bench.event',
            ${sql.json({})}, ${body}, ${c.req.header("content-type") ?? null}, ${body.length})`;
  await enqueueEvent([queue], { id, run: 0 });
  return c.json({ id, status: "queued", duplicate: false }, 202);
});
serve({ fetch: app.fetch, port: Number(env.PORT), hostname: "127.0.0.1" }, (info) =>
  console.log(JSON.stringify({ msg: "listening", port: info.port })),
);
