import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStack, type Stack, startReceiver, subscribe, waitFor, waitForStatus } from "../src/index.ts";

let stack: Stack;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let subscriber: Awaited<ReturnType<typeof subscribe>>;

beforeAll(async () => {
  stack = await createStack("pipeline", { MAX_ATTEMPTS: "3" });
  receiver = await startReceiver();
  subscriber = await subscribe(stack.env.REDIS_URL as string, "hookbox.pipe-*");
  await stack.startWorker();
});
afterAll(async () => {
  await subscriber?.close();
  await receiver?.close();
  await stack?.close();
});

async function sourceWith(slug: string, url: string) {
  return stack.createSource({
    slug,
    scheme: "hmac-sha256",
    secret: `${slug}-secret`,
    handlers: [{ name: "forward", config: { url, timeoutMs: 2000 } }],
  });
}

async function send(slug: string, body: string, headers: Record<string, string> = {}) {
  const { code, id } = await stack.deliver(slug, `${slug}-secret`, body, headers);
  expect(code).toBe(202);
  return id;
}

function attemptsOf(id: string) {
  return stack.sql<{ handler: string; attempt: number; outcome: string }[]>`
    SELECT handler, attempt, outcome FROM attempts WHERE event_id = ${id} ORDER BY id`;
}

describe("a signed delivery with a forward handler", () => {
  it("ends completed; the receiver got the exact bytes; the completion was published", async () => {
    await sourceWith("pipe-ok", receiver.url);
    const body = JSON.stringify({ type: "invoice.paid", id: "evt_1", note: "ünïcødé" });
    const id = await send("pipe-ok", body, { "content-type": "application/vnd.test+json" });
    const row = await waitForStatus(stack.sql, id, "completed");
    expect(row.attempt_count).toBe(1);

    const got = receiver.requests.find((r) => r.headers["x-hookbox-event-id"] === id);
    expect(got?.body.equals(Buffer.from(body))).toBe(true);
    expect(got?.headers["content-type"]).toBe("application/vnd.test+json");

    const message = await waitFor(() => subscriber.messages.find((m) => m.message.id === id), {
      what: "completion",
    });
    expect(message.channel).toBe("hookbox.pipe-ok.invoice.paid.completed");
    expect(message.message).toMatchObject({
      id,
      source: "pipe-ok",
      type: "invoice.paid",
      status: "completed",
      attempts: 1,
      tenantId: expect.any(String),
      receivedAt: expect.any(String),
      completedAt: expect.any(String),
      durationMs: expect.any(Number),
    });
    expect(await attemptsOf(id)).toEqual([{ handler: "forward", attempt: 1, outcome: "success" }]);
  });
});

describe("retries", () => {
  it("receiver fails twice then succeeds → completed with 3 attempts", async () => {
    const flaky = await startReceiver((n) => (n <= 2 ? 500 : 200));
    try {
      await sourceWith("pipe-flaky", flaky.url);
      const id = await send("pipe-flaky", JSON.stringify({ type: "t" }));
      const row = await waitForStatus(stack.sql, id, "completed");
      expect(row.attempt_count).toBe(3);
      expect(row.last_error).toBeNull();
      expect(flaky.requests).toHaveLength(3);
      expect((await attemptsOf(id)).map((a) => a.outcome)).toEqual(["error", "error", "success"]);
    } finally {
      await flaky.close();
    }
  });

  it("always fails → dead after MAX_ATTEMPTS, published on .dead exactly once", async () => {
    const broken = await startReceiver(() => 503);
    try {
      await sourceWith("pipe-dead", broken.url);
      const id = await send("pipe-dead", JSON.stringify({ type: "x.y" }));
      const row = await waitForStatus(stack.sql, id, "dead");
      expect(row.attempt_count).toBe(3);
      expect(row.last_error).toContain("answered 503");
      expect(broken.requests).toHaveLength(3);
      await new Promise((r) => setTimeout(r, 500)); // would a second dead message arrive?
      const dead = subscriber.messages.filter((m) => m.message.id === id);
      expect(dead).toHaveLength(1);
      expect(dead[0]?.channel).toBe("hookbox.pipe-dead.x.y.dead");
      expect(dead[0]?.message.status).toBe("dead");
      // BullMQ has failed the job; nothing is left to retry it.
      const job = await stack.api.queues[0].getJob(id);
      expect(await job?.getState()).toBe("failed");
    } finally {
      await broken.close();
    }
  });

  it("a handler that already succeeded is not run again on a retry", async () => {
    const flaky = await startReceiver((n) => (n === 1 ? 500 : 200));
    try {
      await stack.createSource({
        slug: "pipe-mixed",
        scheme: "hmac-sha256",
        secret: "pipe-mixed-secret",
        handlers: [
          { name: "log", config: {} },
          { name: "forward", config: { url: flaky.url } },
        ],
      });
      const id = await send("pipe-mixed", JSON.stringify({ type: "m" }));
      await waitForStatus(stack.sql, id, "completed");
      expect(await attemptsOf(id)).toEqual([
        { handler: "log", attempt: 1, outcome: "success" },
        { handler: "forward", attempt: 1, outcome: "error" },
        { handler: "forward", attempt: 2, outcome: "success" },
      ]);
    } finally {
      await flaky.close();
    }
  });
});
