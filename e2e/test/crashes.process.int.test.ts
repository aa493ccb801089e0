import { createEventQueues, createLogger, createProducerRedis, findEventJob } from "@hookbox/shared";
import { createTestDatabase, type TestDatabase } from "@hookbox/shared/testing";
import { afterEach, describe, expect, it } from "vitest";
import { signDelivery, startProcessStack, startReceiver, steadyLoad, tally, waitFor } from "../src/index.ts";

const silent = createLogger("silent");
const POLICY = { maxAttempts: 8, baseDelayMs: 1_000, maxDelayMs: 60_000 };
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function database(label: string): Promise<TestDatabase> {
  const db = await createTestDatabase(label);
  cleanups.push(() => db.drop());
  return db;
}

describe("worker killed twice on the same slow job", () => {
  it("is neither lost nor stuck in processing: a third worker completes it", async () => {
    const db = await database("kill_twice");
    const receiver = await startReceiver(async (n) => {
      if (n <= 2) await new Promise((r) => setTimeout(r, 6_000)); // the first two runs hang
      return 200;
    });
    cleanups.push(() => receiver.close());
    const stack = await startProcessStack("kill_twice", db.url);
    cleanups.push(() => stack.stop());
    await stack.call("POST", "/v1/sources", {
      slug: "slow",
      scheme: "hmac-sha256",
      secret: "slow-secret",
      handlers: [{ name: "forward", config: { url: receiver.url, timeoutMs: 20_000 } }],
    });
    const body = "{}";
    const res = await fetch(`${stack.base}/in/slow`, {
      method: "POST",
      headers: signDelivery("hmac-sha256", { body, secret: "slow-secret" }),
      body,
    });
    const { id } = (await res.json()) as { id: string };

    for (const n of [1, 2]) {
      const worker = await stack.startWorker();
      await waitFor(() => (receiver.requests.length >= n ? true : undefined), {
        timeoutMs: 15_000,
        what: `run ${n}`,
      });
      worker.child.kill("SIGKILL");
      await worker.exited;
    }
    const [stuck] = await db.database.sql`SELECT status FROM events WHERE id = ${id}`;
    expect(stuck?.status).toBe("processing");

    await stack.startWorker();
    await waitFor(
      async () => {
        const [row] = await db.database.sql<{ status: string; attempt_count: number }[]>`
          SELECT status, attempt_count FROM events WHERE id = ${id}`;
        return row?.status === "completed" ? row : undefined;
      },
      { timeoutMs: 20_000, what: "completed after two crashes" },
    );
    const [row] = await db.database.sql`SELECT attempt_count FROM events WHERE id = ${id}`;
    expect(row?.attempt_count).toBe(3);
    expect(receiver.requests).toHaveLength(3);
    const [alerts] = await db.database.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM alerts`;
    expect(alerts?.n).toBe(0); // not dead-lettered
  });
});

describe("api SIGTERM under load", () => {
  it("readiness 503 first, in-flight requests finish, zero 5xx, every 2xx persisted, exit 0", async () => {
    const db = await database("api_term");
    const stack = await startProcessStack("api_term", db.url, { SHUTDOWN_GRACE_MS: "1000" });
    cleanups.push(() => stack.stop());
    await stack.call("POST", "/v1/sources", {
      slug: "term",
      scheme: "hmac-sha256",
      secret: "term-secret",
      handlers: [{ name: "log" }],
    });

    let readyDuringGrace = 0;
    let signalled = false;
    let signalledAt = 0;
    let exitedAt = 0;
    void stack.api.exited.then(() => {
      exitedAt = Date.now();
    });
    // The load goes on after the signal, on keep-alive connections: the process must still exit.
    const results = await steadyLoad({
      base: stack.base,
      slug: "term",
      secret: "term-secret",
      perSecond: 100,
      durationMs: 5_000,
      onTick: async (t) => {
        if (t >= 1_000 && !signalled) {
          signalled = true;
          signalledAt = Date.now();
          stack.api.child.kill("SIGTERM");
          await new Promise((r) => setTimeout(r, 100));
          readyDuringGrace = (await fetch(`${stack.base}/health/ready`)).status;
        }
      },
    });
    expect(await stack.api.exited).toBe(0);
    expect(exitedAt - signalledAt).toBeLessThan(1_000 + 2_000); // grace + draining, while load went on
    expect(readyDuringGrace).toBe(503);
    const counts = tally(results);
    // Answers are 202 (before and during the grace period) or no answer at all (refused after close).
    expect(Object.keys(counts).filter((s) => s !== "202" && s !== "0")).toEqual([]);
    expect(counts[202]).toBeGreaterThan(150);
    expect(results.filter((r) => r.status === 202 && r.at > 1_000).length).toBeGreaterThan(50); // served during the grace
    const accepted = results.filter((r) => r.status === 202).map((r) => r.id as string);
    const [row] = await db.database.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM events WHERE id = ANY(${db.database.sql.array(accepted)}::uuid[])`;
    expect(row?.n).toBe(accepted.length);
    // No worker ran: every acknowledged delivery's job is in Redis, waiting. The 202s did not wait
    // for their enqueues; the shutdown flushed the ones still pending before it closed Redis.
    const redis = createProducerRedis(stack.env.REDIS_URL as string, silent);
    const queues = createEventQueues([redis], stack.env.REDIS_PREFIX as string, POLICY, silent);
    try {
      const missing: string[] = [];
      for (const id of accepted) if (!(await findEventJob(queues, id, 0))) missing.push(id);
      expect(missing).toEqual([]);
    } finally {
      await Promise.all(queues.map((q) => q.close()));
      redis.disconnect();
    }
  });
});
