// pnpm bench:growth — does Hookbox slow down as the inbox grows? (issue 13, item 2; see bench/README.md)
// Two databases side by side, in one run: one empty, one already holding BENCH_GROWTH_ROWS
// (5 000 000) settled events spread over the last 30 days (30 partitions). The same api (two
// processes each) and workers run against each in turn, interleaved: ingest at 256 connections
// (wrk), then a 100 000-event backlog drained by two workers. Reports the ratios stored / empty.
// Everything targets 127.0.0.1, is bounded, and drops its databases and Redis keys at the end.
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import {
  createEventsQueue,
  createLogger,
  createPool,
  createProducerRedis,
  enqueueEvents,
  migrate,
  type Sql,
  uuidv7,
  warmUpDatabase,
} from "@hookbox/shared";
import { seedEvents, startFlags } from "@hookbox/shared/testing";
import postgres from "postgres";
import { benchServiceEnv, type Service, startService } from "./procs.ts";
import { freePort } from "./redis-server.ts";
import { median } from "./report.ts";
import { runWrk, wrkInstalled } from "./wrk.ts";

const env = process.env;
const SMOKE = env.BENCH_SMOKE === "1";
const ROWS = Number(env.BENCH_GROWTH_ROWS ?? (SMOKE ? 20_000 : 5_000_000));
const REPS = Number(env.BENCH_REPS ?? (SMOKE ? 1 : 3));
const SECONDS = Number(env.BENCH_SECONDS ?? (SMOKE ? 2 : 10));
const BACKLOG = Number(env.BENCH_BACKLOG ?? (SMOKE ? 2_000 : 100_000));
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 256);
const WORKERS = 2;
const SECRET = "bench-secret-0123456789";
const ADMIN = "bench-admin-key-0123456789abcdef0123456789";
const root = new URL("../../", import.meta.url).pathname;
const log = (...a: unknown[]) => console.log(`[growth ${new Date().toISOString().slice(11, 19)}]`, ...a);
if (!wrkInstalled()) throw new Error("pnpm bench:growth needs wrk (Debian package wrk)");

const baseUrl = env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const redisUrl = env.REDIS_URL ?? "redis://127.0.0.1:6379";
const tag = `${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
const services: Service[] = [];
const benchLogger = createLogger("warn", { service: "bench" });
const redis = createProducerRedis(redisUrl, benchLogger);

interface Stack {
  label: string;
  dbName: string;
  sql: Sql;
  prefix: string;
  common: Record<string, string>;
  url: string;
  source: { id: string; tenant_id: string };
}

async function createStackFor(label: string): Promise<Stack> {
  const dbName = `hookbox_growth_${label}_${tag}`;
  await admin.unsafe(`CREATE DATABASE ${dbName}`);
  const u = new URL(baseUrl);
  u.pathname = `/${dbName}`;
  const dbUrl = u.toString();
  await migrate(dbUrl, { partitions: { periodHours: 24, ahead: 3 } });
  const sql = createPool(dbUrl, { max: 2, statementTimeoutMs: 0 });
  await warmUpDatabase(sql);
  const prefix = `{growth-${label}-${tag}}`;
  const common = benchServiceEnv({ databaseUrl: dbUrl, redisUrl, prefix, adminKey: ADMIN });

  const port = await freePort();
  const api = startService(
    `api-${label}`,
    [...startFlags("api"), `${root}packages/api/src/main.ts`],
    { ...common, PORT: String(port), METRICS_PORT: "0", API_PROCESSES: "2" },
    port,
  );
  services.push(api);
  await api.ready;
  const url = `http://127.0.0.1:${port}`;
  const created = await fetch(`${url}/v1/sources`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    body: JSON.stringify({
      slug: "bench",
      scheme: "hmac-sha256",
      secret: SECRET,
      handlers: [{ name: "log", config: { level: "debug" } }],
    }),
  });
  if (created.status !== 201) throw new Error(`create source: ${created.status} ${await created.text()}`);
  const [source] = await sql<
    { id: string; tenant_id: string }[]
  >`SELECT id, tenant_id FROM sources WHERE slug = 'bench'`;
  if (!source) throw new Error("no source");
  return { label, dbName, sql, prefix, common, url, source };
}

const body = Buffer.from(JSON.stringify({ type: "bench.backlog", padding: "x".repeat(950) }));

