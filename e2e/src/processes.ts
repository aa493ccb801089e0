import { createTestRedis, TEST_ADMIN_KEY } from "@hookbox/shared/testing";
import { type Spawned, spawnService, testEnv } from "./stack.ts";

export interface ProcessStack {
  env: Record<string, string>;
  api: Spawned;
  base: string;
  /** The api's metrics listener (METRICS_PORT), e.g. `${metricsBase}/metrics`. */
  metricsBase: string;
  workers: Spawned[];
  startWorker(extra?: Record<string, string>): Promise<Spawned>;
  /** JSON call to the api with the admin key. */
  call(method: string, path: string, body?: unknown): Promise<Response>;
  stop(): Promise<void>;
}

async function kill(p: Spawned, signal: NodeJS.Signals = "SIGKILL") {
  if (p.child.exitCode === null && p.child.signalCode === null) {
    p.child.kill(signal);
    await p.exited;
  }
}

/** A real api process (and workers on demand) on the given database, with a Redis prefix of its own. */
export async function startProcessStack(
  label: string,
  databaseUrl: string,
  overrides: Record<string, string> = {},
): Promise<ProcessStack> {
  const redis = await createTestRedis(label);
  const env: Record<string, string> = {
    ...testEnv(databaseUrl, redis),
    SHUTDOWN_GRACE_MS: "300",
    ...overrides,
  };
  const api = spawnService("api", env);
  const port = await Promise.race([
    api.ready,
    api.exited.then((code) => {
      throw new Error(`api exited with ${code}: ${api.output.join("\n")}`);
    }),
  ]);
  const base = `http://127.0.0.1:${port}`;
  const metricsBase = `http://127.0.0.1:${await api.metricsPort}`;
  const workers: Spawned[] = [];
  return {
    env,
    api,
    base,
    metricsBase,
    workers,
    async startWorker(extra = {}) {
      const worker = spawnService("worker", { ...env, ...extra });
      workers.push(worker);
      await worker.ready;
      return worker;
    },
    call: (method, path, body) =>
      fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, "content-type": "application/json" },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      }),
    async stop() {
      await Promise.all([api, ...workers].map((p) => kill(p)));
      await redis.cleanup().catch(() => {});
    },
  };
}
