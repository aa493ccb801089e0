import { describe, expect, it } from "vitest";
import { createBatcher, eachAlone, ItemFailure } from "./batcher.ts";

/** A flush that records its batches and answers each item doubled, once `release()` is called. */
function recorder() {
  const batches: number[][] = [];
  const gates: (() => void)[] = [];
  const flush = (items: number[]) => {
    batches.push(items);
    return new Promise<number[]>((resolve) => gates.push(() => resolve(items.map((i) => i * 2))));
  };
  const release = () => {
    for (const open of gates.splice(0)) open();
  };
  return { batches, flush, release };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("createBatcher", () => {
  it("sends items submitted in the same turn as one batch and answers each its own result", async () => {
    const r = recorder();
    const batcher = createBatcher(r.flush, { maxItems: 100, maxWaitMs: 0 });
    const results = Promise.all([1, 2, 3].map((i) => batcher.submit(i)));
    await turn();
    r.release();
    expect(await results).toEqual([2, 4, 6]);
    expect(r.batches).toEqual([[1, 2, 3]]);
  });

  it("never puts more than maxItems in a batch", async () => {
    const r = recorder();
    const batcher = createBatcher(r.flush, { maxItems: 2, maxWaitMs: 0 });
    const results = Promise.all([1, 2, 3, 4, 5].map((i) => batcher.submit(i)));
    await turn();
    r.release();
    expect(await results).toEqual([2, 4, 6, 8, 10]);
    expect(r.batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it("with maxWeight, splits batches by weight (a heavier item goes alone)", async () => {
    const r = recorder();
    const batcher = createBatcher(r.flush, {
      maxItems: 100,
      maxWaitMs: 0,
      maxWeight: 10,
      weight: (i: number) => i,
    });
    const results = Promise.all([3, 4, 5, 20, 1].map((i) => batcher.submit(i)));
    await turn();
    r.release();
    expect(await results).toEqual([6, 8, 10, 40, 2]);
    expect(r.batches).toEqual([[3, 4], [5], [20], [1]]);
  });

  it("with maxInFlight, gathers items while a flush runs and sends them when it finishes", async () => {
    const r = recorder();
    const batcher = createBatcher(r.flush, { maxItems: 100, maxWaitMs: 0, maxInFlight: 1 });
    const first = batcher.submit(1);
    await turn();
    const rest = [2, 3, 4].map((i) => batcher.submit(i));
    await turn();
    await turn();
    expect(r.batches).toEqual([[1]]); // 2–4 wait for the flush in flight
    r.release();
    expect(await first).toBe(2);
    await turn();
    await turn();
    expect(r.batches).toEqual([[1], [2, 3, 4]]);
    r.release();
    expect(await Promise.all(rest)).toEqual([4, 6, 8]);
  });

  it("waits maxWaitMs for company when asked to", async () => {
    const r = recorder();
    const batcher = createBatcher(r.flush, { maxItems: 100, maxWaitMs: 20 });
    const a = batcher.submit(1);
    await turn();
    const b = batcher.submit(2);
    await new Promise((resolve) => setTimeout(resolve, 40));
    r.release();
    expect(await Promise.all([a, b])).toEqual([2, 4]);
    expect(r.batches).toEqual([[1, 2]]);
  });

  it("fails only the item a flush answers with ItemFailure (eachAlone after a failed batch)", async () => {
    const batcher = createBatcher<number, number>(
      (items) => eachAlone(items, async (i) => (i === 2 ? Promise.reject(new Error("bad 2")) : i * 10)),
      { maxItems: 10, maxWaitMs: 0 },
    );
    const settled = await Promise.allSettled([1, 2, 3].map((i) => batcher.submit(i)));
    expect(settled).toEqual([
      { status: "fulfilled", value: 10 },
      { status: "rejected", reason: new Error("bad 2") },
      { status: "fulfilled", value: 30 },
    ]);
    expect(await eachAlone([1], async () => Promise.reject("x"))).toEqual([new ItemFailure("x")]);
  });

  it("rejects every item of a failed batch, including a flush that throws synchronously", async () => {
    const failing = createBatcher<number, number>(
      () => {
        throw new Error("boom");
      },
      { maxItems: 10, maxWaitMs: 0 },
    );
    await expect(Promise.all([failing.submit(1), failing.submit(2)])).rejects.toThrow("boom");
    const rejecting = createBatcher<number, number>(() => Promise.reject(new Error("down")), {
      maxItems: 10,
      maxWaitMs: 0,
      maxInFlight: 1,
    });
    const settled = await Promise.allSettled([rejecting.submit(1), rejecting.submit(2)]);
    expect(settled.map((s) => s.status)).toEqual(["rejected", "rejected"]);
    // A failed flush frees its slot: the next item still goes out.
    await expect(rejecting.submit(3)).rejects.toThrow("down");
    // So does a flush that answers the wrong number of results.
    const short = createBatcher<number, number>(async () => [1], {
      maxItems: 10,
      maxWaitMs: 0,
      maxInFlight: 1,
    });
    await expect(Promise.all([short.submit(1), short.submit(2)])).rejects.toThrow("1 results for 2 items");
    await expect(short.submit(3)).resolves.toBe(1);
  });
});
