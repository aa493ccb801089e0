// `pnpm soak`: SOAK_SECONDS (default 600) of mixed load against real api and worker processes,
// with faults injected on a schedule (worker SIGKILL, api SIGTERM + restart, Postgres stopped,
// Redis paused, Redis stopped and restarted empty), then a ledger check: every acknowledged
// delivery is `completed`, or `dead` with its alert; none lost, none duplicated.
// Targets 127.0.0.1 only; bounded in time; stops by itself. Not part of CI.
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { warmUpDatabase } from "@hookbox/shared";
import { signDelivery, TEST_ADMIN_KEY } from "@hookbox/shared/testing";
import { Redis } from "ioredis";
import postgres from "postgres";
import {
  FAST,
  freePort,
  type Spawned,
  spawnService,
  startPrivatePostgres,
  startPrivateRedis,
  startReceiver,
} from "./src/index.ts";

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const RATE = Number(process.env.SOAK_RATE ?? 80);
const log = (...args: unknown[]) => console.log(`[soak ${new Date().toISOString().slice(11, 19)}]`, ...args);

const pg = await startPrivatePostgres();
const redis = await startPrivateRedis();
const flaky = await startReceiver(() => (Math.random() < 0.05 ? 500 : 200)); // 5 % transient failures
const broken = await startReceiver(() => 503); // always fails → dead + alert
const apiPort = await freePort();
const env: Record<string, string> = {
  NODE_ENV: "test",
  DATABASE_URL: pg.url,
  REDIS_URL: redis.url,
  REDIS_PREFIX: "{soak}",
  ADMIN_API_KEY: TEST_ADMIN_KEY,
  ALLOW_PRIVATE_DESTINATIONS: "true",
  HOST: "127.0.0.1",
  PORT: String(apiPort),
  WORKER_PORT: "0",
  METRICS_PORT: "0",
  SPAWN_LOG_LEVEL: "info",
  SHUTDOWN_GRACE_MS: "500",
  ...FAST,
  MAX_ATTEMPTS: "4",
  WORKER_LOCK_DURATION_MS: "5000",
  WORKER_STALLED_INTERVAL_MS: "2500",
};
const base = `http://127.0.0.1:${apiPort}`;

let api: Spawned = spawnService("api", env);
await api.ready;
const workers: Spawned[] = [spawnService("worker", env), spawnService("worker", env)];
await Promise.all(workers.map((w) => w.ready));

const call = (path: string, body: unknown) =>
  fetch(`${base}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
const sources = [
  { slug: "soak-flaky", secret: "soak-flaky-secret", url: flaky.url, weight: 0.75 },
  { slug: "soak-dupes", secret: "soak-dupes-secret", url: flaky.url, weight: 0.2 },
  { slug: "soak-broken", secret: "soak-broken-secret", url: broken.url, weight: 0.05 },
];
for (const s of sources) {
  const res = await call("/v1/sources", {
    slug: s.slug,
    scheme: "hmac-sha256",
    secret: s.secret,
    handlers: [{ name: "forward", config: { url: s.url, timeoutMs: 3000 } }],
  });
  if (res.status !== 201) throw new Error(`source ${s.slug}: ${res.status}`);
}

interface Entry {
  id: string;
  slug: string;
  key: string;
  duplicate: boolean;
}
const ledger: Entry[] = [];
const answers: Record<string, number> = {};
const dupKeys: string[] = [];

async function deliver() {
  const r = Math.random();
  const source = r < 0.75 ? sources[0] : r < 0.95 ? sources[1] : sources[2];
  if (!source) return;
  // The "dupes" source re-sends a previous key 30 % of the time (senders retry).
  const key =
    source.slug === "soak-dupes" && dupKeys.length > 0 && Math.random() < 0.3
      ? (dupKeys[Math.floor(Math.random() * dupKeys.length)] as string)
      : randomUUID();
  if (source.slug === "soak-dupes") dupKeys.push(key);
  const body = JSON.stringify({ type: `soak.${source.slug}`, key });
  try {
    const res = await fetch(`${base}/in/${source.slug}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "idempotency-key": key,
        ...signDelivery("hmac-sha256", { body, secret: source.secret }),
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    answers[res.status] = (answers[res.status] ?? 0) + 1;
    if (res.status === 202 || res.status === 200) {
      const a = (await res.json()) as { id: string; duplicate: boolean };
      ledger.push({ id: a.id, slug: source.slug, key, duplicate: a.duplicate });
    }
  } catch {
    answers["no answer"] = (answers["no answer"] ?? 0) + 1;
  }
}

const redisAdmin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
redisAdmin.on("error", () => {});
const faults: { at: number; name: string; run: () => Promise<void> }[] = [];
const period = Math.max(30, Math.floor(SECONDS / 10));
const kinds = [
  "worker SIGKILL",
  "api SIGTERM + restart",
  "postgres stop 5 s",
  "redis pause 3 s",
  "redis stop 5 s",
];
for (let t = period / 2, i = 0; t < SECONDS - 20; t += period, i++) {
  const name = kinds[i % kinds.length] as string;
  faults.push({
    at: t * 1000,
    name,
    run: async () => {
      switch (name) {
        case "worker SIGKILL": {
          const victim = workers.shift();
          victim?.child.kill("SIGKILL");
          await victim?.exited;
          await new Promise((r) => setTimeout(r, 3000));
          const fresh = spawnService("worker", env);
          await fresh.ready;
          workers.push(fresh);
          return;
        }
        case "api SIGTERM + restart": {
          api.child.kill("SIGTERM");
          log("api exited with", await api.exited);
          api = spawnService("api", env);
          await api.ready;
          return;
        }
        case "postgres stop 5 s":
          pg.stop();
          await new Promise((r) => setTimeout(r, 5000));
          pg.start();
          return;
        case "redis pause 3 s":
          await redisAdmin.call("CLIENT", "PAUSE", "3000", "ALL");
          return;
        case "redis stop 5 s":
          await redis.stop();
          await new Promise((r) => setTimeout(r, 5000));
          await redis.start();
          return;
      }
    },
  });
}

