// Ingest A/B on one machine: node bench/src/profile-api.ts. Starts one api process (API_PROCESSES=1)
// per tree in API_TREES (comma-separated repository roots, default this one) on a fresh database
// and Redis prefix each, then runs wrk against them interleaved (ROUNDS rounds of SECONDS s at
// each of CONNECTIONS), so each tree is measured in the same run, under the same machine noise.
// PROF=1 runs every api under --cpu-prof (profiles in /tmp/profapi/<n>/, summarised by
// bench/src/profile-summary.ts); API_FLAGS replaces the node flags per tree. No workers run: the jobs wait in Redis and are deleted at the end.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { migrate } from "@hookbox/shared";
import { startFlags } from "@hookbox/shared/testing";
import { Redis } from "ioredis";
import postgres from "postgres";
import { type Service, startService } from "./procs.ts";
import { freePort } from "./redis-server.ts";
import { runWrk } from "./wrk.ts";

const env = process.env;
const here = new URL("../../", import.meta.url).pathname;
const TREES = (env.API_TREES ?? here).split(",");
/** API_FLAGS: node flags per tree ("|"-separated, parallel to API_TREES); default the api's start flags. */
const FLAGS = env.API_FLAGS?.split("|").map((f) => f.split(" ").filter(Boolean));
const ROUNDS = Number(env.ROUNDS ?? 3);
const SECONDS = Number(env.SECONDS ?? 10);
const CONNECTIONS = (env.CONNECTIONS ?? "256").split(",").map(Number);
const SECRET = "bench-secret-0123456789";
const ADMIN = "bench-admin-key-0123456789abcdef0123456789";

const admin = postgres("postgres://postgres@127.0.0.1:5432/postgres", { max: 1, onnotice: () => {} });
const redis = new Redis("redis://127.0.0.1:6379");
const tag = `${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
const apis: { tree: string; db: string; prefix: string; service: Service; url: string }[] = [];
try {
  for (const [i, tree] of TREES.entries()) {
    const db = `hookbox_profapi_${tag}_${i}`;
    await admin.unsafe(`CREATE DATABASE ${db}`);
    const dbUrl = `postgres://postgres@127.0.0.1:5432/${db}`;
    await migrate(dbUrl);
    const port = await freePort();
    const prefix = `{profapi-${tag}-${i}}`;
    const service = startService(
      `api${i}`,
      [
        ...(FLAGS?.[i] ?? startFlags("api")),
        ...(env.PROF === "1" ? ["--cpu-prof", `--cpu-prof-dir=/tmp/profapi/${i}`] : []),
        `${tree}/packages/api/src/main.ts`,
      ],
      {
        NODE_ENV: "production",
        DATABASE_URL: dbUrl,
        REDIS_URL: "redis://127.0.0.1:6379",
        REDIS_PREFIX: prefix,
        ENCRYPTION_KEY: randomBytes(32).toString("base64"),
        ADMIN_API_KEY: ADMIN,
        LOG_LEVEL: "warn",
        HOST: "127.0.0.1",
        PORT: String(port),
        METRICS_PORT: "0",
        API_PROCESSES: "1",
        INGEST_MAX_BACKLOG: "100000000",
        SHUTDOWN_GRACE_MS: "0",
      },
      port,
    );
    await service.ready;
    const created = await fetch(`http://127.0.0.1:${port}/v1/sources`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
      body: JSON.stringify({
        slug: "bench",
        scheme: "hmac-sha256",
        secret: SECRET,
        handlers: [{ name: "log" }],
      }),
    });
    if (created.status !== 201) throw new Error(`create source: ${created.status} ${await created.text()}`);
    apis.push({ tree, db, prefix, service, url: `http://127.0.0.1:${port}/in/bench` });
  }
  const load = (url: string, connections: number, durationSeconds: number) =>
    runWrk({ url, connections, durationSeconds, secret: SECRET, threads: cpus().length });
  for (const [i, api] of apis.entries()) {
    const warm = await load(api.url, 64, 3);
    console.log(`warm-up tree ${i}: ${warm.ok2xx} accepted`);
  }
  const figures = new Map<string, number[]>();
  const costs = new Map<string, number[]>();
  /** CPU time (user + system) of a process so far, in µs; /proc counts in ticks of 10 ms. */
  const cpuMicros = (pid: number) => {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const connections of CONNECTIONS) {
      for (const [i, api] of apis.entries()) {
        const pid = api.service.child.pid as number;
        const cpuBefore = cpuMicros(pid);
        const r = await load(api.url, connections, SECONDS);
        // The api's own CPU per accepted delivery: what the machine's other load disturbs least.
        const perRequest = (cpuMicros(pid) - cpuBefore) / Math.max(1, r.ok2xx);
        const key = `${i}@${connections}`;
        figures.set(key, [...(figures.get(key) ?? []), r.acceptedPerSecond]);
        costs.set(key, [...(costs.get(key) ?? []), perRequest]);
        console.log(
          `round ${round} tree ${i} (${api.tree}) @${connections}: ${Math.round(r.acceptedPerSecond)}/s p50 ${r.latencyP50} ms p99 ${r.latencyP99} ms non2xx ${r.non2xx} errors ${r.errors}; api CPU ${Math.round(perRequest)} µs/delivery`,
        );
      }
    }
  }
  for (const [key, values] of figures) {
    const sorted = [...values].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    const cost = [...(costs.get(key) ?? [])].sort((a, b) => a - b);
    const costMedian = cost[Math.floor(cost.length / 2)] ?? 0;
    console.log(
      `median ${key}: ${Math.round(median)}/s (${values.map(Math.round).join(", ")}); api CPU ${Math.round(costMedian)} µs/delivery (${cost.map(Math.round).join(", ")})`,
    );
  }
} finally {
  // SIGTERM: a profiled process writes its profile as it exits.
  await Promise.all(apis.map((api) => api.service.stop("SIGTERM")));
  for (const api of apis) {
    for (let cursor = "0"; ; ) {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${api.prefix}*`, "COUNT", 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
      if (cursor === "0") break;
    }
    await admin.unsafe(`DROP DATABASE ${api.db} WITH (FORCE)`);
  }
  redis.disconnect();
  await admin.end();
}
