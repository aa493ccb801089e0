import { type AttemptRow, uuidv7 } from "@hookbox/shared";
import { createEventClaimer, createEventCompleter } from "@hookbox/worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStack, eventRow, type Stack } from "../src/index.ts";

// The worker claims and settles concurrent jobs in shared statements; these pin down what each
// job still learns on its own (and that one bad item does not fail its neighbours).
let stack: Stack;

beforeAll(async () => {
  stack = await createStack("batching");
  await stack.createSource({
    slug: "b",
    scheme: "hmac-sha256",
    secret: "b-secret",
    handlers: [{ name: "log" }],
  });
});
afterAll(() => stack?.close());

async function deliver(n: number): Promise<string> {
  const { code, id } = await stack.deliver("b", "b-secret", JSON.stringify({ n }));
  expect(code).toBe(202);
  return id;
}

const options = { maxItems: 64, maxWaitMs: 0, maxInFlight: 2 };

function attempt(eventId: string, tenantId: string): AttemptRow {
  const now = new Date();
  return {
    tenant_id: tenantId,
    event_id: eventId,
    handler: "log",
    attempt: 1,
    run: 0,
    started_at: now,
    finished_at: now,
    outcome: "success",
    error: null,
    next_attempt_at: null,
    duration_ms: 0,
  };
}

describe("batched claim and complete", () => {
  it("gives each job its own answer: the event once, nothing for a twin or a missing row, an error for a bad id", async () => {
    const a = await deliver(1);
    const b = await deliver(2);
    const claimer = createEventClaimer(stack.sql, options);
    const [first, twin, other, missing, bad] = await Promise.allSettled([
      claimer.claim(a),
      claimer.claim(a),
      claimer.claim(b),
      claimer.claim(uuidv7()),
      claimer.claim("not-a-uuid"),
    ]);
    expect(first).toMatchObject({
      status: "fulfilled",
      value: { id: a, attemptCount: 1, source: "b", state: {}, runHandlers: null },
    });
    expect(twin).toEqual({ status: "fulfilled", value: null });
    expect(other).toMatchObject({ status: "fulfilled", value: { id: b, attemptCount: 1 } });
    expect(missing).toEqual({ status: "fulfilled", value: null });
    expect(bad.status).toBe("rejected");
    expect((await eventRow(stack.sql, a))?.status).toBe("processing");
    expect((await eventRow(stack.sql, b))?.status).toBe("processing");

    const tenantId = first.status === "fulfilled" && first.value ? first.value.tenantId : "";

    // The same uuid spelled in capitals (a job enqueued from a path parameter) is the same event.
    const c = await deliver(3);
    const upper = await createEventClaimer(stack.sql, options).claim(c.toUpperCase());
    expect(upper?.id).toBe(c);
    const upperDone = await createEventCompleter(stack.sql, options).complete(c.toUpperCase(), []);
    expect(upperDone?.id).toBe(c);
    const completer = createEventCompleter(stack.sql, options);
    const [doneA, doneTwin, doneB] = await Promise.all([
      completer.complete(a, [attempt(a, tenantId)]),
      completer.complete(a, [attempt(a, tenantId)]),
      completer.complete(b, [attempt(b, tenantId)]),
    ]);
    expect(doneA?.id).toBe(a);
    expect(doneA?.completedAt).toBeInstanceOf(Date);
    expect(doneTwin).toBeNull();
    expect(doneB?.id).toBe(b);
    for (const id of [a, b]) expect((await eventRow(stack.sql, id))?.status).toBe("completed");
    // Completing again (a job re-run after the event settled) moves nothing.
    expect(await completer.complete(a, [])).toBeNull();
    const [{ n }] =
      (await stack.sql`SELECT count(*)::int AS n FROM attempts WHERE event_id = ANY(${[a, b]}::uuid[])`) as unknown as [
        { n: number },
      ];
    // Both of `a`'s calls wrote their attempt in the shared statement; the row moved once.
    expect(n).toBe(3);
  });
});