/** ROWS settled events (keyed, 1 KB bodies, one attempt each) over the last 30 days. */
async function preload(stack: Stack): Promise<void> {
  const chunk = 250_000;
  const spanMs = 30 * 86_400_000;
  const now = Date.now();
  for (let done = 0; done < ROWS; done += chunk) {
    const n = Math.min(chunk, ROWS - done);
    await seedEvents(
      stack.sql,
      [
        "id",
        "tenant_id",
        "source_id",
        "idempotency_key",
        "event_type",
        "status",
        "attempt_count",
        "received_at",
        "queued_at",
        "started_at",
        "completed_at",
        "headers",
        "body",
        "content_type",
        "size",
      ],
      (tx) => tx`
        SELECT (lpad(to_hex(ms), 12, '0') || '7' || substr(h, 1, 3) || '8' || substr(h, 4, 15))::uuid,
               ${stack.source.tenant_id}::uuid, ${stack.source.id}::uuid, 'old-' || i, 'bench.old', 'completed'::event_status, 1,
               to_timestamp(ms / 1000.0), to_timestamp(ms / 1000.0), to_timestamp(ms / 1000.0 + 0.01),
               to_timestamp(ms / 1000.0 + 0.02), '{"content-type":"application/json"}'::jsonb, ${body}::bytea,
               'application/json', ${body.length}
        FROM (SELECT i, ${now - spanMs}::bigint + (i::bigint * ${Math.floor(spanMs / ROWS)}) AS ms, md5(i::text) AS h
              FROM generate_series(${done + 1}::int, ${done + n}::int) i) g`,
    );
    // One attempt per event, with the same ids (the expression above, row for row).
    await stack.sql`
      INSERT INTO attempts (tenant_id, event_id, handler, attempt, run, started_at, finished_at, outcome, duration_ms)
      SELECT ${stack.source.tenant_id}::uuid,
             (lpad(to_hex(ms), 12, '0') || '7' || substr(h, 1, 3) || '8' || substr(h, 4, 15))::uuid, 'log', 1, 0,
             to_timestamp(ms / 1000.0 + 0.01), to_timestamp(ms / 1000.0 + 0.02), 'success', 10
      FROM (SELECT i, ${now - spanMs}::bigint + (i::bigint * ${Math.floor(spanMs / ROWS)}) AS ms, md5(i::text) AS h
            FROM generate_series(${done + 1}::int, ${done + n}::int) i) g`;
    log(`${stack.label}: ${done + n} of ${ROWS} rows stored`);
  }
  await stack.sql`VACUUM (ANALYZE) deliveries, event_states, pending_events, settlements, attempts, idempotency_keys`;
}

async function startWorkers(stack: Stack): Promise<Service[]> {
  const started: Service[] = [];
  for (let i = 0; i < WORKERS; i++) {
    const port = await freePort();
    const w = startService(
      `worker-${stack.label}-${i}`,
      [...startFlags("worker"), `${root}packages/worker/src/main.ts`],
      { ...stack.common, WORKER_PORT: String(port), WORKER_CONCURRENCY: "128" },
      port,
    );
    services.push(w);
    started.push(w);
  }
  await Promise.all(started.map((w) => w.ready));
  return started;
}

