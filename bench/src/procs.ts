import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

const node = process.execPath;

/**
 * The environment of a bench's Hookbox api and workers: production mode (with a key of the run's
 * own for the secrets at rest), quiet logs, loopback only, no backpressure cap, no reconciler
 * rounds inside a measurement, no shutdown grace.
 */
export function benchServiceEnv(o: {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  adminKey: string;
}): Record<string, string> {
  return {
    NODE_ENV: "production",
    DATABASE_URL: o.databaseUrl,
    REDIS_URL: o.redisUrl,
    REDIS_PREFIX: o.prefix,
    ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    ADMIN_API_KEY: o.adminKey,
    LOG_LEVEL: "warn",
    HOST: "127.0.0.1",
    INGEST_MAX_BACKLOG: "100000000",
    RECONCILE_MIN_AGE_MS: "60000",
    SHUTDOWN_GRACE_MS: "0",
  };
}

/**
 * Every service still running: killed when the bench exits or is interrupted, so a bench stopped
 * by a signal (or a timeout) leaves no api or worker behind to load the machine.
 */
const running = new Set<ChildProcess>();
let reaping = false;
function reapOnExit(): void {
  if (reaping) return;
  reaping = true;
  const reap = () => {
    for (const child of running) child.kill("SIGKILL");
  };
  process.on("exit", reap);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
    process.on(signal, () => {
      reap();
      process.exit(130);
    });
}

export interface Service {
  name: string;
  child: ChildProcess;
  output: string[];
  ready: Promise<number>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts a Node script; `ready` resolves with its port: from its first "listening" log line, or,
 * when `healthPort` is given (Hookbox at LOG_LEVEL=warn logs nothing at start), once
 * `/health/live` answers on that port.
 */
export function startService(
  name: string,
  args: string[],
  env: Record<string, string>,
  healthPort?: number,
): Service {
  const child = spawn(node, args, {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  reapOnExit();
  running.add(child);
  child.on("exit", () => running.delete(child));
  const output: string[] = [];
  let resolveReady: (port: number) => void = () => {};
  let rejectReady: (e: Error) => void = () => {};
  const ready = new Promise<number>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  const onData = (chunk: Buffer) => {
    for (const line of String(chunk).split("\n").filter(Boolean)) {
      if (output.length < 2000) output.push(line);
      if (/listening|worker running/.test(line)) {
        try {
          resolveReady((JSON.parse(line) as { port: number }).port);
        } catch {
          // not JSON
        }
      }
    }
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  child.on("exit", (code) =>
    rejectReady(new Error(`${name} exited with ${code}: ${output.slice(-10).join("\n")}`)),
  );
  if (healthPort) {
    const poll = async () => {
      for (let i = 0; i < 600; i++) {
        const ok = await fetch(`http://127.0.0.1:${healthPort}/health/live`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) return resolveReady(healthPort);
        await new Promise((r) => setTimeout(r, 100));
      }
      rejectReady(new Error(`${name} did not become live on ${healthPort}`));
    };
    void poll();
  }
  return {
    name,
    child,
    output,
    ready,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A process and its descendants (cluster children). */
function tree(pid: number): number[] {
  let children: number[] = [];
  try {
    children = execFileSync("pgrep", ["-P", String(pid)])
      .toString()
      .trim()
      .split("\n")
      .filter(Boolean)
      .map(Number);
  } catch {
    // no children
  }
  return [pid, ...children.flatMap(tree)];
}

function cpuTicks(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return 0;
  }
}

function rssBytes(pid: number): number {
  try {
    const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export interface Usage {
  /** Average CPU over the window, in % of one core (200 % = both cores). */
  cpuPercent: number;
  /** Largest RSS of any single process of the role. */
  peakRssMb: number;
}

/** Samples CPU and RSS of each role's process trees every 250 ms until stopped. */
export function sampleUsage(roles: Record<string, () => number[]>) {
  const start = Date.now();
  const ticksAtStart: Record<string, number> = {};
  const peak: Record<string, number> = {};
  const sum = (role: string) =>
    roles[role]?.()
      .flatMap(tree)
      .reduce((n, pid) => n + cpuTicks(pid), 0) ?? 0;
  for (const role of Object.keys(roles)) ticksAtStart[role] = sum(role);
  const timer = setInterval(() => {
    for (const [role, pids] of Object.entries(roles)) {
      for (const pid of pids().flatMap(tree)) peak[role] = Math.max(peak[role] ?? 0, rssBytes(pid));
    }
  }, 250);
  return {
    stop(): Record<string, Usage> {
      clearInterval(timer);
      const seconds = (Date.now() - start) / 1000;
      const out: Record<string, Usage> = {};
      for (const role of Object.keys(roles)) {
        const ticks = sum(role) - (ticksAtStart[role] ?? 0);
        out[role] = {
          cpuPercent: Math.round((ticks / 100 / seconds) * 100),
          peakRssMb: Math.round((peak[role] ?? 0) / 1024 / 1024),
        };
      }
      return out;
    },
  };
}

export interface LoadResult {
  /** Which load generator produced the figures. */
  generator: "autocannon" | "wrk";
  durationSeconds: number;
  sent: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  acceptedPerSecond: number;
  latencyP50: number;
  latencyP99: number;
}

/** Runs autocannon (load.ts) in its own process and returns its figures. */
export function runLoad(options: {
  url: string;
  connections: number;
  durationSeconds: number;
  secret: string;
  overallRate?: number;
}): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [new URL("./load.ts", import.meta.url).pathname, JSON.stringify(options)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.on("exit", (code) => {
      const line = out.trim().split("\n").at(-1);
      if (code !== 0 || !line) return reject(new Error(`load generator exited ${code}: ${out}`));
      resolve(JSON.parse(line) as LoadResult);
    });
  });
}
