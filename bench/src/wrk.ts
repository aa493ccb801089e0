// wrk as the load generator of the max-throughput runs: a C client that costs the machine about
// half the CPU per request of autocannon, which shares the same two cores with what it measures.
// It cannot pace a fixed rate, so the steady run keeps autocannon (load.ts).
import { execFileSync, spawn } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import type { LoadResult } from "./procs.ts";

/** True when a `wrk` binary is on PATH (the Debian package `wrk`). */
export function wrkInstalled(): boolean {
  try {
    execFileSync("wrk", ["--version"], { stdio: "ignore" });
    return true;
  } catch (error) {
    // `wrk --version` prints its usage and exits 1; only a missing binary is ENOENT.
    return (error as NodeJS.ErrnoException).code !== "ENOENT";
  }
}

interface WrkLine {
  durationMicros: number;
  sent: number;
  completed: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyP50Micros: number;
  latencyP99Micros: number;
}

/** Runs wrk with bench/src/wrk-unique.lua against one target and returns its figures. */
export function runWrk(options: {
  url: string;
  connections: number;
  durationSeconds: number;
  secret: string;
  threads: number;
}): Promise<LoadResult> {
  // One body for every request (the key travels in the unsigned Idempotency-Key header).
  const body = JSON.stringify({ id: "wrk", type: "bench.event", at: Date.now(), padding: "x".repeat(900) });
  const signature = createHmac("sha256", options.secret).update(body).digest("hex");
  const threads = Math.max(1, Math.min(options.threads, options.connections));
  const args = [
    `-t${threads}`,
    `-c${options.connections}`,
    `-d${options.durationSeconds}s`,
    "--timeout",
    "10s",
    "-s",
    new URL("./wrk-unique.lua", import.meta.url).pathname,
    options.url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn("wrk", args, {
      env: {
        PATH: process.env.PATH ?? "",
        WRK_BODY: body,
        WRK_SIGNATURE: `sha256=${signature}`,
        WRK_RUN: randomBytes(4).toString("hex"),
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      const line = out
        .split("\n")
        .filter((l) => l.startsWith('{"generator":"wrk"'))
        .at(-1);
      if (code !== 0 || !line) return reject(new Error(`wrk exited ${code}: ${out}`));
      const w = JSON.parse(line) as WrkLine;
      const durationSeconds = w.durationMicros / 1e6;
      const ok2xx = w.completed - w.non2xx;
      resolve({
        generator: "wrk",
        durationSeconds,
        sent: w.sent,
        ok2xx,
        non2xx: w.non2xx,
        errors: w.errors,
        timeouts: w.timeouts,
        acceptedPerSecond: ok2xx / durationSeconds,
        latencyP50: Math.round(w.latencyP50Micros / 100) / 10,
        latencyP99: Math.round(w.latencyP99Micros / 100) / 10,
      });
    });
  });
}
