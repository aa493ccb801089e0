// pnpm bench — see bench/README.md. Everything targets 127.0.0.1, is bounded in time, and stops
// by itself. BENCH_SMOKE=1 runs the same steps with tiny durations and counts (CI).
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import {
  createEventsQueue,
  createLogger,
  createPool,
  createProducerRedis,
  createWorkerRedis,
  EVENTS_QUEUE,
  enqueueEvents,
  migrate,
  uuidv7,
  warmUpDatabase,
} from "@hookbox/shared";
import { seedEvents, startFlags as startFlagsOf } from "@hookbox/shared/testing";
import { Queue } from "bullmq";
import postgres from "postgres";
import { benchServiceEnv, runLoad, type Service, sampleUsage, startService } from "./procs.ts";
import { freePort } from "./redis-server.ts";
import { type IngestRun, median, ratioRows, targetRows, targetTable } from "./report.ts";
import { runWrk, wrkInstalled } from "./wrk.ts";

const env = process.env;
const SMOKE = env.BENCH_SMOKE === "1";
/** Redis and queue errors of the bench's own clients (the services log their own). */
const benchLogger = createLogger("warn", { service: "bench" });
const SECONDS = Number(env.BENCH_SECONDS ?? (SMOKE ? 2 : 10));
const REPS = Number(env.BENCH_REPS ?? (SMOKE ? 1 : 3));
const CONNECTIONS = (env.BENCH_CONNECTIONS ?? "64,256").split(",").map(Number);
const API_PROCESSES = Number(env.BENCH_API_PROCESSES ?? 2);
const WORKERS = Number(env.BENCH_WORKERS ?? 2);
const WORKER_CONCURRENCY = env.BENCH_WORKER_CONCURRENCY ?? "128";
const BACKLOG = Number(env.BENCH_BACKLOG ?? (SMOKE ? 2_000 : 100_000));
const STEADY_RATE = Number(env.BENCH_STEADY_RATE ?? (SMOKE ? 200 : 2_000));
const STEADY_SECONDS = Number(env.BENCH_STEADY_SECONDS ?? (SMOKE ? 3 : 10));
/**
 * Load generator of the max-throughput runs: wrk when installed (it costs the shared machine about
 * half autocannon's CPU per request), else autocannon; BENCH_GENERATOR=wrk|autocannon forces one.
 * The paced steady run always uses autocannon (wrk cannot pace a fixed rate).
 */
const GENERATOR = (env.BENCH_GENERATOR ?? (wrkInstalled() ? "wrk" : "autocannon")) as "wrk" | "autocannon";
if (GENERATOR !== "wrk" && GENERATOR !== "autocannon")
  throw new Error(`BENCH_GENERATOR=${GENERATOR}: wrk or autocannon`);
const SECRET = "bench-secret-0123456789";
const ADMIN = "bench-admin-key-0123456789abcdef0123456789";
const root = new URL("../../", import.meta.url).pathname;
/** BENCH_PROFILE=1: every api and worker process writes a CPU profile (node --cpu-prof) on exit. */
const PROFILE_DIR =
  env.BENCH_PROFILE === "1"
    ? `${root}bench/results/profiles-${new Date().toISOString().replace(/[:.]/g, "-")}`
    : null;
