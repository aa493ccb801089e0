// `node bench/src/shards.ts`: does a second event queue shard on a second Redis process drain
// faster than one shard when Redis is the bound? Starts two private redis-servers (127.0.0.1,
// free ports, no persistence), seeds BENCH_SHARD_JOBS jobs through Hookbox's own enqueue
// (`enqueueEvents`: the stable hash, the shard prefixes) and drains them with no-op BullMQ
// workers (shard-worker.ts): 1 shard on Redis A, then 2 shards on Redis A + B, interleaved for
// BENCH_SHARD_REPS repetitions. Reports jobs/s and the CPU of every redis-server and worker
// process (from /proc). Everything stops by itself; not part of CI or `pnpm bench`.
import { readFileSync, writeFileSync } from "node:fs";
import {
  countEventJobs,
  createEventQueues,
  createLogger,
  createProducerRedis,
  enqueueEvents,
  retryPolicyOf,
  uuidv7,
} from "@hookbox/shared";
import type { Redis } from "ioredis";
import { sampleUsage, startService, type Usage } from "./procs.ts";
import { startPrivateRedis } from "./redis-server.ts";

const JOBS = Number(process.env.BENCH_SHARD_JOBS ?? 100_000);
const REPS = Number(process.env.BENCH_SHARD_REPS ?? 2);
const WORKERS = Number(process.env.BENCH_SHARD_WORKERS ?? 2);
const CONCURRENCY = Number(process.env.BENCH_SHARD_CONCURRENCY ?? 128);
const MODES = (process.env.BENCH_SHARD_MODES ?? "drain,flow").split(",") as ("drain" | "flow")[];
const PREFIX = "{bench-shards}";
const logger = createLogger("warn", { service: "bench-shards" });

function producerPercent(used: NodeJS.CpuUsage, seconds: number): number {
  return Math.round(((used.user + used.system) / 1e6 / seconds) * 100);
}

interface Drain {
  mode: "drain" | "flow";
  shards: number;
  jobs: number;
  seconds: number;
  jobsPerSecond: number;
  cpu: Record<string, Usage>;
}

/**
 * `drain`: N jobs seeded, then drained (the clock runs from the first job taken to the last one
 * done). `flow`: the workers wait on empty queues while this process enqueues N jobs in batches
 * of 1 000 as fast as Redis takes them (as ingest does), the clock running from the first add to
 * the last job done — Redis then does the adds and the completions, the case where it is the
 * bound sooner.
 */
async function runOnce(
  mode: "drain" | "flow",
  urls: [string, ...string[]],
  redisPids: number[],
): Promise<Drain> {
  const connections = urls.map((url) => createProducerRedis(url, logger)) as [Redis, ...Redis[]];
  const policy = retryPolicyOf({ maxAttempts: 1, retryBaseDelayMs: 1, retryMaxDelayMs: 1 });
  const queues = createEventQueues(connections, PREFIX, policy, logger);
  const seed = async () => {
    for (let seeded = 0; seeded < JOBS; seeded += 1_000) {
      const runs = Array.from({ length: Math.min(1_000, JOBS - seeded) }, () => ({ id: uuidv7(), run: 0 }));
      await enqueueEvents(queues, runs);
    }
  };
  const left = async () => {
    const counts = await countEventJobs(queues, "waiting", "active");
    return (counts.waiting ?? 0) + (counts.active ?? 0);
  };
  try {
    if (mode === "drain") await seed();
    const workers = Array.from({ length: WORKERS }, (_, i) =>
      startService(`shard-worker-${i}`, ["bench/src/shard-worker.ts"], {
        SHARD_URLS: urls.join(","),
        REDIS_PREFIX: PREFIX,
        CONCURRENCY: String(CONCURRENCY),
      }),
    );
    try {
      await Promise.all(workers.map((w) => w.ready));
      let remaining = await left();
      // drain: from the first job taken (worker start-up is not Redis' work).
      while (mode === "drain" && remaining >= JOBS) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        remaining = await left();
      }
      const start = performance.now();
      const ownCpu = process.cpuUsage();
      const jobs = mode === "drain" ? remaining : JOBS;
      const usage = sampleUsage({
        ...Object.fromEntries(redisPids.slice(0, urls.length).map((pid, i) => [`redis-${i}`, () => [pid]])),
        workers: () => workers.map((w) => w.child.pid ?? 0),
      });
      if (mode === "flow") await seed();
      remaining = await left();
      while (remaining > 0) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        remaining = await left();
      }
      const seconds = (performance.now() - start) / 1000;
      return {
        mode,
        shards: urls.length,
        jobs,
        seconds: Math.round(seconds * 100) / 100,
        jobsPerSecond: Math.round(jobs / seconds),
        // This process enqueues in flow mode (its /proc tree would count the children too).
        cpu: {
          ...usage.stop(),
          producer: { cpuPercent: producerPercent(process.cpuUsage(ownCpu), seconds), peakRssMb: 0 },
        },
      };
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  } finally {
    await Promise.all(queues.map((queue) => queue.obliterate({ force: true }).catch(() => {})));
    await Promise.all(queues.map((queue) => queue.close()));
    for (const c of connections) c.disconnect();
  }
}

const LOAD = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number);
const a = await startPrivateRedis();
const b = await startPrivateRedis();
const results: Drain[] = [];
try {
  const pids = [a.child.pid ?? 0, b.child.pid ?? 0];
  for (let rep = 0; rep < REPS; rep++) {
    for (const [mode, urls] of MODES.flatMap((m) => [
      [m, [a.url]],
      [m, [a.url, b.url]],
    ]) as ["drain" | "flow", [string, ...string[]]][]) {
      const drain = await runOnce(mode, urls, pids);
      results.push(drain);
      const cpu = Object.entries(drain.cpu)
        .map(([role, u]) => `${role} ${u.cpuPercent}%`)
        .join(", ");
      console.log(
        `rep ${rep + 1}: ${drain.mode}, ${drain.shards} shard(s): ${drain.jobs} jobs in ${drain.seconds} s = ${drain.jobsPerSecond} jobs/s (${cpu})`,
      );
    }
  }
} finally {
  await a.stop();
  await b.stop();
}
const at = new Date().toISOString().replace(/[:.]/g, "-");
const file = `bench/results/shards-${at}.json`;
writeFileSync(
  file,
  `${JSON.stringify({ at, jobs: JOBS, workers: WORKERS, concurrency: CONCURRENCY, loadAverage: LOAD, results }, null, 2)}\n`,
);
console.log(
  `load average at start ${LOAD.join(" ")}, at end ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
);
console.log(`written ${file}`);
