// Issue 14, item 6 (memory): a worker claimed up to WORKER_CONCURRENCY bodies at once whatever
// their size, so a tenant's large bodies could exhaust one worker, then the next. Claims are
// weighed by body bytes now (WORKER_BODY_BUDGET_BYTES): a worker never holds more than its budget
// (one body over it alone), and every event still completes.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createStack, type Stack, waitFor } from "../src/index.ts";

const BODY = 512 * 1024;
const COUNT = 24;
const BUDGET = 2 * 1024 * 1024; // 4 bodies

let stack: Stack;
beforeAll(async () => {
  stack = await createStack("worker_memory", { MAX_BODY_BYTES: String(2 * BODY) });
});
afterAll(() => stack?.close());

/** Delivers COUNT bodies of BODY bytes, runs a worker, and returns the most body bytes it held at once. */
async function peakHeld(slug: string, budget: number | null): Promise<number> {
  const source = await stack.createSource({
    slug,
    scheme: "hmac-sha256",
    handlers: [{ name: "log" }],
    maxBodyBytes: 2 * BODY,
  });
  for (let i = 0; i < COUNT; i++) {
    const sent = await stack.deliver(
      source.slug,
      source.secret,
      JSON.stringify({ i, pad: "x".repeat(BODY - 20) }),
    );
    expect(sent.code).toBe(202);
  }
  const worker = await stack.startWorker({
    WORKER_CONCURRENCY: "64",
    ...(budget ? { WORKER_BODY_BUDGET_BYTES: String(budget) } : {}),
  });
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, worker.deps.claimer.heldBytes());
  }, 1);
  try {
    await waitFor(
      async () => {
        const [row] = await stack.sql<{ n: number }[]>`
          SELECT count(*)::int AS n FROM events e JOIN sources s ON s.id = e.source_id
          WHERE s.slug = ${slug} AND e.status = 'completed'`;
        return row?.n === COUNT ? true : undefined;
      },
      { what: `all ${COUNT} events of ${slug} completed`, timeoutMs: 30_000 },
    );
  } finally {
    clearInterval(sampler);
    await worker.stop();
  }
  expect(worker.deps.claimer.heldBytes()).toBe(0);
  return peak;
}

it("a worker holds at most WORKER_BODY_BUDGET_BYTES of bodies; without the bound it held them all", async () => {
  // The same burst with a budget far above it: the claim batches load many bodies at once.
  const unbounded = await peakHeld("unbounded", null);
  expect(unbounded).toBeGreaterThan(BUDGET);
  const bounded = await peakHeld("bounded", BUDGET);
  expect(bounded).toBeGreaterThan(0);
  expect(bounded).toBeLessThanOrEqual(BUDGET);
});