log(
  `load ${RATE}/s for ${SECONDS} s; faults: ${faults.map((f) => `${Math.round(f.at / 1000)}s ${f.name}`).join(", ")}`,
);
const started = Date.now();
const inflight = new Set<Promise<void>>();
const faultRuns: Promise<void>[] = [];
let next = 0;
for (let n = 0; Date.now() - started < SECONDS * 1000; n++) {
  const p = deliver().finally(() => inflight.delete(p));
  inflight.add(p);
  const elapsed = Date.now() - started;
  const fault = faults[next];
  if (fault && elapsed >= fault.at) {
    next++;
    log(`fault: ${fault.name}`);
    faultRuns.push(fault.run().catch((e: unknown) => log("fault failed", fault.name, e)));
  }
  if (n % (RATE * 30) === 0)
    log(`t=${Math.round(elapsed / 1000)}s sent=${n} answers=${JSON.stringify(answers)}`);
  await new Promise((r) => setTimeout(r, Math.max(0, started + ((n + 1) * 1000) / RATE - Date.now())));
}
await Promise.all(inflight);
await Promise.all(faultRuns);
log("load done; answers:", JSON.stringify(answers));

// Ledger check.
const sql = postgres(pg.url, { max: 2, onnotice: () => {} });
await warmUpDatabase(sql);
const ids = [...new Set(ledger.map((e) => e.id))];
const deadline = Date.now() + 240_000;
let rows: { id: string; status: string; slug: string; alerts: number }[] = [];
for (;;) {
  rows = await sql`
    SELECT e.id, e.status, s.slug, (SELECT count(*)::int FROM alerts a WHERE a.event_id = e.id) AS alerts
    FROM events e JOIN sources s ON s.id = e.source_id WHERE e.id = ANY(${sql.array(ids)}::uuid[])`;
  const unsettled = rows.filter((r) => r.status !== "completed" && r.status !== "dead").length;
  if ((rows.length === ids.length && unsettled === 0) || Date.now() > deadline) break;
  log(`waiting: ${unsettled} unsettled of ${ids.length}`);
  await new Promise((r) => setTimeout(r, 5000));
}
const byId = new Map(rows.map((r) => [r.id, r]));
const lost = ids.filter((id) => !byId.has(id));
const unsettled = rows.filter((r) => r.status !== "completed" && r.status !== "dead");
const wrongDead = rows.filter((r) => r.status === "dead" && r.slug !== "soak-broken");
const brokenNotDead = rows.filter((r) => r.slug === "soak-broken" && r.status !== "dead");
const deadWithoutOneAlert = rows.filter((r) => r.status === "dead" && r.alerts !== 1);
const [dupRows] = await sql<{ n: number }[]>`
  SELECT count(*)::int AS n FROM (SELECT source_id, idempotency_key FROM events GROUP BY 1, 2 HAVING count(*) > 1) d`;
const keyToIds = new Map<string, Set<string>>();
for (const e of ledger)
  keyToIds.set(`${e.slug}/${e.key}`, (keyToIds.get(`${e.slug}/${e.key}`) ?? new Set()).add(e.id));
const splitKeys = [...keyToIds.values()].filter((s) => s.size > 1).length;
const deliveredTwice = rows
  .filter((r) => r.status === "completed")
  .filter(
    (r) => flaky.requests.filter((q) => q.headers["x-hookbox-event-id"] === r.id && true).length > 1,
  ).length;
const summary = {
  seconds: SECONDS,
  ratePerSecond: RATE,
  faults: faults.map((f) => `${Math.round(f.at / 1000)}s ${f.name}`),
  answers,
  acknowledged: ledger.length,
  distinctEvents: ids.length,
  duplicatesAnswered200: ledger.filter((e) => e.duplicate).length,
  completed: rows.filter((r) => r.status === "completed").length,
  dead: rows.filter((r) => r.status === "dead").length,
  lost: lost.length,
  unsettled: unsettled.length,
  deadOutsideBrokenSource: wrongDead.length,
  brokenSourceNotDead: brokenNotDead.length,
  deadWithoutExactlyOneAlert: deadWithoutOneAlert.length,
  duplicateRowsPerKey: dupRows?.n ?? -1,
  keysAnsweredWithTwoIds: splitKeys,
  completedEventsWithARetriedForward: deliveredTwice,
};
log("summary", JSON.stringify(summary, null, 2));
const ok =
  summary.lost === 0 &&
  summary.unsettled === 0 &&
  summary.deadOutsideBrokenSource === 0 &&
  summary.brokenSourceNotDead === 0 &&
  summary.deadWithoutExactlyOneAlert === 0 &&
  summary.duplicateRowsPerKey === 0 &&
  summary.keysAnsweredWithTwoIds === 0;
log(ok ? "LEDGER OK: nothing acknowledged was lost or duplicated" : "LEDGER FAILED");

await sql.end();
redisAdmin.disconnect();
for (const p of [api, ...workers]) if (p.child.exitCode === null) (p.child as ChildProcess).kill("SIGKILL");
await flaky.close();
await broken.close();
await redis.stop();
pg.destroy();
process.exit(ok ? 0 : 1);
