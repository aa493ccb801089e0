import type { EventStatus } from "@hookbox/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClaimedEvent, claimEvents, createEventClaimer } from "../src/claim-event.ts";
import { createTestWorker, type TestWorker } from "./helpers.ts";

let w: TestWorker;
let sourceId: string;

beforeAll(async () => {
  w = await createTestWorker("worker-claim");
  ({ id: sourceId } = await w.createSource([{ name: "log" }, { name: "log", key: "audit" }]));
});
afterAll(async () => {
  await w?.close();
});

describe("claim", () => {
  it.each<EventStatus>(["received", "queued", "retrying", "processing"])(
    "claims a %s row: processing, one more attempt, started, not scheduled",
    async (status) => {
      const id = await w.insertEvent(sourceId, { status, attemptCount: 2, ageMs: 60_000 });
      await w.deps.sql`UPDATE events SET next_attempt_at = now() + interval '1 minute' WHERE id = ${id}`;
      const before = await w.event(id);

      const claimed = await w.deps.claimer.claim(id);

      expect(claimed).toMatchObject({
        id,
        tenantId: expect.any(String),
        eventType: "order.paid",
        attemptCount: 3,
        run: 0,
        contentType: "application/json",
        runHandlers: null,
        state: {},
      });
      expect(claimed?.source).toMatch(/^src-/);
      expect(claimed?.handlers.map((h) => h.key)).toEqual(["log", "audit"]);
      expect(claimed?.body.toString()).toBe(JSON.stringify({ type: "order.paid" }));
      const after = await w.event(id);
      expect(after).toMatchObject({ status: "processing", attemptCount: 3, nextAttemptAt: null });
      // A re-run after a crash keeps the first start time.
      if (before.startedAt) expect(after.startedAt).toEqual(before.startedAt);
      else expect(after.startedAt).toBeInstanceOf(Date);
    },
  );

  it.each<EventStatus>(["completed", "dead"])("does not claim a %s row", async (status) => {
    const id = await w.insertEvent(sourceId, { status, attemptCount: 1 });

    expect(await w.deps.claimer.claim(id)).toBeNull();
    expect(await w.event(id)).toMatchObject({ status, attemptCount: 1 });
  });

  it("answers null for an event that does not exist", async () => {
    expect(await w.deps.claimer.claim("01900000-0000-7000-8000-000000000000")).toBeNull();
  });

  it("reads each handler key's state in the current run from its attempts", async () => {
    const id = await w.insertEvent(sourceId, { status: "retrying", run: 1 });
    const first = new Date("2030-01-01T00:00:00.000Z");
    const later = new Date("2030-01-01T00:05:00.000Z");
    await w.insertAttempts(id, [
      // The run before (a replay started since): not counted.
      { handler: "log", outcome: "error", run: 0, error: "old", nextAttemptAt: later },
      { handler: "audit", outcome: "success", run: 0 },
      // This run.
      { handler: "log", outcome: "error", run: 1, attempt: 1, error: "a", nextAttemptAt: first },
      { handler: "log", outcome: "error", run: 1, attempt: 2, error: "b", nextAttemptAt: later },
      { handler: "audit", outcome: "error", run: 1, attempt: 1, error: "c", nextAttemptAt: first },
      { handler: "audit", outcome: "success", run: 1, attempt: 2 },
      { handler: "gone", outcome: "filtered", run: 1, error: "event type not matched" },
    ]);

    const claimed = await w.deps.claimer.claim(id);

    expect(claimed?.run).toBe(1);
    const state = claimed?.state ?? {};
    expect(Object.keys(state).sort()).toEqual(["audit", "gone", "log"]);
    expect(state.log).toMatchObject({ done: false, failures: 2 });
    expect(Date.parse(state.log?.notBefore ?? "")).toBe(later.getTime());
    expect(state.audit).toMatchObject({ done: true, failures: 1 });
    expect(state.gone).toEqual({ done: true, failures: 0, notBefore: null });
  });

  it("gives twins in one batch the event once; other events of the batch are claimed too", async () => {
    const a = await w.insertEvent(sourceId);
    const b = await w.insertEvent(sourceId);

    // Submitted in one turn of the event loop: one statement for the three.
    const [first, twin, other] = await Promise.all([
      w.deps.claimer.claim(a),
      w.deps.claimer.claim(a.toUpperCase()),
      w.deps.claimer.claim(b),
    ]);

    expect(first?.id).toBe(a);
    expect(twin).toBeNull();
    expect(other?.id).toBe(b);
    expect(await w.event(a)).toMatchObject({ status: "processing", attemptCount: 1 });
    expect(await w.event(b)).toMatchObject({ status: "processing", attemptCount: 1 });
  });

  it("claims many events in one statement and skips the settled ones", async () => {
    const live = await w.insertEvent(sourceId);
    const done = await w.insertEvent(sourceId, { status: "completed" });

    const { claimed, deferred } = await claimEvents(w.deps.sql, [live, done]);

    expect(claimed.map((r) => r.id)).toEqual([live]);
    expect(deferred).toEqual([]);
  });
});

// Issue 14, item 6: a worker claimed up to WORKER_CONCURRENCY bodies at once, whatever their size.
describe("claims weighed by body bytes", () => {
  const big = (kb: number) => JSON.stringify({ type: "order.paid", pad: "x".repeat(kb * 1024) });

  it("claims in id order only the bodies that fit; the others stay untouched", async () => {
    const ids = [
      await w.insertEvent(sourceId, { body: big(40) }),
      await w.insertEvent(sourceId, { body: big(40) }),
    ];
    ids.push(await w.insertEvent(sourceId, { body: big(40) }));
    const { claimed, deferred } = await claimEvents(w.deps.sql, ids, { bytes: 100 * 1024, allowOne: false });
    expect(claimed.map((e) => e.id)).toEqual(ids.slice(0, 2));
    expect(deferred).toEqual([ids[2]]);
    expect(await w.event(ids[2] as string)).toMatchObject({ status: "queued", attemptCount: 0 });
    // Nothing held: one body over the whole budget is still claimed (else it could never run).
    const alone = await claimEvents(w.deps.sql, [ids[2] as string], { bytes: 1024, allowOne: true });
    expect(alone.claimed.map((e) => e.id)).toEqual([ids[2]]);
  });

  it("a process never holds more than its budget: claims over it wait for a release", async () => {
    const claimer = createEventClaimer(w.deps.sql, { maxItems: 64, maxWaitMs: 1 }, 100 * 1024);
    const ids = await Promise.all(
      Array.from({ length: 5 }, () => w.insertEvent(sourceId, { body: big(40) })),
    );
    const got: ClaimedEvent[] = [];
    const claims = ids.map((id) => claimer.claim(id).then((e) => e && got.push(e)));
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toHaveLength(2); // 2 × 40 KB fit in 100 KB; a third would not
    // Each release lets the waiting claims try again; in the end each event is claimed once.
    for (let released = 0; released < ids.length; released++) {
      expect(claimer.heldBytes()).toBeLessThanOrEqual(100 * 1024);
      const next = got[released];
      if (!next) throw new Error(`only ${got.length} claimed`);
      claimer.release(next);
      await new Promise((r) => setTimeout(r, 100));
    }
    await Promise.all(claims);
    expect(got.map((e) => e.id).sort()).toEqual([...ids].sort());
    expect(claimer.heldBytes()).toBe(0);
  });
});
