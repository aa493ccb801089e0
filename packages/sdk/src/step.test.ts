import { describe, expect, it, vi } from "vitest";
import { createStep, type StepReport, type StepStore } from "./step.ts";
import { createMemoryStepStore } from "./testing/memory.ts";
import type { Json } from "./types.ts";

describe("createStep", () => {
  it("runs a step once, stores its result, and returns it", async () => {
    const store = createMemoryStepStore();
    const fn = vi.fn(async () => ({ orderId: "ord_1", at: new Date("2026-12-01T00:00:00Z") }));
    const result = await createStep(store)("create-order", fn);
    expect(result).toEqual({ orderId: "ord_1", at: "2026-12-01T00:00:00.000Z" });
    expect(store.entries()).toEqual({ "create-order": result });
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("returns the stored result on a later attempt without running the step", async () => {
    const store = createMemoryStepStore();
    await createStep(store)("charge", () => ({ chargeId: "ch_1" }));
    const fn = vi.fn(() => ({ chargeId: "ch_2" }));
    expect(await createStep(store)("charge", fn)).toEqual({ chargeId: "ch_1" });
    expect(fn).not.toHaveBeenCalled();
  });

  it("returns what save returns: the first writer's value when another got there first", async () => {
    const first: Json = { winner: "other-worker" };
    const store: StepStore = { load: async () => ({ found: false }), save: async () => first };
    expect(await createStep(store)("reserve", () => ({ winner: "me" }))).toBe(first);
  });

  it.each([
    [undefined, null],
    [null, null],
    [0, 0],
    ["", ""],
    [[1, undefined, () => 1].slice(0, 2), [1, null]],
    [
      { a: 1, b: undefined, nested: { when: new Date(0) } },
      { a: 1, nested: { when: "1970-01-01T00:00:00.000Z" } },
    ],
    [Number.NaN, null],
  ])("stores %j as JSON holds it: %j", async (value, stored) => {
    const store = createMemoryStepStore();
    expect(await createStep(store)("s", () => value)).toEqual(stored);
    expect(store.entries()).toEqual({ s: stored });
  });

  const cycle: { self?: unknown } = {};
  cycle.self = cycle;
  it.each([
    [
      "a function",
      (): unknown => () => 1,
      'step "s": the result cannot be stored as JSON (the result is a function)',
    ],
    [
      "a nested function",
      (): unknown => ({ cb: () => 1 }),
      'step "s": the result cannot be stored as JSON (key "cb" is a function)',
    ],
    ["a bigint", () => ({ n: 1n }), 'step "s": the result cannot be stored as JSON (key "n" is a bigint)'],
    [
      "a cycle",
      () => cycle,
      'step "s": the result cannot be stored as JSON (Converting circular structure to JSON',
    ],
  ])("refuses %s, naming the step, and stores nothing", async (_name, fn, message) => {
    const store = createMemoryStepStore();
    await expect(createStep(store)("s", fn)).rejects.toThrow(message);
    expect(store.entries()).toEqual({});
  });

  it("refuses a step name used twice in one attempt", async () => {
    const step = createStep(createMemoryStepStore());
    await step("notify", () => 1);
    await expect(step("notify", () => 2)).rejects.toThrow(
      'step "notify" is used twice in one attempt; step names must be unique',
    );
  });

  it("allows the same name again in the next attempt", async () => {
    const store = createMemoryStepStore();
    await createStep(store)("notify", () => 1);
    await expect(createStep(store)("notify", () => 2)).resolves.toBe(1);
  });

  it.each([[""], ["x".repeat(201)]])("refuses the step name %j", async (name) => {
    await expect(createStep(createMemoryStepStore())(name, () => 1)).rejects.toThrow(
      "step name must be 1..200 characters",
    );
  });

  it("lets the step's own error through, stores nothing and reports it", async () => {
    const store = createMemoryStepStore();
    const reports: StepReport[] = [];
    const step = createStep(store, { onStep: (r) => reports.push(r) });
    await expect(step("charge", () => Promise.reject(new Error("card declined")))).rejects.toThrow(
      "card declined",
    );
    expect(store.entries()).toEqual({});
    expect(reports).toMatchObject([{ name: "charge", outcome: "failed", error: new Error("card declined") }]);
  });

  it("reports saved and cached steps", async () => {
    const store = createMemoryStepStore({ a: 1 });
    const reports: StepReport[] = [];
    const step = createStep(store, { onStep: (r) => reports.push(r) });
    await step("a", () => 2);
    await step("b", () => 3);
    expect(reports.map(({ name, outcome }) => ({ name, outcome }))).toEqual([
      { name: "a", outcome: "cached" },
      { name: "b", outcome: "saved" },
    ]);
  });
});
