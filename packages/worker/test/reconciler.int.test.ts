import { enqueueEvent, enqueueEvents } from "@hookbox/shared";
import { UnrecoverableError } from "bullmq";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { reconcileOnce } from "../src/reconciler.ts";
import { counterValue, createManualWorker, createTestWorker, type TestWorker } from "./helpers.ts";

let w: TestWorker;
let sourceId: string;
const OLD = 60_000;

beforeAll(async () => {
  w = await createTestWorker("worker-reconciler", { env: { RECONCILE_MIN_AGE_MS: "10000" } });
  ({ id: sourceId } = await w.createSource([{ name: "log" }]));
});
afterAll(async () => {
  await w?.close();
});
beforeEach(async () => {
  // Each test sees only its own rows and jobs.
  await w.deps.sql`DELETE FROM events`;
  await w.deps.queues[0].obliterate({ force: true });
});

async function jobState(eventId: string): Promise<string> {
  const job = await w.deps.queues[0].getJob(eventId);
  return job ? job.getState() : "missing";
}

describe("reconciler", () => {
  it("behind a backlog deeper than one round, a lost row is found by a later round", async () => {
    // 600 older rows whose jobs are alive (a backlog), then one whose job is gone.
    const live: string[] = [];
    for (let i = 0; i < 600; i++) live.push(await w.insertEvent(sourceId, { status: "queued", ageMs: OLD }));
    await enqueueEvents(
      w.deps.queues,
      live.map((id) => ({ id, run: 0 })),
    );
    const lost = await w.insertEvent(sourceId, { status: "queued", ageMs: OLD });

    expect(await reconcileOnce(w.deps)).toBe(0); // the 500 oldest: all alive
    expect(await reconcileOnce(w.deps)).toBe(1); // goes on after them: the lost one
    expect(await jobState(lost)).toBe("waiting");
    expect(await reconcileOnce(w.deps)).toBe(0); // wrapped around: nothing else lost
  });

  it("enqueues a received row (ingest could not reach Redis) and marks it queued", async () => {
    const id = await w.insertEvent(sourceId, { status: "received", ageMs: OLD });
    const before = await counterValue(w.deps.metrics.reconcilerRequeues);

    expect(await reconcileOnce(w.deps)).toBe(1);

    expect(await jobState(id)).toBe("waiting");
    expect(await w.event(id)).toMatchObject({ status: "queued", queuedAt: expect.any(Date) });
    expect(await counterValue(w.deps.metrics.reconcilerRequeues)).toBe(before + 1);
  });

  it("enqueues a processing row whose job is gone (its worker died, the job was lost)", async () => {
    const id = await w.insertEvent(sourceId, { status: "processing", attemptCount: 1, ageMs: OLD });

    expect(await reconcileOnce(w.deps)).toBe(1);

    expect(await jobState(id)).toBe("waiting");
    // The row is claimed again by whichever worker takes the job.
    expect(await w.event(id)).toMatchObject({ status: "processing", attemptCount: 1 });
  });

  it("replaces a finished job of a row that is not settled (BullMQ's stall limit failed it)", async () => {
    const id = await w.insertEvent(sourceId, { status: "processing", ageMs: OLD });
    await enqueueEvent(w.deps.queues, { id, run: 0 });
    const worker = createManualWorker(w.deps);
    try {
      const { job, token } = await worker.take(id);
      await job.moveToFailed(new UnrecoverableError("job stalled more than allowable limit"), token);
    } finally {
      await worker.close();
    }
    // A job with the same id in the failed set: add() alone would be a silent no-op.
    expect(await jobState(id)).toBe("failed");

    expect(await reconcileOnce(w.deps)).toBe(1);

    expect(await jobState(id)).toBe("waiting");
  });

  it("leaves a row with a live job alone", async () => {
    const id = await w.insertEvent(sourceId, { status: "queued", ageMs: OLD });
    const job = await enqueueEvent(w.deps.queues, { id, run: 0 });

    expect(await reconcileOnce(w.deps)).toBe(0);

    const same = await w.deps.queues[0].getJob(id);
    expect(same?.timestamp).toBe(job.timestamp);
    expect(await jobState(id)).toBe("waiting");
  });

  it("only marks a received row queued when its job exists already (the enqueue landed late)", async () => {
    const id = await w.insertEvent(sourceId, { status: "received", ageMs: OLD });
    await enqueueEvent(w.deps.queues, { id, run: 0 });

    expect(await reconcileOnce(w.deps)).toBe(0);

    expect(await w.event(id)).toMatchObject({ status: "queued" });
  });

  it("leaves settled rows and rows younger than RECONCILE_MIN_AGE_MS alone", async () => {
    const completed = await w.insertEvent(sourceId, { status: "completed", ageMs: OLD });
    const dead = await w.insertEvent(sourceId, { status: "dead", ageMs: OLD });
    const young = await w.insertEvent(sourceId, { status: "received" });

    expect(await reconcileOnce(w.deps)).toBe(0);

    for (const id of [completed, dead, young]) expect(await jobState(id)).toBe("missing");
    expect(await w.event(young)).toMatchObject({ status: "received" });
  });
});
