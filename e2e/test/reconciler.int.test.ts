import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStack, eventRow, type Stack, waitForStatus } from "../src/index.ts";

let stack: Stack;

beforeAll(async () => {
  stack = await createStack("reconciler");
  await stack.createSource({
    slug: "rec",
    scheme: "hmac-sha256",
    secret: "rec-secret",
    handlers: [{ name: "log" }],
  });
});
afterAll(() => stack?.close());

const deliverWithoutWorker = async (n: number) =>
  (await stack.deliver("rec", "rec-secret", JSON.stringify({ n }))).id;

describe("reconciler", () => {
  it("re-enqueues queued and processing rows whose job is gone; leaves live jobs alone", async () => {
    const lostQueued = await deliverWithoutWorker(1);
    const lostProcessing = await deliverWithoutWorker(2);
    const live = await deliverWithoutWorker(3);
    await stack.api.enqueuer.drain(); // the jobs are added after the answers
    // Simulate lost jobs (e.g. Redis lost its data) and a worker that died mid-job.
    await (await stack.api.queues[0].getJob(lostQueued))?.remove();
    await (await stack.api.queues[0].getJob(lostProcessing))?.remove();
    await stack.sql`UPDATE events SET status = 'processing', started_at = now() - interval '1 minute' WHERE id = ${lostProcessing}`;
    expect((await eventRow(stack.sql, lostQueued))?.status).toBe("queued");

    const worker = await stack.startWorker();
    for (const id of [lostQueued, lostProcessing, live]) await waitForStatus(stack.sql, id, "completed");
    const metrics = await (await fetch(`http://127.0.0.1:${worker.port}/metrics`)).text();
    expect(metrics).toMatch(/hookbox_reconciler_requeues_total\{[^}]*status="queued"[^}]*\} 1/);
    expect(metrics).toMatch(/hookbox_reconciler_requeues_total\{[^}]*status="processing"[^}]*\} 1/);
  });
});

describe("worker http", () => {
  it("serves /health/live, /health/ready and /metrics on WORKER_PORT", async () => {
    const worker = await stack.startWorker();
    const base = `http://127.0.0.1:${worker.port}`;
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ postgres: true, redis: true });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain("hookbox_handler_attempts_total");
    expect(metrics).toContain("hookbox_process_resident_memory_bytes");
  });
});
