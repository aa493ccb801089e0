import { createTestDatabase } from "@hookbox/shared/testing";
import { Redis } from "ioredis";
import postgres from "postgres";
import { afterEach, describe, expect, it } from "vitest";
import {
  type ProcessStack,
  startPrivatePostgres,
  startPrivateRedis,
  startProcessStack,
  startReceiver,
  steadyLoad,
  tally,
  waitFor,
} from "../src/index.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function sourceOn(stack: ProcessStack, slug: string, url: string) {
  const res = await stack.call("POST", "/v1/sources", {
    slug,
    scheme: "hmac-sha256",
    secret: `${slug}-secret`,
    handlers: [{ name: "forward", config: { url } }],
  });
  expect(res.status).toBe(201);
}

describe("Postgres stopped during steady load", () => {
  it("answers only 202 or 503 (fast), keeps every 202, recovers without a restart", async () => {
    const pg = await startPrivatePostgres();
    cleanups.push(() => pg.destroy());
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    const stack = await startProcessStack("pg_outage", pg.url);
    cleanups.push(() => stack.stop());
    await stack.startWorker();
    await sourceOn(stack, "pgo", receiver.url);

    const readiness: number[] = [];
    const results = await steadyLoad({
      base: stack.base,
      slug: "pgo",
      secret: "pgo-secret",
      perSecond: 40,
      durationMs: 7_000,
      onTick: async (t) => {
        if (t >= 1_500 && readiness.length === 0) {
          pg.stop();
          readiness.push((await fetch(`${stack.base}/health/ready`)).status);
        }
        if (t >= 4_000 && readiness.length === 1) {
          pg.start();
          readiness.push(0);
        }
      },
    });
    const counts = tally(results);
    if (counts[0])
      console.log(results.filter((r) => r.status === 0).slice(0, 3), stack.api.output.slice(-15).join("\n"));
    expect(Object.keys(counts).map(Number).sort()).toEqual([202, 503]);
    expect(counts[503]).toBeGreaterThan(10); // the outage was real
    expect(readiness[0]).toBe(503);
    // Never hung: the slowest answer during the outage came within ~2 s.
    expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(2_600);
    if (process.env.SHOW_LOAD) console.log(results.map((r) => `${r.at}:${r.status}:${r.ms}`).join(" "));
    // Recovered by itself: the last second of load was all 202.
    expect(results.filter((r) => r.at > 6_000).every((r) => r.status === 202)).toBe(true);
    expect((await fetch(`${stack.base}/health/ready`)).status).toBe(200);

    // Every 202 has its row, and the worker (which also lived through the outage) completed it.
    const accepted = results.filter((r) => r.status === 202).map((r) => r.id as string);
    const sql = postgres(pg.url, { max: 1 });
    cleanups.push(() => sql.end());
    await waitFor(
      async () => {
        const [row] = await sql<{ n: number }[]>`
          SELECT count(*)::int AS n FROM events WHERE id = ANY(${sql.array(accepted)}::uuid[]) AND status = 'completed'`;
        return row?.n === accepted.length ? true : undefined;
      },
      { timeoutMs: 30_000, what: "every accepted event completed" },
    );
    const [rows] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM events`;
    expect(rows?.n).toBe(accepted.length); // and nothing that was answered 503 was stored
  });
});

describe("Redis paused, then stopped, during steady load", () => {
  it("no 5xx; every accepted event completes once after recovery", async () => {
    const redis = await startPrivateRedis();
    cleanups.push(() => redis.stop());
    const db = await createTestDatabase("redis_outage");
    cleanups.push(() => db.drop());
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    const stack = await startProcessStack("redis_outage", db.url, { REDIS_URL: redis.url });
    cleanups.push(() => stack.stop());
    await stack.startWorker();
    await sourceOn(stack, "rdo", receiver.url);

    const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    admin.on("error", () => {});
    cleanups.push(() => admin.disconnect());
    const phases: string[] = [];
    const results = await steadyLoad({
      base: stack.base,
      slug: "rdo",
      secret: "rdo-secret",
      perSecond: 40,
      durationMs: 8_000,
      onTick: async (t) => {
        if (t >= 1_000 && !phases.includes("pause")) {
          phases.push("pause");
          await admin.call("CLIENT", "PAUSE", "2000", "ALL");
        }
        if (t >= 3_500 && !phases.includes("stop")) {
          phases.push("stop");
          await redis.stop();
        }
        if (t >= 5_000 && !phases.includes("start")) {
          phases.push("start");
          await redis.start();
        }
      },
    });
    const counts = tally(results);
    expect(Object.keys(counts)).toEqual(["202"]); // no 5xx, nothing refused
    // During the pause, ingest answered within the enqueue timeout (300 ms here), not after the pause.
    const paused = results.filter((r) => r.at >= 1_100 && r.at < 2_800);
    expect(paused.length).toBeGreaterThan(20);
    expect(Math.max(...paused.map((r) => r.ms))).toBeLessThan(1_500);

    const accepted = results.map((r) => r.id as string);
    await waitFor(
      async () => {
        const [row] = await db.database.sql<{ n: number }[]>`
          SELECT count(*)::int AS n FROM events WHERE status = 'completed'`;
        return row?.n === accepted.length ? true : undefined;
      },
      { timeoutMs: 40_000, what: "every accepted event completed" },
    );
    // One job per row: each event reached the receiver once and has one successful attempt.
    for (const id of accepted) {
      expect(receiver.requests.filter((r) => r.headers["x-hookbox-event-id"] === id)).toHaveLength(1);
    }
    const [attempts] = await db.database.sql<
      { n: number }[]
    >`SELECT count(*)::int AS n FROM attempts WHERE outcome = 'success'`;
    expect(attempts?.n).toBe(accepted.length);
  });
});
