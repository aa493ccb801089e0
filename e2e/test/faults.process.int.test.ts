import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  createStack,
  eventRow,
  type Spawned,
  spawnService,
  startPrivateRedis,
  startReceiver,
  waitFor,
  waitForStatus,
} from "../src/index.ts";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

function killOnCleanup(p: Spawned) {
  cleanups.push(async () => {
    if (p.child.exitCode === null) {
      p.child.kill("SIGKILL");
      await p.exited;
    }
  });
  return p;
}

describe("Redis down at ingest", () => {
  it("answers 202 at once (the row is durable), the row goes back to received, and completes once Redis is back", async () => {
    const redis = await startPrivateRedis();
    cleanups.push(() => redis.stop());
    const stack = await createStack("redis_down", { REDIS_URL: redis.url });
    cleanups.push(() => stack.close());
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    await stack.startWorker();
    await stack.createSource({
      slug: "rd",
      scheme: "hmac-sha256",
      secret: "rd-secret",
      handlers: [{ name: "forward", config: { url: receiver.url } }],
    });

    const before = await stack.deliver("rd", "rd-secret");
    expect(before).toMatchObject({ code: 202, status: "queued" });
    await waitForStatus(stack.sql, before.id, "completed");

    await redis.stop();
    const started = Date.now();
    const during = await stack.deliver("rd", "rd-secret");
    expect(Date.now() - started).toBeLessThan(2_000);
    // The 202 answers once the row is committed (`queued`); it does not wait for Redis.
    expect(during).toMatchObject({ code: 202, status: "queued" });
    // The enqueue after it fails: the row goes back to `received`, the reconciler's to-do list.
    await waitForStatus(stack.sql, during.id, "received", 5_000);

    await redis.start();
    await waitForStatus(stack.sql, during.id, "completed", 20_000);
    expect(receiver.requests.filter((r) => r.headers["x-hookbox-event-id"] === during.id)).toHaveLength(1);
  });
});

describe("Redis stalled at ingest (CLIENT PAUSE)", () => {
  it("the 202 does not wait for Redis; the event completes after Redis answers again", async () => {
    const redis = await startPrivateRedis();
    cleanups.push(() => redis.stop());
    // An enqueue timeout longer than the answer may take: only an answer that does not wait passes.
    const stack = await createStack("redis_stalled", { REDIS_URL: redis.url, ENQUEUE_TIMEOUT_MS: "1500" });
    cleanups.push(() => stack.close());
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    await stack.startWorker();
    await stack.createSource({
      slug: "rs",
      scheme: "hmac-sha256",
      secret: "rs-secret",
      handlers: [{ name: "forward", config: { url: receiver.url } }],
    });
    await waitForStatus(stack.sql, (await stack.deliver("rs", "rs-secret")).id, "completed");

    const admin = new Redis(redis.url);
    cleanups.push(async () => admin.disconnect());
    await admin.call("CLIENT", "PAUSE", "3000", "ALL");
    const started = Date.now();
    const during = await stack.deliver("rs", "rs-secret");
    const answeredInMs = Date.now() - started;
    expect(during).toMatchObject({ code: 202, status: "queued" });
    expect(answeredInMs).toBeLessThan(500);
    expect((await eventRow(stack.sql, during.id))?.status).toBe("queued");

    // Paused past ENQUEUE_TIMEOUT_MS: the row goes back to `received`, then the reconciler
    // enqueues it once Redis answers, and it completes exactly once.
    await waitForStatus(stack.sql, during.id, "completed", 20_000);
    expect(receiver.requests.filter((r) => r.headers["x-hookbox-event-id"] === during.id)).toHaveLength(1);
  });
});

describe("worker processes", () => {
  it("a worker SIGKILLed during a slow handler: the event still completes on another worker", async () => {
    const stack = await createStack("worker_kill");
    cleanups.push(() => stack.close());
    const receiver = await startReceiver(async (n) => {
      if (n === 1) await new Promise((r) => setTimeout(r, 5_000));
      return 200;
    });
    cleanups.push(() => receiver.close());
    await stack.createSource({
      slug: "slow",
      scheme: "hmac-sha256",
      secret: "slow-secret",
      handlers: [{ name: "forward", config: { url: receiver.url, timeoutMs: 10_000 } }],
    });

    const first = killOnCleanup(spawnService("worker", stack.env));
    await first.ready;
    const { id } = await stack.deliver("slow", "slow-secret");
    await waitFor(() => (receiver.requests.length >= 1 ? true : undefined), { what: "the slow request" });
    first.child.kill("SIGKILL");
    await first.exited;
    expect((await eventRow(stack.sql, id))?.status).toBe("processing");

    const second = killOnCleanup(spawnService("worker", stack.env));
    await second.ready;
    const row = await waitForStatus(stack.sql, id, "completed", 20_000);
    expect(row.attempt_count).toBe(2);
    expect(receiver.requests.length).toBeGreaterThanOrEqual(2);
  });

  it("SIGTERM: the worker finishes its active job, exits 0, nothing is lost", async () => {
    const stack = await createStack("worker_term");
    cleanups.push(() => stack.close());
    const receiver = await startReceiver(async () => {
      await new Promise((r) => setTimeout(r, 1_000));
      return 200;
    });
    cleanups.push(() => receiver.close());
    await stack.createSource({
      slug: "term",
      scheme: "hmac-sha256",
      secret: "term-secret",
      handlers: [{ name: "forward", config: { url: receiver.url } }],
    });

    const worker = killOnCleanup(spawnService("worker", stack.env));
    await worker.ready;
    const { id } = await stack.deliver("term", "term-secret");
    await waitFor(() => (receiver.requests.length >= 1 ? true : undefined), { what: "the request" });
    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
    const row = await eventRow(stack.sql, id);
    expect(row?.status).toBe("completed");
    expect(receiver.requests).toHaveLength(1);
  });
});

describe("configuration", () => {
  it.each([
    { pkg: "api", bad: { PORT: "not-a-port" }, name: "PORT" },
    { pkg: "worker", bad: { WORKER_CONCURRENCY: "0" }, name: "WORKER_CONCURRENCY" },
    { pkg: "api", bad: { NODE_ENV: "production", ADMIN_API_KEY: "" }, name: "ADMIN_API_KEY" },
  ] as { pkg: "api" | "worker"; bad: Record<string, string>; name: string }[])(
    "$pkg with a bad $name exits 1 naming it",
    async ({ pkg, bad, name }) => {
      const p = killOnCleanup(spawnService(pkg, { DATABASE_URL: "postgres://127.0.0.1:1/none", ...bad }));
      expect(await p.exited).toBe(1);
      const text = p.output.join("\n");
      expect(text).toContain("Invalid configuration");
      expect(text).toContain(name);
    },
  );
});