/** The `start` script's node flags (the bench runs the processes as `pnpm start` does), plus profiling. */
const startFlags = (pkg: "api" | "worker"): string[] => [
  ...startFlagsOf(pkg),
  ...(PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}/${pkg}`] : []),
];
const log = (...a: unknown[]) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

// 1. A fresh database and Redis prefix of its own.
const baseUrl = env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const redisUrl = env.REDIS_URL ?? "redis://127.0.0.1:6379";
const tag = `${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
const dbName = `hookbox_bench_${tag}`;
const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
await admin.unsafe(`CREATE DATABASE ${dbName}`);
const dbUrlObj = new URL(baseUrl);
dbUrlObj.pathname = `/${dbName}`;
const dbUrl = dbUrlObj.toString();
await migrate(dbUrl);
const sql = createPool(dbUrl, { max: 4, statementTimeoutMs: 0 });
await warmUpDatabase(sql);
/**
 * The references' inbox tables keep the layout Hookbox had before migration 0009 (one wide
 * `events` row with its eight indexes), the one issue 13 measured its references with.
 */
const legacyInbox = async (table: string) => {
  await sql.unsafe(`
    CREATE TABLE ${table} (
      id uuid PRIMARY KEY, tenant_id uuid NOT NULL, source_id uuid NOT NULL, idempotency_key text, event_type text,
      status event_status NOT NULL DEFAULT 'received', attempt_count int NOT NULL DEFAULT 0, run int NOT NULL DEFAULT 0,
      run_handlers text[], received_at timestamptz NOT NULL DEFAULT now(), queued_at timestamptz,
      started_at timestamptz, completed_at timestamptz, next_attempt_at timestamptz, last_error text,
      headers jsonb NOT NULL, body bytea NOT NULL, content_type text, size int NOT NULL)`);
  for (const index of [
    "UNIQUE INDEX ON %t (source_id, idempotency_key)",
    "INDEX ON %t (tenant_id, id DESC)",
    "INDEX ON %t (source_id, id DESC)",
    "INDEX ON %t (tenant_id, status, id DESC)",
    "INDEX ON %t (tenant_id, event_type, id DESC)",
    "INDEX ON %t (tenant_id, completed_at, id) WHERE status IN ('completed', 'dead')",
    "INDEX ON %t (status, received_at) WHERE status NOT IN ('completed', 'dead')",
  ])
    await sql.unsafe(`CREATE ${index.replace("%t", table)}`);
};
await legacyInbox("bench_naive_events");
// The batched reference's inbox: narrow, one unique index (the idempotency check), nothing else.
await sql`
  CREATE TABLE bench_ref_events (id uuid NOT NULL, source_id uuid NOT NULL, idempotency_key text,
    body bytea NOT NULL, content_type text, received_at timestamptz NOT NULL DEFAULT now())`;
await sql`CREATE UNIQUE INDEX bench_ref_events_key ON bench_ref_events (source_id, idempotency_key)`;
// The reference worker's copy of the inbox: the events table with all its indexes.
await legacyInbox("bench_ref_work");
const prefix = `{bench-${tag}}`;
/** Redis prefixes of the references: naive's and the batched server's queues, the reference worker's. */
const naivePrefix = `{bench-naive-${tag}}`;
const refPrefix = `{bench-ref-${tag}}`;
const refWorkerPrefix = `{bench-refw-${tag}}`;
const common = {
  ...benchServiceEnv({ databaseUrl: dbUrl, redisUrl, prefix, adminKey: ADMIN }),
  // The no-op code handler the code-handler drain runs (api and workers load it).
  HANDLERS_DIR: `${root}bench/handlers`,
};
const services: Service[] = [];
const start = async (name: string, args: string[], extra: Record<string, string>, healthPort?: number) => {
  const s = startService(name, args, { ...common, ...extra }, healthPort);
  services.push(s);
  return { service: s, port: await s.ready };
};
const stopAll = async () => {
  // A profiled process writes its profile only when it exits on its own (SIGTERM).
  await Promise.all(services.map((s) => s.stop(PROFILE_DIR ? "SIGTERM" : "SIGKILL")));
};

try {
  // 2. Hookbox (api processes; workers start after the ingest runs) and the two references.
  const apiPort = await freePort();
  const hook = await start(
    "api",
    [...startFlags("api"), `${root}packages/api/src/main.ts`],
    { PORT: String(apiPort), METRICS_PORT: "0", API_PROCESSES: String(API_PROCESSES) },
    apiPort,
  );
  const hookUrl = `http://127.0.0.1:${hook.port}`;
  const created = await fetch(`${hookUrl}/v1/sources`, {
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
  await fetch(`${hookUrl}/v1/sources`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    body: JSON.stringify({
      slug: "steady",
      scheme: "hmac-sha256",
      secret: SECRET,
      handlers: [{ name: "log", config: { level: "debug" } }],
    }),
  });
  const noop = await fetch(`${hookUrl}/v1/sources`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    body: JSON.stringify({
      slug: "noop",
      scheme: "hmac-sha256",
      secret: SECRET,
      handlers: [{ name: "bench-noop" }],
    }),
  });
  if (noop.status !== 201) throw new Error(`create noop source: ${noop.status} ${await noop.text()}`);
  // The references run with the api's node flags too: like for like.
  /** A reference server as API_PROCESSES processes (ref-cluster.ts) on a port of its own. */
  const startReference = async (name: string, script: string, extra: Record<string, string> = {}) =>
    start(name, [...startFlagsOf("api"), `${root}bench/src/ref-cluster.ts`, `${root}bench/src/${script}`], {
      PORT: String(await freePort()),
      PROCESSES: String(API_PROCESSES),
      ...extra,
    });
  const signed = { SOURCE_SLUG: "bench", SOURCE_SECRET: SECRET };
  const bare = await startReference("bare", "bare-server.ts");
  const naive = await startReference("naive", "naive-server.ts", { ...signed, REDIS_PREFIX: naivePrefix });
  const batched = await startReference("batched", "batched-server.ts", {
    ...signed,
    REDIS_PREFIX: refPrefix,
  });
  const servers = { hookbox: hook, batched, naive, bare };
  const targets = Object.fromEntries(
    Object.entries(servers).map(([name, s]) => [name, `http://127.0.0.1:${s.port}/in/bench`]),
  );
  const apiPids = () => [hook.service.child.pid as number];
  /** The max-throughput load: wrk or autocannon (GENERATOR), same body size and unique keys. */
  const maxLoad = (url: string, connections: number, durationSeconds: number) =>
    GENERATOR === "wrk"
      ? runWrk({ url, connections, durationSeconds, secret: SECRET, threads: cpus().length })
      : runLoad({ url, connections, durationSeconds, secret: SECRET });

  // 3. Ingest: warm-up, then each target at each connection count, REPS times.
  log(
    `ingest: ${REPS} × ${CONNECTIONS.join("/")} connections × ${SECONDS} s; ${API_PROCESSES} api processes; ${cpus().length} cores; load generator ${GENERATOR}`,
  );
  for (const url of Object.values(targets)) await maxLoad(url, 64, SMOKE ? 1 : 3);
  const runs: IngestRun[] = [];
  for (let rep = 1; rep <= REPS; rep++) {
    for (const connections of CONNECTIONS) {
      for (const [target, url] of Object.entries(targets)) {
        const server = servers[target as keyof typeof servers];
        const sampler = sampleUsage({ api: () => [server.service.child.pid as number] });
        const load = await maxLoad(url, connections, SECONDS);
        runs.push({ target, connections, rep, load, usage: sampler.stop() });
        log(
          `${target} @${connections} rep ${rep} (${load.generator}): ${Math.round(load.acceptedPerSecond)}/s p50 ${load.latencyP50} ms p99 ${load.latencyP99} ms non2xx ${load.non2xx} errors ${load.errors}`,
        );
      }
    }
  }
  // The ingest references are done: stop them, so their idle pools do not hold Postgres
  // connections through the drains (the machine's max_connections is shared).
  await Promise.all([bare, naive, batched].map((r) => r.service.stop("SIGTERM")));
  const hookAccepted = runs.filter((r) => r.target === "hookbox").reduce((n, r) => n + r.load.ok2xx, 0);
  const warmupRows = (await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM events`)[0]?.n ?? 0;

  // 4. Workers drain what ingest accepted (correctness: one row per accepted delivery, all completed).
  const workers: { service: Service; port: number }[] = [];
  const startWorkers = async () => {
    for (let i = 0; i < WORKERS; i++) {
      const port = await freePort();
      workers.push(
        await start(
          `worker${i}`,
          [...startFlags("worker"), `${root}packages/worker/src/main.ts`],
          {
            WORKER_PORT: String(port),
            WORKER_CONCURRENCY,
            // An experiment knob: the tenant share of worker slots (default: the worker's own).
            ...(env.BENCH_TENANT_SHARE ? { WORKER_TENANT_SHARE: env.BENCH_TENANT_SHARE } : {}),
          },
          port,
        ),
      );
    }
  };
  const stopWorkers = async () => {
    await Promise.all(workers.splice(0).map((w) => w.service.stop("SIGTERM")));
  };
  const workerPids = () => workers.map((w) => w.service.child.pid as number);
  const waitCompleted = async (
    where: postgres.PendingQuery<postgres.Row[]>,
    expected: number,
    timeoutMs: number,
    table = "events",
  ) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [row] = await sql<{ done: number; total: number }[]>`
        SELECT count(*) FILTER (WHERE status = 'completed')::int AS done, count(*)::int AS total FROM ${sql(table)} e WHERE ${where}`;
      if ((row?.done ?? 0) >= expected) return row;
      if (Date.now() > deadline)
        throw new Error(`timed out: ${JSON.stringify(row)} of ${expected} completed`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const benchSource = (await sql<{ id: string }[]>`SELECT id FROM sources WHERE slug = 'bench'`)[0]
    ?.id as string;
  await startWorkers();
  log(`draining the ingest backlog (${warmupRows} rows)`);
  const drained = await waitCompleted(sql`e.source_id = ${benchSource}`, warmupRows, 600_000);
  const perKey =
    (
      await sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM (SELECT idempotency_key FROM events GROUP BY 1 HAVING count(*) > 1) d`
    )[0]?.n ?? -1;
  // Accepted deliveries of the measured runs ⊆ rows (warm-up runs added rows too).
  const correctness = {
    accepted: hookAccepted,
    rows: drained?.total ?? 0,
    completed: drained?.done ?? 0,
    keysWithTwoRows: perKey,
  };
  if (correctness.rows < hookAccepted || correctness.completed !== correctness.rows || perKey !== 0) {
    throw new Error(`CORRECTNESS FAILED: ${JSON.stringify(correctness)}`);
  }
  log("correctness", correctness);

  // 5. Processing: a BACKLOG-event backlog seeded directly (rows + jobs), then timed to drain —
  // through `log`, through a no-op code handler, and through `log` again (the mean of the two
  // `log` drains is the reference: the inbox grows between drains, which favours the earlier ones).
  await stopWorkers();
  const sourceRow = async (slug: string) => {
    const [row] = await sql<
      { id: string; tenant_id: string }[]
    >`SELECT id, tenant_id FROM sources WHERE slug = ${slug}`;
    if (!row) throw new Error(`no ${slug} source`);
    return row;
  };
  const seedSource = await sourceRow("steady");
  const noopSource = await sourceRow("noop");
  const redis = createProducerRedis(redisUrl, benchLogger);
  const queue = createEventsQueue(
    redis,
    prefix,
    { maxAttempts: 8, baseDelayMs: 1000, maxDelayMs: 60_000 },
    benchLogger,
  );
  // The references did what they acknowledged: a row and a job for every 2xx (else their
  // figures would flatter them).
  for (const [target, table, refQueuePrefix] of [
    ["naive", "bench_naive_events", naivePrefix],
    ["batched", "bench_ref_events", refPrefix],
  ] as const) {
    const accepted = runs.filter((r) => r.target === target).reduce((n, r) => n + r.load.ok2xx, 0);
    const [stored] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM ${sql(table)}`;
    const jobs = new Queue(EVENTS_QUEUE, { connection: redis, prefix: refQueuePrefix });
    const waiting = await jobs.getWaitingCount();
    await jobs.close();
    if ((stored?.n ?? 0) < accepted || waiting < accepted)
      throw new Error(`${target} reference: ${accepted} accepted but ${stored?.n} rows, ${waiting} jobs`);
  }
  const body = Buffer.from(JSON.stringify({ type: "bench.backlog", padding: "x".repeat(950) }));
  /** BACKLOG rows (`queued`) in `table` and their jobs on `into`, as ingest would leave them. */
  const seedBacklog = async (
    label: string,
    table: string,
    into: typeof queue,
    source: { id: string; tenant_id: string },
    type: string,
  ) => {
    log(`seeding a ${BACKLOG}-event backlog (${label})`);
    for (let done = 0; done < BACKLOG; ) {
      const n = Math.min(5_000, BACKLOG - done);
      const rows = Array.from({ length: n }, () => ({
        id: uuidv7(),
        tenant_id: source.tenant_id,
        source_id: source.id,
        event_type: type,
        headers: {},
        body,
        content_type: "application/json",
        size: body.length,
        status: "queued",
      }));
      if (table === "events")
        await seedEvents(
          sql,
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
            SELECT id, ${source.tenant_id}::uuid, ${source.id}::uuid, ${type}, '{}'::jsonb, ${body}::bytea,
                   'application/json', ${body.length}, 'queued'::event_status, now()
            FROM unnest(${tx.array(rows.map((r) => r.id))}::uuid[]) AS t(id)`,
        );
      else
        await sql`INSERT INTO ${sql(table)} ${sql(rows, "id", "tenant_id", "source_id", "event_type", "headers", "body", "content_type", "size", "status")}`;
      await enqueueEvents(
        [into],
        rows.map((r) => ({ id: r.id, run: 0 })),
      );
      done += n;
    }
    // The previous steps left a few hundred thousand updated rows behind: vacuum them now rather
    // than let autovacuum and a checkpoint of that garbage run inside the timed drain.
    await sql`VACUUM (ANALYZE) deliveries, event_states, pending_events, settlements, attempts`;
    if (table !== "events") await sql`VACUUM (ANALYZE) ${sql(table)}`;
    await sql`CHECKPOINT`.catch(() => {}); // needs superuser; without it, the drain shares the I/O
  };
  const drainBacklog = async (label: string, source: { id: string; tenant_id: string }, type: string) => {
    await seedBacklog(label, "events", queue, source, type);
    const sampler = sampleUsage({ worker: workerPids });
    const started = Date.now();
    await startWorkers();
    await waitCompleted(sql`e.source_id = ${source.id} AND e.event_type = ${type}`, BACKLOG, 900_000);
    const wallSeconds = (Date.now() - started) / 1000;
    const usage = sampler.stop();
    await stopWorkers();
    // Wall time above includes starting the worker processes; the rows say how fast they processed.
    const [span] = await sql<{ seconds: number }[]>`
      SELECT extract(epoch FROM max(completed_at) - min(started_at))::float8 AS seconds
      FROM events e WHERE e.source_id = ${source.id} AND e.event_type = ${type}`;
    const seconds = span?.seconds ?? wallSeconds;
    log(
      `${label}: backlog of ${BACKLOG} drained in ${wallSeconds.toFixed(1)} s wall (${Math.round(BACKLOG / wallSeconds)}/s), first start → last completion ${seconds.toFixed(1)} s = ${Math.round(BACKLOG / seconds)}/s`,
    );
    return { label, events: BACKLOG, seconds, wallSeconds, perSecond: BACKLOG / seconds, usage };
  };
  // The reference worker (ref-worker.ts: one UPDATE + one PUBLISH per job) drains the same
  // backlog from its own copy of the inbox and its own queue, with as many processes as Hookbox's.
  const refQueue = createEventsQueue(
    redis,
    refWorkerPrefix,
    { maxAttempts: 8, baseDelayMs: 1000, maxDelayMs: 60_000 },
    benchLogger,
  );
  const drainReference = async (source: { id: string; tenant_id: string }, type: string) => {
    await seedBacklog("reference worker", "bench_ref_work", refQueue, source, type);
    const refWorkers: { service: Service; port: number }[] = [];
    const sampler = sampleUsage({ worker: () => refWorkers.map((w) => w.service.child.pid as number) });
    const started = Date.now();
    for (let i = 0; i < WORKERS; i++) {
      refWorkers.push(
        await start(`ref-worker${i}`, [...startFlagsOf("worker"), `${root}bench/src/ref-worker.ts`], {
          REDIS_PREFIX: refWorkerPrefix,
          WORKER_CONCURRENCY,
          REF_TABLE: "bench_ref_work",
          SOURCE_SLUG: "steady",
        }),
      );
    }
    await waitCompleted(sql`true`, BACKLOG, 900_000, "bench_ref_work");
    const wallSeconds = (Date.now() - started) / 1000;
    const usage = sampler.stop();
    await Promise.all(refWorkers.map((w) => w.service.stop("SIGTERM")));
    // It records no claim time: first → last completion (the first completes within milliseconds
    // of the first claim, so this matches Hookbox's first claim → last completion).
    const [span] = await sql<{ seconds: number }[]>`
      SELECT extract(epoch FROM max(completed_at) - min(completed_at))::float8 AS seconds FROM bench_ref_work`;
    const seconds = span?.seconds || wallSeconds;
    log(
      `reference worker: backlog of ${BACKLOG} drained in ${wallSeconds.toFixed(1)} s wall (${Math.round(BACKLOG / wallSeconds)}/s), first → last completion ${seconds.toFixed(1)} s = ${Math.round(BACKLOG / seconds)}/s`,
    );
    await refQueue.close();
    return {
      label: "reference worker",
      events: BACKLOG,
      seconds,
      wallSeconds,
      perSecond: BACKLOG / seconds,
      usage,
    };
  };
  const drainLog1 = await drainBacklog("log", seedSource, "bench.backlog");
  const drainRef = await drainReference(seedSource, "bench.backlog");
  const drainCode = await drainBacklog("no-op code handler", noopSource, "bench.backlog.code");
  const drainLog2 = await drainBacklog("log (again)", seedSource, "bench.backlog.again");
  const logPerSecond = (drainLog1.perSecond + drainLog2.perSecond) / 2;
  const codeOverLog = +(drainCode.perSecond / logPerSecond).toFixed(3);
  log(`code handler drain / log drain = ${codeOverLog}`);
  const logOverRef = +(logPerSecond / drainRef.perSecond).toFixed(3);
  log(`Hookbox log drain / reference worker drain = ${logOverRef}`);
  const { seconds: processSeconds, wallSeconds: drainSeconds, usage: drainUsage } = drainLog1;
  await startWorkers();

  // 6. Steady: a fixed offered rate through the api; ingest→completed from the rows. The drain
  // left its updated rows behind: vacuum them first, as before the drain.
  await sql`VACUUM (ANALYZE) deliveries, event_states, pending_events, settlements, attempts`;
  const steadySampler = sampleUsage({ api: apiPids, worker: workerPids });
  let maxWaiting = 0;
  const waitingProbe = setInterval(async () => {
    maxWaiting = Math.max(maxWaiting, await queue.getWaitingCount().catch(() => 0));
  }, 250);
  const steadyStart = new Date();
  const steady = await runLoad({
    url: `${hookUrl}/in/steady`,
    // autocannon paces each connection at rate / connections, so connections fire in bursts:
    // 64 keeps the bursts small (256 made them 4× larger and latency worse), at the price of
    // falling a little short of the offered rate when answers slow down.
    connections: 64,
    durationSeconds: STEADY_SECONDS,
    secret: SECRET,
    overallRate: STEADY_RATE,
  });
  clearInterval(waitingProbe);
  const steadyWhere = sql`e.source_id = ${seedSource.id} AND e.event_type = 'bench.event' AND e.received_at >= ${steadyStart}`;
  await waitCompleted(steadyWhere, steady.ok2xx, 120_000);
  const steadyUsage = steadySampler.stop();
  // Where the time goes: received → claimed by a worker (api, queue, pick-up) → completed.
  const [lat] = await sql<
    { p50: number; p99: number; pickupP50: number; pickupP99: number; runP50: number }[]
  >`
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - received_at) * 1000) AS p50,
           percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - received_at) * 1000) AS p99,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - received_at) * 1000) AS "pickupP50",
           percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - received_at) * 1000) AS "pickupP99",
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - started_at) * 1000) AS "runP50"
    FROM events e WHERE ${steadyWhere}`;
  log(
    `steady ${STEADY_RATE}/s: accepted ${Math.round(steady.acceptedPerSecond)}/s (http p50 ${steady.latencyP50} ms p99 ${steady.latencyP99} ms), ingest→completed p50 ${lat?.p50?.toFixed(1)} ms p99 ${lat?.p99?.toFixed(1)} ms (received→claimed p50 ${lat?.pickupP50?.toFixed(1)} p99 ${lat?.pickupP99?.toFixed(1)}, claimed→completed p50 ${lat?.runP50?.toFixed(1)}), max waiting ${maxWaiting}`,
  );
  await queue.close();
  redis.disconnect();

  // 7. Report.
  const rows: string[] = [];
  const summary: Record<string, unknown>[] = [];
  for (const connections of CONNECTIONS) {
    for (const target of Object.keys(targets)) {
      const rs = runs.filter((r) => r.target === target && r.connections === connections);
      const rps = rs.map((r) => r.load.acceptedPerSecond);
      const entry = {
        target,
        connections,
        generator: [...new Set(rs.map((r) => r.load.generator))].join("+"),
        acceptedPerSecondMedian: Math.round(median(rps)),
        acceptedPerSecondMin: Math.round(Math.min(...rps)),
        acceptedPerSecondMax: Math.round(Math.max(...rps)),
        p50Ms: median(rs.map((r) => r.load.latencyP50)),
        p99Ms: median(rs.map((r) => r.load.latencyP99)),
        non2xx: rs.reduce((n, r) => n + r.load.non2xx + r.load.errors + r.load.timeouts, 0),
        apiCpuPercent: median(rs.map((r) => r.usage.api?.cpuPercent ?? 0)),
        apiPeakRssMb: Math.max(...rs.map((r) => r.usage.api?.peakRssMb ?? 0)),
      };
      summary.push(entry);
      rows.push(
        `| ${target} | ${connections} | ${entry.generator} | ${entry.acceptedPerSecondMedian} (${entry.acceptedPerSecondMin}–${entry.acceptedPerSecondMax}) | ${entry.p50Ms} | ${entry.p99Ms} | ${entry.non2xx} | ${entry.apiCpuPercent} % | ${entry.apiPeakRssMb} MB |`,
      );
    }
  }
  const ratios = ratioRows(runs, CONNECTIONS, REPS);
  const medians = CONNECTIONS.map((connections) => {
    const rs = ratios.filter((r) => r.connections === connections);
    const of = (pick: (r: (typeof rs)[number]) => number) => median(rs.map(pick));
    return {
      connections,
      hookboxOverBare: of((r) => r.hookboxOverBare),
      hookboxOverNaive: of((r) => r.hookboxOverNaive),
      hookboxOverBatched: of((r) => r.hookboxOverBatched),
      p99OverBatched: of((r) => r.p99OverBatched),
    };
  });
  const hookboxIngest = runs.filter((r) => r.target === "hookbox");
  const figures = {
    ratios,
    drainPerSecond: logPerSecond,
    drainOverReference: logOverRef,
    steadyP50Ms: lat?.p50 ?? Number.NaN,
    steadyP99Ms: lat?.p99 ?? Number.NaN,
    apiPeakRssMb: Math.max(
      steadyUsage.api?.peakRssMb ?? 0,
      ...hookboxIngest.map((r) => r.usage.api?.peakRssMb ?? 0),
    ),
    workerPeakRssMb: Math.max(
      steadyUsage.worker?.peakRssMb ?? 0,
      ...[drainLog1, drainCode, drainLog2].map((d) => d.usage.worker?.peakRssMb ?? 0),
    ),
  };
  const goals = [
    ...targetRows(figures),
    {
      target: "nothing lost: every accepted delivery one row, ends completed",
      figure: `${correctness.accepted} accepted, all completed, no key twice`,
      met: true, // the bench fails before this point otherwise
    },
  ];
  const machine = {
    cores: cpus().length,
    cpu: cpus()[0]?.model,
    node: process.version,
    date: new Date().toISOString(),
  };
  const md = [
    `## Hookbox bench — ${machine.date.slice(0, 10)}`,
    "",
    `Machine: ${machine.cores} cores (${machine.cpu}), Node ${machine.node}; load generator on the same machine: ${GENERATOR} for the max-throughput runs, autocannon for the paced steady run; ${API_PROCESSES} api processes (each reference as many), ${WORKERS} worker process(es) × concurrency ${WORKER_CONCURRENCY} (the reference worker as many); ${SECONDS} s per run, ${REPS} repetitions interleaved, signed 1 KB JSON, unique keys.${SMOKE ? " **SMOKE RUN (tiny durations): figures are not meaningful.**" : ""}`,
    "",
    "| target | connections | generator | accepted/s median (min–max) | p50 ms | p99 ms | non-2xx + errors | api CPU | api peak RSS |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    "| connections | rep | Hookbox / batched | Hookbox / naive | Hookbox / bare | p99 Hookbox / batched |",
    "|---|---|---|---|---|---|",
    ...ratios.map(
      (r) =>
        `| ${r.connections} | ${r.rep} | ${r.hookboxOverBatched} | ${r.hookboxOverNaive} | ${r.hookboxOverBare} | ${r.p99OverBatched} |`,
    ),
    ...medians.map(
      (m) =>
        `| ${m.connections} | **median** | **${m.hookboxOverBatched}** | **${m.hookboxOverNaive}** | **${m.hookboxOverBare}** | **${m.p99OverBatched}** |`,
    ),
    "",
    "| processing | figure |",
    "|---|---|",
    `| backlog of ${BACKLOG} events drained | first start → last completion ${processSeconds.toFixed(1)} s = **${Math.round(BACKLOG / processSeconds)} events/s**; wall time with worker start-up ${drainSeconds.toFixed(1)} s = ${Math.round(BACKLOG / drainSeconds)}/s (worker CPU ${drainUsage.worker?.cpuPercent} %, peak RSS ${drainUsage.worker?.peakRssMb} MB) |`,
    `| backlog of ${BACKLOG} events through a no-op code handler | ${Math.round(drainCode.perSecond)} events/s; through \`log\` ${Math.round(drainLog1.perSecond)} and ${Math.round(drainLog2.perSecond)} events/s: **code / log = ${codeOverLog}** |`,
    `| backlog of ${BACKLOG} events through the reference worker (one UPDATE + one PUBLISH per job) | first → last completion ${drainRef.seconds.toFixed(1)} s = ${Math.round(drainRef.perSecond)} events/s; wall ${drainRef.wallSeconds.toFixed(1)} s (CPU ${drainRef.usage.worker?.cpuPercent} %, peak RSS ${drainRef.usage.worker?.peakRssMb} MB): **Hookbox \`log\` (mean of two) / reference = ${logOverRef}** |`,
    `| steady ${STEADY_RATE}/s offered for ${STEADY_SECONDS} s (autocannon) | accepted ${Math.round(steady.acceptedPerSecond)}/s; ingest→completed p50 **${lat?.p50?.toFixed(1)} ms**, p99 **${lat?.p99?.toFixed(1)} ms** (received→claimed p50 ${lat?.pickupP50?.toFixed(1)} / p99 ${lat?.pickupP99?.toFixed(1)} ms, claimed→completed p50 ${lat?.runP50?.toFixed(1)} ms); max waiting jobs ${maxWaiting} |`,
    `| steady CPU / peak RSS | api ${steadyUsage.api?.cpuPercent} % / ${steadyUsage.api?.peakRssMb} MB · worker ${steadyUsage.worker?.cpuPercent} % / ${steadyUsage.worker?.peakRssMb} MB |`,
    `| correctness | ${correctness.accepted} deliveries accepted in the measured runs; ${correctness.rows} rows (incl. warm-up), all completed; 0 keys with two rows |`,
    "",
    ...targetTable(goals),
    "",
  ].join("\n");
  mkdirSync(`${root}bench/results`, { recursive: true });
  const stamp = machine.date.replace(/[:.]/g, "-");
  // Runs with other knobs than the defaults are experiments: kept apart (and out of git).
  const custom = Object.keys(env).some((k) => k.startsWith("BENCH_") && k !== "BENCH_SMOKE");
  const name = `${SMOKE ? "smoke-" : custom ? "custom-" : ""}${stamp}`;
  writeFileSync(`${root}bench/results/${name}.md`, md);
  writeFileSync(
    `${root}bench/results/${name}.json`,
    JSON.stringify(
      {
        machine,
        settings: {
          SECONDS,
          REPS,
          CONNECTIONS,
          API_PROCESSES,
          WORKERS,
          WORKER_CONCURRENCY,
          BACKLOG,
          STEADY_RATE,
          STEADY_SECONDS,
          SMOKE,
          GENERATOR,
        },
        summary,
        ratios,
        medians,
        targets: goals,
        runs,
        drain: { events: BACKLOG, seconds: processSeconds, wallSeconds: drainSeconds, usage: drainUsage },
        drains: {
          log: [drainLog1, drainLog2],
          code: drainCode,
          codeOverLog,
          reference: drainRef,
          logOverRef,
        },
        steady: { load: steady, latency: lat, maxWaiting, usage: steadyUsage },
        correctness,
      },
      null,
      2,
    ),
  );
  console.log(`\n${md}`);
  log(`written bench/results/${name}.md and .json`);
} finally {
  await stopAll();
  // Leave nothing behind: the database and every Redis prefix.
  const cleaner = createWorkerRedis(redisUrl, benchLogger); // queues commands until connected
  for (const pattern of [`${prefix}*`, `${naivePrefix}*`, `${refPrefix}*`, `${refWorkerPrefix}*`]) {
    let cursor = "0";
    do {
      const [next, keys] = await cleaner.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await cleaner.unlink(...keys);
    } while (cursor !== "0");
  }
  cleaner.disconnect();
  await sql.end();
  await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
}
process.exit(0);
