import type { EventStatus } from "@hookbox/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimEvents } from "../src/claim-event.ts";
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

    const rows = await claimEvents(w.deps.sql, [live, done]);

    expect(rows.map((r) => r.id)).toEqual([live]);
  });
});
