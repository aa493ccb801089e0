import { createApiDeps, createApp, createMetricsApp } from "@hookbox/api";
import { countWaitingEvents, createLogger, warmUpDatabase } from "@hookbox/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStack, type Stack, signDelivery, waitFor } from "../src/index.ts";

let stack: Stack;

beforeAll(async () => {
  stack = await createStack("backpressure", { INGEST_MAX_BACKLOG: "20" });
});
afterAll(() => stack?.close());

async function post(app: Stack["app"], slug: string, secret: string) {
  const body = JSON.stringify({ n: Math.random() });
  const res = await app.request(`/in/${slug}`, {
    method: "POST",
    headers: signDelivery("hmac-sha256", { body, secret }),
    body,
  });
  return {
    status: res.status,
    retryAfter: res.headers.get("retry-after"),
    type: res.headers.get("content-type"),
  };
}

describe("per-source rate limit", () => {
  it("a flood gets 429 + Retry-After past the limit, across two api replicas; the counts add up", async () => {
    const src = await stack.createSource({
      slug: "limited",
      scheme: "hmac-sha256",
      secret: "lim-secret",
      rateLimitPerSecond: 10,
      handlers: [{ name: "log" }],
    });
    // A second api replica on the same Postgres and Redis: the bucket is shared.
    const replica = createApiDeps(stack.config, { logger: createLogger("silent") });
    await warmUpDatabase(replica.sql);
    const replicaApp = createApp(replica);
    try {
      const started = Date.now();
      const answers = await Promise.all(
        Array.from({ length: 60 }, (_, i) => post(i % 2 ? replicaApp : stack.app, "limited", "lim-secret")),
      );
      const elapsed = (Date.now() - started) / 1000;
      const accepted = answers.filter((a) => a.status === 202).length;
      const limited = answers.filter((a) => a.status === 429);
      expect(accepted + limited.length).toBe(60);
      // Burst of 10 plus at most 10/s of refill during the flood.
      expect(accepted).toBeGreaterThanOrEqual(10);
      expect(accepted).toBeLessThanOrEqual(10 + Math.ceil(elapsed * 10) + 1);
      expect(limited.length).toBeGreaterThan(0);
      for (const a of limited) {
        expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
        expect(a.type).toContain("application/problem+json");
      }
      const [row] = await stack.sql<
        { n: number }[]
      >`SELECT count(*)::int AS n FROM events WHERE source_id = ${src.id}`;
      expect(row?.n).toBe(accepted);
      const metric = (text: string) =>
        Number(
          text.match(
            /hookbox_ingest_requests_total\{[^}]*source="limited"[^}]*result="rate_limited"[^}]*\} (\d+)/,
          )?.[1] ?? 0,
        );
      const both =
        metric(await stack.scrape()) +
        metric(await (await createMetricsApp(replica).request("/metrics")).text());
      expect(both).toBe(limited.length);

      // A second later the bucket has refilled.
      await new Promise((r) => setTimeout(r, 1_100));
      expect((await post(stack.app, "limited", "lim-secret")).status).toBe(202);
    } finally {
      await replica.close();
    }
  });
});

describe("backlog", () => {
  it("over INGEST_MAX_BACKLOG waiting jobs (no workers): 429; after workers drain: 202 again", async () => {
    await stack.createSource({
      slug: "backlogged",
      scheme: "hmac-sha256",
      secret: "bl-secret",
      handlers: [{ name: "log" }],
    });
    // Accepted until the backlog gauge (refreshed every 500 ms, so no Redis call per request) sees
    // more than INGEST_MAX_BACKLOG waiting jobs — the earlier test's jobs count too (no worker
    // runs) — then refused. Nothing but 202 before the first 429.
    const answers: number[] = [];
    const refused = await waitFor(
      async () => {
        const a = await post(stack.app, "backlogged", "bl-secret");
        answers.push(a.status);
        return a.status === 429 ? a : undefined;
      },
      { timeoutMs: 5_000, intervalMs: 20, what: "a 429" },
    );
    expect(answers.slice(0, -1).every((status) => status === 202)).toBe(true);
    const waiting = await countWaitingEvents(stack.api.queues);
    expect(waiting).toBeGreaterThan(20);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);

    await stack.startWorker();
    await waitFor(
      async () => ((await post(stack.app, "backlogged", "bl-secret")).status === 202 ? true : undefined),
      {
        timeoutMs: 15_000,
        intervalMs: 200,
        what: "202 after the drain",
      },
    );
  });
});
