import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { type ApiDeps, createApiDeps, createApp, createMetricsApp } from "@hookbox/api";
import {
  type Config,
  createLogger,
  type EventStatus,
  loadConfiguredHandlers,
  type Sql,
  warmUpDatabase,
} from "@hookbox/shared";
import {
  createTestDatabase,
  createTestRedis,
  signDelivery,
  startFlags,
  TEST_ADMIN_KEY,
  type TestDatabase,
  testConfig,
  waitFor,
} from "@hookbox/shared/testing";
import { type RunningWorker, runWorker } from "@hookbox/worker";
import { Redis } from "ioredis";

export { signDelivery, TEST_ADMIN_KEY, waitFor };

/** Settings that make retries and recovery fast enough for tests. */
export const FAST = {
  RETRY_BASE_DELAY_MS: "20",
  RETRY_MAX_DELAY_MS: "100",
  RECONCILE_INTERVAL_MS: "200",
  RECONCILE_MIN_AGE_MS: "300",
  WORKER_LOCK_DURATION_MS: "2000",
  WORKER_STALLED_INTERVAL_MS: "1000",
  WORKER_CONCURRENCY: "8",
  ENQUEUE_TIMEOUT_MS: "300",
};

export interface Stack {
  /** The environment a spawned api or worker process gets. */
  env: Record<string, string>;
  config: Config;
  api: ApiDeps;
  app: ReturnType<typeof createApp>;
  pg: TestDatabase;
  sql: Sql;
  call(method: string, path: string, body?: unknown): Promise<Response>;
  createSource(body: Record<string, unknown>): Promise<{ id: string; slug: string; secret: string }>;
  /** GET /metrics of the api's metrics listener (METRICS_PORT), as text. */
  scrape(): Promise<string>;
  /**
   * POSTs `body` to /in/<slug> signed with hmac-sha256 (in process; `headers` are added last, so they
   * can replace the signature); the answer's code, id and status.
   */
  /** POSTs `body` to /in/<slug> with `headers` as given (signed by the caller); the answer's code, id and status. */
  post(
    slug: string,
    body: string,
    headers: Record<string, string>,
  ): Promise<{ code: number; id: string; status: string }>;
  deliver(
    slug: string,
    secret: string,
    body?: string,
    headers?: Record<string, string>,
  ): Promise<{ code: number; id: string; status: string }>;
  startWorker(overrides?: Record<string, string>): Promise<RunningWorker>;
  close(): Promise<void>;
}

/** The environment of a test's api and workers: its database, its Redis prefix, fast settings. */
export function testEnv(databaseUrl: string, redis: { url: string; prefix: string }): Record<string, string> {
  return {
    NODE_ENV: "test",
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    ALLOW_PRIVATE_DESTINATIONS: "true",
    HOST: "127.0.0.1",
    PORT: "0",
    WORKER_PORT: "0",
    METRICS_PORT: "0",
    ...FAST,
  };
}

/**
 * An api (in-process) on its own database and Redis prefix; workers started on demand. With
 * HANDLERS_DIR in `overrides` the api loads those code handlers as its main.ts does (and so do
 * the workers, which read it from their config).
 */
