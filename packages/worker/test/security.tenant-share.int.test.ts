// Issue 14, item 7 (starvation): one tenant's target that never answers held every worker slot,
// so another tenant's events waited for its timeouts. A tenant now holds at most
// WORKER_TENANT_SHARE of a worker's slots while another tenant has work; alone, it uses them all.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { defineHandler } from "@hookbox/sdk";
import { DEFAULT_TENANT_ID, enqueueEvents } from "@hookbox/shared";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type EventWorkers, startEventWorkers } from "../src/start-worker.ts";
import { TENANT_ALONE_MS } from "../src/tenant-share.ts";
import { codeHandler, counterValue, createTestWorker, type TestWorker } from "./helpers.ts";

const SLOTS = 8;
/** Every one of tenant B's events is completed within this of being queued. */
const B_BOUND_MS = 5_000;
const A_EVENTS = 40;
const B_EVENTS = 10;

/** Tenant A's forward target: it takes each request and never answers. */
let hanging = 0;
let mostHanging = 0;
let target: Server;
let targetUrl = "";
/** Tenant B's handler. */
const handlers = [defineHandler({ id: "quick", tenants: "*", handle: async () => {} })].map(codeHandler);

beforeAll(async () => {
  target = createServer((req, res) => {
    hanging += 1;
    mostHanging = Math.max(mostHanging, hanging);
    res.on("close", () => {
      hanging -= 1;
    });
    req.resume();
  });
  await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/hook`;
});
afterAll(() => {
  target?.closeAllConnections();
  target?.close();
});

let t: TestWorker | undefined;
let workers: EventWorkers | undefined;

/** The hung attempts end (aborted) while the workers close: nothing is left running. */
async function stopWorkers(w: TestWorker | undefined) {
  const closing = workers?.close();
  w?.deps.abortHandlers();
  await closing;
  workers = undefined;
}

afterEach(async () => {
  await stopWorkers(t);
  // Every request to the target is closed before the next test counts them again.
  await expect.poll(() => hanging).toBe(0);
  await t?.close();
  t = undefined;
  workers = undefined;
});

async function start(label: string, share: string, env: Record<string, string> = {}) {
  hanging = 0;
  mostHanging = 0;
  t = await createTestWorker(`tenant-share-${label}`, {
    codeHandlers: handlers,
    // The 120 s forward timeout: within the test no attempt ends, no timeout frees a slot.
    env: {
      WORKER_CONCURRENCY: String(SLOTS),
      WORKER_TENANT_SHARE: share,
      FORWARD_TIMEOUT_MS: "120000",
      ...env,
    },
  });
  return t;
}

async function queueEvents(w: TestWorker, sourceId: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await w.insertEvent(sourceId));
  await enqueueEvents(
    w.deps.queues,
    ids.map((id) => ({ id, run: 0 })),
  );
  return ids;
}

async function completed(w: TestWorker, ids: readonly string[]): Promise<number> {
  const [row] = await w.deps.sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM events WHERE id = ANY(${w.deps.sql.array([...ids])}::uuid[]) AND status = 'completed'`;
  return row?.n ?? 0;
}

/** The events' attempt counts, summed. */
async function attemptsCounted(w: TestWorker, ids: readonly string[]): Promise<number> {
  const [row] = await w.deps.sql<{ n: number }[]>`
    SELECT coalesce(sum(attempt_count), 0)::int AS n FROM events WHERE id = ANY(${w.deps.sql.array([...ids])}::uuid[])`;
  return row?.n ?? 0;
}

/** Attempts that ran a handler (their rows). */
async function attemptsRun(w: TestWorker, ids: readonly string[]): Promise<number> {
  const [row] = await w.deps.sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM attempts WHERE event_id = ANY(${w.deps.sql.array([...ids])}::uuid[])`;
  return row?.n ?? 0;
}

/** A's hanging events queued first, then B's quick ones behind them (FIFO: B is last in line). */
async function twoTenants(w: TestWorker) {
  const tenantB = await w.createTenant("tenant-b");
  const sourceA = await w.createSource([{ name: "forward", config: { url: targetUrl } }]);
  const sourceB = await w.createSource([{ name: "quick" }], tenantB);
  const a = await queueEvents(w, sourceA.id, A_EVENTS);
  const b = await queueEvents(w, sourceB.id, B_EVENTS);
  return { a, b };
}

describe("two tenants, A's target never answers", () => {
  it(`B's events all complete within ${B_BOUND_MS} ms; A holds its share (${SLOTS / 2} of ${SLOTS} slots)`, async () => {
    const w = await start("shared", "0.5");
    const { a, b } = await twoTenants(w);
    const queuedAt = performance.now();
    workers = startEventWorkers(w.deps);

    await expect.poll(() => completed(w, b), { timeout: B_BOUND_MS, interval: 50 }).toBe(B_EVENTS);
    const tookMs = performance.now() - queuedAt;
    expect(tookMs).toBeLessThan(B_BOUND_MS);
    // A ran exactly its share the whole time: never more, and it was not starved either.
    expect(mostHanging).toBe(SLOTS / 2);
    expect(await counterValue(w.deps.metrics.jobsDeferred)).toBeGreaterThan(0);
    // A deferred job learnt its tenant: its next deferral needs no claim.
    const jobs = await w.deps.queues[0].getJobs(["delayed", "waiting"]);
    expect(jobs.some((job) => job.data.tenantId === DEFAULT_TENANT_ID)).toBe(true);
    // A's deferred jobs spent no attempt: every attempt counted is one that ran (and was aborted
    // when the workers stopped).
    await stopWorkers(w);
    expect(await attemptsCounted(w, a)).toEqual(await attemptsRun(w, a));
  });

  it("without the share (WORKER_TENANT_SHARE=1), B is starved: none of its events completes in that time", async () => {
    const w = await start("unshared", "1");
    const { b } = await twoTenants(w);
    workers = startEventWorkers(w.deps);

    await expect.poll(() => hanging, { timeout: B_BOUND_MS }).toBe(SLOTS);
    await new Promise((r) => setTimeout(r, B_BOUND_MS));
    expect(await completed(w, b)).toBe(0);
    expect(mostHanging).toBe(SLOTS);
  });
});

