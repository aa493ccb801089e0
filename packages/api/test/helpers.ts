import { createHmac } from "node:crypto";
import { type Config, createLogger, type Logger, warmUpDatabase } from "@hookbox/shared";
import { createTestDatabase, createTestRedis, TEST_ADMIN_KEY, testConfig } from "@hookbox/shared/testing";
import { createApp } from "../src/app.ts";
import { createApiDeps } from "../src/create-deps.ts";
import type { ApiDeps } from "../src/deps.ts";
import { createMetricsApp } from "../src/metrics/app.ts";

export { TEST_ADMIN_KEY };

export interface TestApi {
  config: Config;
  deps: ApiDeps;
  app: ReturnType<typeof createApp>;
  /** A JSON call to /v1 with a bearer key (the admin key by default). */
  call(method: string, path: string, body?: unknown, key?: string): Promise<Response>;
  createSource(body: Record<string, unknown>): Promise<{ id: string; slug: string; secret: string }>;
  /** GET /metrics of the metrics listener (METRICS_PORT), as text. */
  scrape(): Promise<string>;
  close(): Promise<void>;
}

/** An in-process api on its own database and Redis prefix. */
export async function createTestApi(
  label: string,
  overrides: Record<string, string> = {},
  options: { logger?: Logger; now?: () => number } = {},
): Promise<TestApi> {
  const pg = await createTestDatabase(label);
  const redis = await createTestRedis(label);
  const config = testConfig(
    { databaseUrl: pg.url, redisUrl: redis.url, redisPrefix: redis.prefix },
    overrides,
  );
  const deps = createApiDeps(config, {
    logger: options.logger ?? createLogger(config.logLevel),
    ...(options.now ? { now: options.now } : {}),
  });
  await Promise.all([warmUpDatabase(deps.sql), warmUpDatabase(deps.managementSql)]); // as main.ts does
  const app = createApp(deps);
  const metricsApp = createMetricsApp(deps);
  const call = async (method: string, path: string, body?: unknown, key = TEST_ADMIN_KEY) =>
    app.request(path, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  return {
    config,
    deps,
    app,
    call,
    async createSource(body) {
      const res = await call("POST", "/v1/sources", { handlers: [{ name: "log" }], ...body });
      if (res.status !== 201) throw new Error(`createSource: ${res.status} ${await res.text()}`);
      return (await res.json()) as { id: string; slug: string; secret: string };
    },
    scrape: async () => (await metricsApp.request("/metrics")).text(),
    async close() {
      await deps.close();
      await redis.cleanup();
      await pg.drop();
    },
  };
}

export function hmacHex(secret: string, body: string | Buffer): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}

/** POST /in/:slug signed with hmac-sha256. */
export async function deliver(
  api: Pick<TestApi, "app">,
  slug: string,
  body: string | Buffer,
  secret: string | null,
  headers: Record<string, string> = {},
): Promise<Response> {
  return await api.app.request(`/in/${slug}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(secret !== null ? { "x-signature": `sha256=${hmacHex(secret, body)}` } : {}),
      ...headers,
    },
    body,
  });
}

export async function countEvents(api: TestApi, sourceId: string): Promise<number> {
  const [row] = await api.deps.sql<
    { n: number }[]
  >`SELECT count(*)::int AS n FROM events WHERE source_id = ${sourceId}`;
  return row?.n ?? 0;
}
