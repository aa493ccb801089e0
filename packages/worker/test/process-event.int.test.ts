import { defineHandler, NonRetriableError } from "@hookbox/sdk";
import { enqueueEvent, type HandlerSpecInput } from "@hookbox/shared";
import { DelayedError, UnrecoverableError } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RELEASE_DELAY_MS } from "../src/hand-back.ts";
import { processEvent } from "../src/process-event.ts";
import { RetryLaterError } from "../src/retry-policy.ts";
import {
  alertsOf,
  attemptsOf,
  codeHandler,
  counterValue,
  createManualWorker,
  createTestWorker,
  type ManualWorker,
  type TestWorker,
} from "./helpers.ts";

/** Event ids each code handler was called with. */
const calls: Record<string, string[]> = { ok: [], failing: [], fatal: [] };

const handlers = [
  defineHandler({
    id: "ok",
    handle: async ({ event }) => {
      calls.ok?.push(event.id);
    },
  }),
  defineHandler({
    id: "failing",
    handle: async ({ event }) => {
      calls.failing?.push(event.id);
      throw new Error("upstream answered 502");
    },
  }),
  defineHandler({
    id: "fatal",
    handle: async ({ event }) => {
      calls.fatal?.push(event.id);
      throw new NonRetriableError("order does not exist");
    },
  }),
].map(codeHandler);

let w: TestWorker;
let jobs: ManualWorker;

beforeAll(async () => {
  w = await createTestWorker("worker-process", { codeHandlers: handlers });
  jobs = createManualWorker(w.deps);
});
afterAll(async () => {
  await jobs?.close();
  await w?.close();
});

/** A source with these handlers, one queued event of it, and its job taken by a worker. */
async function delivered(specs: HandlerSpecInput[], eventType = "order.paid") {
  const { id: sourceId } = await w.createSource(specs);
  const id = await w.insertEvent(sourceId, { eventType });
  await enqueueEvent(w.deps.queues, { id, run: 0 });
  const { job, token } = await jobs.take(id);
  return { id, job, token };
}

describe("processEvent", () => {
  it("runs every handler key and completes the event", async () => {
    const { id, job, token } = await delivered([{ name: "ok" }, { name: "ok", key: "ok-again" }]);

    expect(await processEvent(w.deps, job, token)).toBe("completed");

    expect(await w.event(id)).toMatchObject({ status: "completed", attemptCount: 1, lastError: null });
    expect(await attemptsOf(w.deps, id)).toEqual([
      { handler: "ok", attempt: 1, outcome: "success", error: null, nextAttemptAt: null },
      { handler: "ok-again", attempt: 1, outcome: "success", error: null, nextAttemptAt: null },
    ]);
    expect(calls.ok?.filter((e) => e === id)).toHaveLength(2);
  });

  it("records a key whose events exclude the type as filtered, and completes", async () => {
    const { id, job, token } = await delivered(
      [
        { name: "ok", key: "invoices", events: ["invoice.*"] },
        { name: "ok", key: "orders", events: ["order.*"] },
      ],
      "order.paid",
    );

    expect(await processEvent(w.deps, job, token)).toBe("completed");

    expect(await w.event(id)).toMatchObject({ status: "completed" });
    const [invoices, orders] = await attemptsOf(w.deps, id);
    expect(invoices).toMatchObject({ handler: "invoices", outcome: "filtered" });
    expect(invoices?.error).toContain("order.paid");
    expect(orders).toMatchObject({ handler: "orders", outcome: "success" });
    expect(calls.ok?.filter((e) => e === id)).toHaveLength(1);
  });

  it("retries a failing key at its own next attempt time; the key that succeeded stays done", async () => {
    const { id, job, token } = await delivered([{ name: "ok" }, { name: "failing" }]);

    const error = await processEvent(w.deps, job, token).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RetryLaterError);
    expect((error as RetryLaterError).message).toBe("failing: upstream answered 502");
    const row = await w.event(id);
    expect(row).toMatchObject({ status: "retrying", lastError: "failing: upstream answered 502" });
    const [failing, ok] = await attemptsOf(w.deps, id);
    expect(ok).toMatchObject({ handler: "ok", outcome: "success" });
    expect(failing).toMatchObject({ handler: "failing", attempt: 1, outcome: "error" });
    expect(failing?.nextAttemptAt).toBeInstanceOf(Date);
    expect(row.nextAttemptAt).toEqual(failing?.nextAttemptAt);
    // BullMQ's delay is the time stored on the row.
    const delayMs = (error as RetryLaterError).delayMs;
    expect(Math.abs(Date.now() + delayMs - (row.nextAttemptAt?.getTime() ?? 0))).toBeLessThan(1_000);
  });

  it("dead-letters the event when a key throws NonRetriableError, with one alert", async () => {
    const { id, job, token } = await delivered([{ name: "ok" }, { name: "fatal" }]);

    const error = await processEvent(w.deps, job, token).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnrecoverableError);
    expect(await w.event(id)).toMatchObject({
      status: "dead",
      lastError: "fatal: order does not exist",
      completedAt: expect.any(Date),
    });
    expect(await attemptsOf(w.deps, id)).toMatchObject([
      { handler: "fatal", outcome: "error", error: "order does not exist" },
      { handler: "ok", outcome: "success" },
    ]);
    expect(await alertsOf(w.deps, id)).toEqual([
      expect.objectContaining({
        kind: "dead_letter",
        message: expect.stringContaining("order does not exist"),
      }),
    ]);
  });

  it("releases an event whose handler is not deployed here: job delayed, row queued, no attempt spent", async () => {
    const { id, job, token } = await delivered([{ name: "ok" }, { name: "not-deployed", key: "later" }]);
    const unavailable = await counterValue(w.deps.metrics.handlerUnavailable);
    const before = Date.now();

    const error = await processEvent(w.deps, job, token).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DelayedError);
    const moved = await w.deps.queues[0].getJob(id);
    expect(await moved?.getState()).toBe("delayed");
    expect(moved?.attemptsMade).toBe(0);
    // The delayed set's score is the time the job becomes waiting again (ms · 0x1000 + a counter).
    const score = Number(await w.deps.redis.zscore(`${w.deps.config.redisPrefix}:events:delayed`, id));
    const dueAt = Math.floor(score / 0x1000);
    expect(dueAt).toBeGreaterThanOrEqual(before + RELEASE_DELAY_MS);
    expect(dueAt).toBeLessThanOrEqual(Date.now() + RELEASE_DELAY_MS);
    const row = await w.event(id);
    expect(row).toMatchObject({ status: "queued", attemptCount: 0 });
    expect(row.lastError).toContain(`handler "not-deployed"`);
    expect(row.lastError).toContain(w.deps.workerId);
    // Nothing ran: not even the key this worker has.
    expect(await attemptsOf(w.deps, id)).toEqual([]);
    expect(calls.ok).not.toContain(id);
    expect(await counterValue(w.deps.metrics.handlerUnavailable)).toBe(unavailable + 1);
  });

  it("does nothing for an event that is already settled", async () => {
    const { id, job, token } = await delivered([{ name: "ok" }]);
    await w.deps.sql`UPDATE events SET status = 'completed' WHERE id = ${id}`;

    expect(await processEvent(w.deps, job, token)).toBe("skipped");

    expect(calls.ok).not.toContain(id);
  });
});
