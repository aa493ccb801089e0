import { type AttemptRow, type CompletionMessage, completionPattern } from "@hookbox/shared";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClaimedEvent } from "../src/claim-event.ts";
import { completeEvent, killEvent, releaseEvent, retryEvent } from "../src/settle.ts";
import { alertsOf, attemptsOf, counterValue, createTestWorker, type TestWorker } from "./helpers.ts";

let w: TestWorker;
let sourceId: string;
let slug: string;
let subscriber: Redis;
const messages: CompletionMessage[] = [];

beforeAll(async () => {
  w = await createTestWorker("worker-settle");
  ({ id: sourceId, slug } = await w.createSource([{ name: "log" }]));
  subscriber = new Redis(w.deps.config.redisUrl);
  subscriber.on("pmessage", (_pattern, _channel, message) => messages.push(JSON.parse(message)));
  await subscriber.psubscribe(completionPattern(slug));
});
afterAll(async () => {
  subscriber?.disconnect();
  await w?.close();
});

/** A queued event of the test source, claimed (processing, one attempt counted). */
async function claimed(row: Parameters<TestWorker["insertEvent"]>[1] = {}): Promise<ClaimedEvent> {
  const event = await w.deps.claimer.claim(await w.insertEvent(sourceId, row));
  if (!event) throw new Error("not claimed");
  return event;
}

function attempt(
  event: ClaimedEvent,
  outcome: AttemptRow["outcome"],
  extra: Partial<AttemptRow> = {},
): AttemptRow {
  const now = new Date();
  return {
    tenant_id: event.tenantId,
    event_id: event.id,
    handler: "log",
    attempt: 1,
    run: event.run,
    started_at: now,
    finished_at: now,
    outcome,
    error: outcome === "success" ? null : "boom",
    duration_ms: 3,
    next_attempt_at: null,
    ...extra,
  };
}

async function published(id: string): Promise<CompletionMessage[]> {
  // Pub/sub delivery is asynchronous: give the message a moment to arrive.
  for (let i = 0; i < 40 && !messages.some((m) => m.id === id); i++)
    await new Promise((r) => setTimeout(r, 25));
  return messages.filter((m) => m.id === id);
}

describe("complete", () => {
  it("completes the events of one batch with their attempts, and publishes each once", async () => {
    const a = await claimed({ lastError: "an earlier failure" });
    const b = await claimed();

    await Promise.all([
      completeEvent(w.deps, a, [attempt(a, "success")]),
      completeEvent(w.deps, b, [attempt(b, "success")]),
    ]);

    for (const event of [a, b]) {
      expect(await w.event(event.id)).toMatchObject({
        status: "completed",
        lastError: null,
        completedAt: expect.any(Date),
      });
      expect(await attemptsOf(w.deps, event.id)).toEqual([
        { handler: "log", attempt: 1, outcome: "success", error: null, nextAttemptAt: null },
      ]);
      expect(await published(event.id)).toEqual([
        expect.objectContaining({ id: event.id, source: slug, status: "completed", attempts: 1 }),
      ]);
    }
  });

  it("lets only the first of two completions of one event in a batch through", async () => {
    const event = await claimed();

    const [first, twin] = await Promise.all([
      w.deps.completer.complete(event.id, [attempt(event, "success")]),
      w.deps.completer.complete(event.id.toUpperCase(), [attempt(event, "success", { attempt: 2 })]),
    ]);

    expect(first).toMatchObject({ id: event.id, completedAt: expect.any(Date) });
    expect(twin).toBeNull();
    expect(await w.event(event.id)).toMatchObject({ status: "completed" });
  });

  it("does not complete an event that is no longer processing", async () => {
    const event = await claimed();
    await w.deps.sql`UPDATE events SET status = 'dead' WHERE id = ${event.id}`;

    expect(await w.deps.completer.complete(event.id, [attempt(event, "success")])).toBeNull();
    expect(await w.event(event.id)).toMatchObject({ status: "dead" });
  });
});

describe("retry", () => {
  it("records the attempt, the error and the next attempt's time", async () => {
    const event = await claimed();
    const retryAt = new Date(Date.now() + 60_000);

    await retryEvent(w.deps, event, "log: boom", retryAt, [
      attempt(event, "error", { next_attempt_at: retryAt }),
    ]);

    expect(await w.event(event.id)).toMatchObject({
      status: "retrying",
      lastError: "log: boom",
      nextAttemptAt: retryAt,
      completedAt: null,
    });
    expect(await attemptsOf(w.deps, event.id)).toEqual([
      { handler: "log", attempt: 1, outcome: "error", error: "boom", nextAttemptAt: retryAt },
    ]);
    expect(await published(event.id)).toEqual([]);
  });

  it("keeps the last error when nothing failed in this pass (a key was not due yet)", async () => {
    const event = await claimed({ status: "retrying", lastError: "log: earlier" });
    const retryAt = new Date(Date.now() + 30_000);

    await retryEvent(w.deps, event, undefined, retryAt, []);

    expect(await w.event(event.id)).toMatchObject({
      status: "retrying",
      lastError: "log: earlier",
      nextAttemptAt: retryAt,
    });
  });
});

describe("kill", () => {
  it("dead-letters once, with one alert, however often it is called", async () => {
    const event = await claimed();
    const before = await counterValue(w.deps.metrics.deadEvents);
    const attempts = [attempt(event, "error", { error: "nope" })];

    const results = await Promise.all([
      killEvent(w.deps, event, "log: nope", attempts),
      killEvent(w.deps, event, "log: nope", attempts),
    ]);
    const again = await killEvent(w.deps, event, "log: nope", attempts);

    expect(results.sort()).toEqual([false, true]);
    expect(again).toBe(false);
    expect(await w.event(event.id)).toMatchObject({
      status: "dead",
      lastError: "log: nope",
      completedAt: expect.any(Date),
    });
    const alerts = await alertsOf(w.deps, event.id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.kind).toBe("dead_letter");
    expect(alerts[0]?.message).toContain(`Event ${event.id} from source "${slug}" (order.paid) is dead`);
    expect(await counterValue(w.deps.metrics.deadEvents)).toBe(before + 1);
    expect(await published(event.id)).toEqual([expect.objectContaining({ status: "dead" })]);
  });
});

describe("release", () => {
  it("undoes the claim: back to queued, the attempt not counted, the reason shown", async () => {
    const event = await claimed({ attemptCount: 2, ageMs: 60_000 });
    const queuedBefore = (await w.event(event.id)).queuedAt;
    expect(event.attemptCount).toBe(3);

    await releaseEvent(w.deps, event, "handler not deployed here");

    const row = await w.event(event.id);
    expect(row).toMatchObject({ status: "queued", attemptCount: 2, lastError: "handler not deployed here" });
    expect(row.queuedAt?.getTime()).toBeGreaterThan(queuedBefore?.getTime() ?? 0);
    expect(await attemptsOf(w.deps, event.id)).toEqual([]);
  });

  it("changes nothing once the event has left processing", async () => {
    const event = await claimed();
    await completeEvent(w.deps, event, [attempt(event, "success")]);

    await releaseEvent(w.deps, event, "too late");

    expect(await w.event(event.id)).toMatchObject({ status: "completed", attemptCount: 1, lastError: null });
  });
});