async function pending(stack: Stack): Promise<number> {
  const [row] = await stack.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM pending_events`;
  return row?.n ?? 0;
}

async function drainAll(stack: Stack): Promise<void> {
  const workers = await startWorkers(stack);
  const deadline = Date.now() + 900_000;
  while ((await pending(stack)) > 0) {
    if (Date.now() > deadline) throw new Error(`${stack.label}: events still pending after 15 min`);
    await new Promise((r) => setTimeout(r, 500));
  }
  await Promise.all(workers.map((w) => w.stop("SIGTERM")));
}

/** A BACKLOG of queued rows and their jobs, then two workers drain it: first claim → last completion. */
async function drainBacklog(stack: Stack, rep: number): Promise<number> {
  const type = `bench.backlog.${rep}`;
  const queue = createEventsQueue(
    redis,
    stack.prefix,
    { maxAttempts: 8, baseDelayMs: 1000, maxDelayMs: 60_000 },
    benchLogger,
  );
  for (let done = 0; done < BACKLOG; ) {
    const n = Math.min(5_000, BACKLOG - done);
    const ids = Array.from({ length: n }, () => uuidv7());
    await seedEvents(
      stack.sql,
      [
        "id",
        "tenant_id",
        "source_id",
        "event_type",
        "headers",
        "body",
        "content_type",
        "size",
        "status",
        "queued_at",
      ],
      (tx) => tx`
        SELECT id, ${stack.source.tenant_id}::uuid, ${stack.source.id}::uuid, ${type}, '{}'::jsonb, ${body}::bytea,
               'application/json', ${body.length}, 'queued'::event_status, now()
        FROM unnest(${tx.array(ids)}::uuid[]) AS t(id)`,
    );
    await enqueueEvents(
      [queue],
      ids.map((id) => ({ id, run: 0 })),
    );
    done += n;
  }
  await queue.close();
  await stack.sql`VACUUM (ANALYZE) deliveries, event_states, pending_events, settlements, attempts`;
  await stack.sql`CHECKPOINT`.catch(() => {});
  await drainAll(stack);
  const [span] = await stack.sql<{ seconds: number }[]>`
    SELECT extract(epoch FROM max(completed_at) - min(started_at))::float8 AS seconds
    FROM events WHERE source_id = ${stack.source.id} AND event_type = ${type}`;
  const perSecond = BACKLOG / (span?.seconds ?? Number.NaN);
  log(`${stack.label}: backlog of ${BACKLOG} drained at ${Math.round(perSecond)}/s`);
  return perSecond;
}

const stacks: Stack[] = [];
try {
  stacks.push(await createStackFor("empty"));
  stacks.push(await createStackFor("stored"));
  const stored = stacks[1] as Stack;
  log(`preloading ${ROWS} settled events into "stored"`);
  const t0 = Date.now();
  await preload(stored);
  const [size] = await stored.sql<{ bytes: string; partitions: number }[]>`
    SELECT pg_size_pretty(pg_database_size(current_database())) AS bytes,
           (SELECT count(*)::int FROM inbox_partitions) AS partitions`;
  log(
    `preloaded in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${size?.bytes}, ${size?.partitions} partition ranges`,
  );

  const ingest: Record<string, number[]> = { empty: [], stored: [] };
  const p99: Record<string, number[]> = { empty: [], stored: [] };
  for (const s of stacks)
    await runWrk({
      url: `${s.url}/in/bench`,
      connections: 64,
      durationSeconds: SMOKE ? 1 : 3,
      secret: SECRET,
      threads: cpus().length,
    });
  for (let rep = 1; rep <= REPS; rep++) {
    for (const s of rep % 2 ? stacks : [...stacks].reverse()) {
      const load = await runWrk({
        url: `${s.url}/in/bench`,
        connections: CONNECTIONS,
        durationSeconds: SECONDS,
        secret: SECRET,
        threads: cpus().length,
      });
      ingest[s.label]?.push(load.acceptedPerSecond);
      p99[s.label]?.push(load.latencyP99);
      log(
        `${s.label} @${CONNECTIONS} rep ${rep}: ${Math.round(load.acceptedPerSecond)}/s p99 ${load.latencyP99} ms non2xx ${load.non2xx}`,
      );
    }
  }
  log("draining what ingest accepted");
  for (const s of stacks) await drainAll(s);
  const drain: Record<string, number[]> = { empty: [], stored: [] };
  for (let rep = 1; rep <= REPS; rep++) {
    for (const s of rep % 2 ? stacks : [...stacks].reverse())
      drain[s.label]?.push(await drainBacklog(s, rep));
  }
  const ratio = (m: Record<string, number[]>) => +(median(m.stored ?? []) / median(m.empty ?? [])).toFixed(3);
  const perRep = (m: Record<string, number[]>) =>
    (m.empty ?? []).map((e, i) => +((m.stored?.[i] ?? 0) / e).toFixed(3)).join(", ");
  const md = [
    `# pnpm bench:growth — ${new Date().toISOString()}${SMOKE ? " (SMOKE: figures not meaningful)" : ""}`,
    "",
    `Two databases in one run, interleaved: **empty**, and **stored** holding ${ROWS.toLocaleString("en")} settled events (1 KB bodies, keyed, one attempt each) over the last 30 days — ${size?.bytes}, ${size?.partitions} partition ranges. Each: api with 2 processes, ingest by wrk at ${CONNECTIONS} connections for ${SECONDS} s, then a ${BACKLOG.toLocaleString("en")}-event backlog drained by ${WORKERS} workers × 128 (first claim → last completion); ${REPS} repetitions, medians. ${cpus().length} cores, Node ${process.version}.`,
    "",
    "| | empty | stored | stored / empty (per repetition) | target |",
    "|---|---|---|---|---|",
    `| ingest req/s @${CONNECTIONS} | ${Math.round(median(ingest.empty ?? []))} | ${Math.round(median(ingest.stored ?? []))} | **${ratio(ingest)}** (${perRep(ingest)}) | ≥ 0.9: ${ratio(ingest) >= 0.9 ? "met" : "**not met**"} |`,
    `| ingest p99 ms | ${median(p99.empty ?? [])} | ${median(p99.stored ?? [])} | ${ratio(p99)} | |`,
    `| backlog drain events/s | ${Math.round(median(drain.empty ?? []))} | ${Math.round(median(drain.stored ?? []))} | **${ratio(drain)}** (${perRep(drain)}) | ≥ 0.9: ${ratio(drain) >= 0.9 ? "met" : "**not met**"} |`,
    "",
  ].join("\n");
  console.log(md);
  mkdirSync(`${root}bench/results`, { recursive: true });
  const custom = Object.keys(env).some((k) => k.startsWith("BENCH_") && k !== "BENCH_SMOKE");
  const name = `${SMOKE ? "smoke-" : custom ? "custom-" : ""}growth-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  writeFileSync(`${root}bench/results/${name}.md`, md);
  writeFileSync(
    `${root}bench/results/${name}.json`,
    JSON.stringify({ ROWS, REPS, SECONDS, BACKLOG, CONNECTIONS, ingest, p99, drain, size }, null, 2),
  );
} finally {
  await Promise.all(services.map((s) => s.stop("SIGKILL")));
  for (const s of stacks) {
    await s.sql.end({ timeout: 5 });
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${s.prefix}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  }
  for (const s of stacks) await admin.unsafe(`DROP DATABASE IF EXISTS ${s.dbName} WITH (FORCE)`);
  await admin.end();
  redis.disconnect();
}