export async function createStack(
  label: string,
  overrides: Record<string, string> = {},
  /** `upTo`: a database of an older schema (an upgrade test); the first worker's start migrates it. */
  options: { upTo?: number } = {},
): Promise<Stack> {
  const pg = await createTestDatabase(label, options);
  const redis = await createTestRedis(label);
  const env: Record<string, string> = {
    ...testEnv(pg.url, redis),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    ...overrides,
  };
  const config = testConfig(
    { databaseUrl: pg.url, redisUrl: env.REDIS_URL as string, redisPrefix: redis.prefix },
    env,
  );
  const api = createApiDeps(config, {
    logger: createLogger(config.logLevel, { service: "api" }),
    codeHandlers: config.handlersDir ? await loadConfiguredHandlers(config) : [],
  });
  await Promise.all([warmUpDatabase(api.sql), warmUpDatabase(api.managementSql)]); // as main.ts does
  const app = createApp(api);
  const metricsApp = createMetricsApp(api);
  const workers: RunningWorker[] = [];
  const post = async (slug: string, body: string, headers: Record<string, string>) => {
    const res = await app.request(`/in/${slug}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });
    const answer = (await res.json()) as { id: string; status: string };
    return { code: res.status, id: answer.id, status: answer.status };
  };
  const call = async (method: string, path: string, body?: unknown) =>
    app.request(path, {
      method,
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, "content-type": "application/json" },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  return {
    env,
    config,
    api,
    app,
    pg,
    sql: api.sql,
    call,
    scrape: async () => (await metricsApp.request("/metrics")).text(),
    async createSource(body) {
      const res = await call("POST", "/v1/sources", body);
      if (res.status !== 201) throw new Error(`createSource: ${res.status} ${await res.text()}`);
      return (await res.json()) as { id: string; slug: string; secret: string };
    },
    post,
    deliver: (slug, secret, body = JSON.stringify({ type: "t" }), headers = {}) =>
      post(slug, body, { ...signDelivery("hmac-sha256", { body, secret }), ...headers }),
    async startWorker(workerOverrides = {}) {
      const workerConfig = testConfig(
        { databaseUrl: pg.url, redisUrl: env.REDIS_URL as string, redisPrefix: redis.prefix },
        {
          ...env,
          ...workerOverrides,
        },
      );
      const worker = await runWorker(workerConfig, {
        logger: createLogger(workerConfig.logLevel, { service: "worker" }),
      });
      workers.push(worker);
      return worker;
    },
    async close() {
      try {
        await Promise.all(workers.map((w) => w.stop().catch(() => {})));
        await api.close().catch(() => {});
        await redis.cleanup().catch(() => {});
      } finally {
        await pg.drop();
      }
    },
  };
}

export interface EventRow {
  id: string;
  status: EventStatus;
  attempt_count: number;
  last_error: string | null;
}

export async function eventRow(sql: Sql, id: string): Promise<EventRow | undefined> {
  const [row] = await sql<
    EventRow[]
  >`SELECT id, status, attempt_count, last_error FROM events WHERE id = ${id}`;
  return row;
}

/** Waits until the event has `status`; fails with the last row seen. */
export async function waitForStatus(
  sql: Sql,
  id: string,
  status: EventStatus,
  timeoutMs = 15_000,
): Promise<EventRow> {
  return waitFor(
    async () => {
      const row = await eventRow(sql, id);
      return row?.status === status ? row : undefined;
    },
    { timeoutMs, what: `event ${id} to be ${status}` },
  );
}

export interface ReceivedRequest {
  body: Buffer;
  headers: IncomingHttpHeaders;
}

/** A local HTTP receiver for `forward`; `respond(n)` decides the status of the n-th request (1-based). */
export async function startReceiver(respond: (n: number) => number | Promise<number> = () => 200) {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      requests.push({ body: Buffer.concat(chunks), headers: req.headers });
      const status = await respond(requests.length);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** PSUBSCRIBE to completion channels; collects every message. */
export async function subscribe(redisUrl: string, pattern: string) {
  const redis = new Redis(redisUrl);
  redis.on("error", () => {});
  const messages: { channel: string; message: Record<string, unknown> }[] = [];
  redis.on("pmessage", (_p, channel, message) => messages.push({ channel, message: JSON.parse(message) }));
  await redis.psubscribe(pattern);
  return { messages, close: () => redis.quit().catch(() => {}) };
}

export interface Spawned {
  child: ChildProcess;
  /** stdout and stderr lines, in arrival order. */
  output: string[];
  /** The stderr lines alone. */
  stderr: string[];
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Resolves with the port the process logged when ready. */
  ready: Promise<number>;
  /** The api's metrics port (METRICS_PORT), from the same line; undefined for a worker. */
  metricsPort: Promise<number | undefined>;
}

/** Runs `packages/<pkg>/src/main.ts` as a real process with the stack's environment. */
export function spawnService(pkg: "api" | "worker", env: Record<string, string>): Spawned {
  const main = new URL(`../../packages/${pkg}/src/main.ts`, import.meta.url).pathname;
  const child = spawn(process.execPath, [...startFlags(pkg), main], {
    env: { PATH: process.env.PATH ?? "", ...env, LOG_LEVEL: env.SPAWN_LOG_LEVEL ?? "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const stderr: string[] = [];
  let onReady: (line: { port: number; metricsPort?: number }) => void = () => {};
  const readyLine = new Promise<{ port: number; metricsPort?: number }>((resolve) => {
    onReady = resolve;
  });
  const readyMsg = pkg === "api" ? "hookbox api listening" : "hookbox worker running";
  const collect = (into?: string[]) => (chunk: Buffer) => {
    for (const line of String(chunk).split("\n").filter(Boolean)) {
      output.push(line);
      into?.push(line);
      if (line.includes(readyMsg)) onReady(JSON.parse(line) as { port: number; metricsPort?: number });
    }
  };
  child.stdout?.on("data", collect());
  child.stderr?.on("data", collect(stderr));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const ready = readyLine.then((line) => line.port);
  return { child, output, stderr, exited, ready, metricsPort: readyLine.then((line) => line.metricsPort) };
}

/**
 * The value of one counter or gauge on a worker's `/metrics` (WORKER_PORT): the sum of the
 * samples named `name` whose labels include `labels`; 0 when there is none.
 */
export async function workerMetric(port: number, name: string, labels: Record<string, string> = {}) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let sum = 0;
  for (const line of text.split("\n")) {
    const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name || !wanted.every((l) => (match[2] ?? "").split(",").includes(l))) continue;
    sum += Number(match[3]);
  }
  return sum;
}