describe("a tenant that arrives while another, alone, holds every slot", () => {
  it("waits at most the alone period (10 s) + one attempt timeout, not for the whole backlog ahead of it", async () => {
    const timeoutMs = 2_000;
    const w = await start("latecomer", "0.5", { FORWARD_TIMEOUT_MS: String(timeoutMs) });
    const tenantB = await w.createTenant("tenant-b");
    const sourceA = await w.createSource([{ name: "forward", config: { url: targetUrl } }]);
    const sourceB = await w.createSource([{ name: "quick" }], tenantB);
    // 200 of A's jobs ahead of B's: served in line, B would wait 200 / 8 slots × 2 s = 50 s.
    await queueEvents(w, sourceA.id, 200);
    workers = startEventWorkers(w.deps);
    // A is found alone once the worker has seen its 200 waiting jobs (each claimed and handed
    // back once): well under a second here, a few on a loaded machine.
    await expect.poll(() => hanging, { timeout: 10_000, interval: 20 }).toBe(SLOTS);
    const b = await queueEvents(w, sourceB.id, B_EVENTS);
    const queuedAt = performance.now();

    const boundMs = TENANT_ALONE_MS + timeoutMs + 3_000;
    await expect.poll(() => completed(w, b), { timeout: boundMs, interval: 100 }).toBe(B_EVENTS);
    expect(performance.now() - queuedAt).toBeLessThan(boundMs);
  }, 30_000);
});

describe("one tenant alone", () => {
  it(`still gets all ${SLOTS} slots, promptly`, async () => {
    const w = await start("alone", "0.5");
    const source = await w.createSource([{ name: "forward", config: { url: targetUrl } }]);
    const ids = await queueEvents(w, source.id, 20);
    workers = startEventWorkers(w.deps);

    await expect.poll(() => hanging, { timeout: 2_000, interval: 20 }).toBe(SLOTS);
    await stopWorkers(w);
    expect(await attemptsCounted(w, ids)).toEqual(await attemptsRun(w, ids));
  });
});
