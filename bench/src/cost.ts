// `node bench/src/cost.ts`: what one webhook costs, in CPU-µs of each process, end to end.
// Hookbox's api (1 process) and worker (1 process) on a fresh database and a private
// redis-server; a paced load (autocannon, BENCH_COST_RATE/s for BENCH_COST_SECONDS, below every
// bound, so nothing queues and the figures are cost, not contention) of signed 1 KB deliveries
// through the `log` handler; then every accepted one must be `completed`. CPU from /proc: the api
// and worker process trees, the redis-server, and the Postgres backends serving this database
// (pg_stat_activity; the shared WAL writer and checkpointer are not counted). The load generator
// is left out. Not part of CI or `pnpm bench`; 127.0.0.1 only; it stops by itself.
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { migrate } from "@hookbox/shared";
import { startFlags } from "@hookbox/shared/testing";
import postgres from "postgres";
import { runLoad, type Service, sampleUsage, startService } from "./procs.ts";
import { freePort, startPrivateRedis } from "./redis-server.ts";

const RATE = Number(process.env.BENCH_COST_RATE ?? 1_000);
const SECONDS = Number(process.env.BENCH_COST_SECONDS ?? 15);
const SECRET = "bench-secret-0123456789";
const ADMIN = "bench-admin-key-0123456789abcdef0123456789";
const root = new URL("../../", import.meta.url).pathname;
const baseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const dbName = `hookbox_cost_${randomBytes(4).toString("hex")}`;
const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
await admin.unsafe(`CREATE DATABASE ${dbName}`);
const dbUrl = Object.assign(new URL(baseUrl), { pathname: `/${dbName}` }).toString();
await migrate(dbUrl);
const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
const redis = await startPrivateRedis();
const services: Service[] = [];
const common = {
  NODE_ENV: "production",
  DATABASE_URL: dbUrl,
  REDIS_URL: redis.url,
  ADMIN_API_KEY: ADMIN,
  ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  LOG_LEVEL: "warn",
  HOST: "127.0.0.1",
  METRICS_PORT: "0",
};
const start = async (pkg: "api" | "worker", extra: Record<string, string>, port: number) => {
  const service = startService(
    pkg,
    [...startFlags(pkg), `${root}packages/${pkg}/src/main.ts`],
    { ...common, ...extra },
    port,
  );
  services.push(service);
  await service.ready;
  return service;
};
try {
  const apiPort = await freePort();
  const api = await start("api", { PORT: String(apiPort), API_PROCESSES: "1" }, apiPort);
  const workerPort = await freePort();
  const worker = await start("worker", { WORKER_PORT: String(workerPort) }, workerPort);
  const created = await fetch(`http://127.0.0.1:${apiPort}/v1/sources`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    body: JSON.stringify({
      slug: "cost",
      scheme: "hmac-sha256",
      secret: SECRET,
      handlers: [{ name: "log", config: { level: "debug" } }],
    }),
  });
  if (created.status !== 201) throw new Error(`create source: ${created.status} ${await created.text()}`);
  const url = `http://127.0.0.1:${apiPort}/in/cost`;
  // Warm-up (JIT, pools, caches), then the measured run.
  await runLoad({ url, connections: 16, durationSeconds: 3, secret: SECRET, overallRate: RATE });
  const [before] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM events`;
  const backends = async () =>
    (
      await sql<
        { pid: number }[]
      >`SELECT pid FROM pg_stat_activity WHERE datname = ${dbName} AND pid <> pg_backend_pid()`
    ).map((r) => r.pid);
  const pgPids = await backends();
  // Backends opened during the run count whole (all their CPU is the run's).
  let pgNow = pgPids;
  const usage = sampleUsage({
    api: () => [api.child.pid ?? 0],
    worker: () => [worker.child.pid ?? 0],
    redis: () => [redis.child.pid ?? 0],
    postgres: () => pgNow,
  });
  const startedAt = performance.now();
  const load = await runLoad({
    url,
    connections: 16,
    durationSeconds: SECONDS,
    secret: SECRET,
    overallRate: RATE,
  });
  for (;;) {
    const [row] = await sql<
      { open: number }[]
    >`SELECT count(*)::int AS open FROM events WHERE status <> 'completed'`;
    if (row?.open === 0) break;
    if (performance.now() - startedAt > (SECONDS + 60) * 1000)
      throw new Error(`${row?.open} events not completed`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const seconds = (performance.now() - startedAt) / 1000;
  pgNow = [...new Set([...pgPids, ...(await backends())])];
  const cpu = usage.stop();
  const [after] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM events`;
  const webhooks = (after?.n ?? 0) - (before?.n ?? 0);
  const perWebhook = Object.fromEntries(
    Object.entries(cpu).map(([role, u]) => [
      role,
      Math.round(((u.cpuPercent / 100) * seconds * 1e6) / webhooks),
    ]),
  );
  const result = {
    at: new Date().toISOString(),
    loadAverage: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number),
    offeredPerSecond: RATE,
    accepted: load.ok2xx,
    webhooks,
    seconds: Math.round(seconds * 100) / 100,
    cpuPercent: Object.fromEntries(Object.entries(cpu).map(([role, u]) => [role, u.cpuPercent])),
    cpuMicrosecondsPerWebhook: perWebhook,
    postgresBackends: pgPids.length,
    postgresBackendsOpenedDuringRun: pgNow.length - pgPids.length,
  };
  console.log(JSON.stringify(result, null, 2));
  writeFileSync(
    `${root}bench/results/cost-${result.at.replace(/[:.]/g, "-")}.json`,
    `${JSON.stringify(result, null, 2)}\n`,
  );
} finally {
  await Promise.all(services.map((s) => s.stop("SIGTERM")));
  await redis.stop();
  await sql.end();
  await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
}
