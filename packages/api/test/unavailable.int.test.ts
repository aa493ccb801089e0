import { createLogger } from "@hookbox/shared";
import { createTestRedis, TEST_ADMIN_KEY, testConfig } from "@hookbox/shared/testing";
import { afterAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { createApiDeps } from "../src/create-deps.ts";
import { createTestApi } from "./helpers.ts";

// Nothing listens on port 1: connections are refused at once.
const DEAD_PG = "postgres://postgres@127.0.0.1:1/none";
const DEAD_REDIS = "redis://127.0.0.1:1";

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

describe("Postgres unreachable", () => {
  it("ingest answers 503 problem+json with Retry-After, fast; readiness says postgres:false", async () => {
    const redis = await createTestRedis("unavailable_pg");
    closers.push(() => redis.cleanup());
    const config = testConfig({ databaseUrl: DEAD_PG, redisUrl: redis.url, redisPrefix: redis.prefix });
    const deps = createApiDeps(config, { logger: createLogger("silent") });
    closers.push(() => deps.close());
    const app = createApp(deps);
    const started = Date.now();
    const res = await app.request("/in/anything", { method: "POST", body: "{}" });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(res.headers.get("retry-after")).toBe("5");
    const ready = await app.request("/health/ready");
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ postgres: false });
    expect((await app.request("/health/live")).status).toBe(200);
    const v1 = await app.request("/v1/sources", { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    expect(v1.status).toBe(503);
  });
});

describe("Redis unreachable", () => {
  it("readiness is 503 with redis:false; ingest answers 202 queued at once, then the row goes back to received", async () => {
    const api = await createTestApi("unavailable_redis", {
      REDIS_URL: DEAD_REDIS,
      ENQUEUE_TIMEOUT_MS: "200",
    });
    closers.push(() => api.close());
    const ready = await api.app.request("/health/ready");
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ postgres: true, redis: false });

    const src = await api.createSource({ slug: "no-redis", scheme: "none" });
    const started = Date.now();
    const res = await api.app.request(`/in/${src.slug}`, { method: "POST", body: "{}" });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(res.status).toBe(202);
    // The answer does not wait for Redis: the row was committed `queued`, which is what it says.
    const answer = (await res.json()) as { id: string; status: string };
    expect(answer).toMatchObject({ status: "queued", duplicate: false });
    // The enqueue after it failed: the row says so now, and it is the reconciler's.
    await api.deps.enqueuer.drain();
    const [row] = await api.deps.sql<{ status: string }[]>`SELECT status FROM events WHERE id = ${answer.id}`;
    expect(row?.status).toBe("received");
    const text = await api.scrape();
    expect(text).toMatch(/hookbox_enqueue_failures_total\{[^}]*\} 1/);
  });

  it("INGEST_MAX_PENDING_ENQUEUES=0: the answer waits for its enqueue and says 202 received", async () => {
    const api = await createTestApi("unavailable_redis_wait", {
      REDIS_URL: DEAD_REDIS,
      ENQUEUE_TIMEOUT_MS: "200",
      INGEST_MAX_PENDING_ENQUEUES: "0",
    });
    closers.push(() => api.close());
    const src = await api.createSource({ slug: "no-redis-wait", scheme: "none" });
    const res = await api.app.request(`/in/${src.slug}`, { method: "POST", body: "{}" });
    expect(res.status).toBe(202);
    const answer = (await res.json()) as { id: string; status: string };
    expect(answer).toMatchObject({ status: "received", duplicate: false });
    const [row] = await api.deps.sql<{ status: string }[]>`SELECT status FROM events WHERE id = ${answer.id}`;
    expect(row?.status).toBe("received");
  });
});
