// Seeds a backlog and drains it with one worker under --cpu-prof (node bench/src/profile-worker.ts;
// N events, C concurrency, PROF=0 without the profiler, WORKER_FLAGS extra node flags; prints the
// drain time and the worker's peak RSS).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import {
  createEventsQueue,
  createLogger,
  createPool,
  createProducerRedis,
  DEFAULT_TENANT_ID,
  enqueueEvents,
  migrate,
  uuidv7,
  warmUpDatabase,
} from "@hookbox/shared";
import postgres from "postgres";

const N = Number(process.env.N ?? 20000);
const admin = postgres("postgres://postgres@127.0.0.1:5432/postgres", { max: 1, onnotice: () => {} });
const name = `hbprofw_${Date.now()}`;
await admin.unsafe(`CREATE DATABASE ${name}`);
const url = `postgres://postgres@127.0.0.1:5432/${name}`;
await migrate(url);
const sql = createPool(url, { max: 2 });
await warmUpDatabase(sql);
const [src] = await sql<
  { id: string }[]
>`INSERT INTO sources (id, tenant_id, slug, name, scheme, handlers) VALUES (${uuidv7()}, ${DEFAULT_TENANT_ID}, 'p', 'p', 'none', ${sql.json([{ name: "log", config: { level: "debug" } }])}) RETURNING id`;
const prefix = `{profw-${Date.now()}}`;
const logger = createLogger("warn", { service: "bench-profile-worker" });
const redis = createProducerRedis("redis://127.0.0.1:6379", logger);
const queue = createEventsQueue(
  redis,
  prefix,
  { maxAttempts: 8, baseDelayMs: 1000, maxDelayMs: 60000 },
  logger,
);
const body = Buffer.from("x".repeat(1000));
for (let done = 0; done < N; done += 5000) {
  const rows = Array.from({ length: 5000 }, () => ({
    id: uuidv7(),
    tenant_id: DEFAULT_TENANT_ID,
    source_id: src?.id,
    headers: {},
    body,
    size: 1000,
    status: "queued",
  }));
  await sql`INSERT INTO events ${sql(rows, "id", "tenant_id", "source_id", "headers", "body", "size", "status")}`;
  await enqueueEvents(
    [queue],
    rows.map((r) => ({ id: r.id, run: 0 })),
  );
}
const started = Date.now();
const worker = spawn(
  process.execPath,
  [
    ...(process.env.PROF === "0" ? [] : ["--cpu-prof", "--cpu-prof-dir=/tmp/profw"]),
    ...(process.env.WORKER_FLAGS ? process.env.WORKER_FLAGS.split(" ") : []),
    new URL("../../packages/worker/src/main.ts", import.meta.url).pathname,
  ],
  {
    env: {
      ...process.env,
      DATABASE_URL: url,
      REDIS_PREFIX: prefix,
      LOG_LEVEL: "warn",
      WORKER_PORT: "0",
      WORKER_CONCURRENCY: process.env.C ?? "64",
      NODE_ENV: "test",
    },
    stdio: "inherit",
  },
);
for (;;) {
  const [r] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM events WHERE status = 'completed'`;
  if ((r?.n ?? 0) >= N) break;
  await new Promise((r) => setTimeout(r, 200));
}
const hwm = readFileSync(`/proc/${worker.pid}/status`, "utf8").match(/VmHWM:\s+(\d+)/)?.[1];
console.log(
  `drained ${N} in ${(Date.now() - started) / 1000} s; worker peak RSS ${Math.round(Number(hwm) / 1024)} MB`,
);
worker.kill("SIGTERM");
await new Promise((r) => worker.once("exit", r));
await queue.obliterate({ force: true }).catch(() => {});
for (let cursor = "0"; ; ) {
  const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
  if (keys.length > 0) await redis.unlink(...keys);
  cursor = next;
  if (cursor === "0") break;
}
await queue.close();
redis.disconnect();
await sql.end();
await admin.unsafe(`DROP DATABASE ${name} WITH (FORCE)`);
await admin.end();
