import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineHandler } from "./define-handler.ts";
import { HandlerDefinitionError } from "./errors.ts";
import { parseHandlerDefinition } from "./parse-handler-definition.ts";

const handle = async () => {};
const valid = { id: "fulfil-order", handle };

describe("parseHandlerDefinition", () => {
  it.each([
    ["the smallest definition", valid],
    [
      "every option",
      {
        id: "a-1",
        provider: "stripe",
        events: ["invoice.*", "!invoice.upcoming", "customer.**"],
        config: z.object({ warehouse: z.string() }),
        retry: { maxAttempts: 100, baseDelayMs: 1, maxDelayMs: 1 },
        timeoutMs: 3_600_000,
        tenants: ["t1"],
        handle,
      },
    ],
    [
      "a Standard Schema without safeParse",
      { ...valid, config: { "~standard": { validate: () => ({ value: 1 }) } } },
    ],
    ["a safeParse-only schema", { ...valid, config: { safeParse: () => ({ success: true, data: {} }) } }],
    ["tenants *", { ...valid, tenants: "*" }],
    ["no events at all", { ...valid, events: [] }],
  ])("accepts %s", (_name, value) => {
    expect(parseHandlerDefinition(value)).toEqual({ ok: true, handler: value });
  });

  it.each([
    [null, "the default export must be a handler definition object (got null)"],
    [() => {}, "the default export must be a handler definition object (got a function)"],
    [[valid], "the default export must be a handler definition object (got an array)"],
    [{ handle }, "id: must match [a-z0-9-]{1,64} (got undefined)"],
    [{ ...valid, id: "Fulfil" }, 'id: must match [a-z0-9-]{1,64} (got "Fulfil")'],
    [{ ...valid, id: "x".repeat(65) }, `id: must match [a-z0-9-]{1,64} (got "${"x".repeat(65)}")`],
    [
      { ...valid, handler: handle },
      "handler: not a handler option (known: id, provider, events, config, retry, timeoutMs, tenants, handle)",
    ],
    [
      { ...valid, provider: "paypal" },
      'provider: must be one of stripe, github, shopify, slack, standard-webhooks, generic (got "paypal")',
    ],
    [
      { ...valid, events: "invoice.paid" },
      'events: must be an array of event-type patterns (got "invoice.paid")',
    ],
    [{ ...valid, events: ["invoice.paid", ""] }, 'events[1]: must be a non-empty string (got "")'],
    [{ ...valid, events: [7] }, "events[0]: must be a non-empty string (got 7)"],
    [{ ...valid, events: ["!"] }, 'events[0]: "!" names no event type'],
    [{ ...valid, events: ["invoice.***"] }, 'events[0]: "invoice.***": use "*" or "**", not "***"'],
    [{ ...valid, events: ["invoice.!paid"] }, 'events[0]: "invoice.!paid": "!" is allowed only at the start'],
    [{ ...valid, events: ["invoice paid"] }, 'events[0]: "invoice paid" contains white space'],
    [
      { ...valid, config: { warehouse: "string" } },
      "config: must be a zod schema or a Standard Schema (got an object)",
    ],
    [{ ...valid, retry: 5 }, "retry: must be an object (got 5)"],
    [
      { ...valid, retry: { attempts: 5 } },
      "retry.attempts: not a retry option (known: maxAttempts, baseDelayMs, maxDelayMs)",
    ],
    [{ ...valid, retry: { maxAttempts: 0 } }, "retry.maxAttempts: must be an integer from 1 to 100 (got 0)"],
    [
      { ...valid, retry: { maxAttempts: 101 } },
      "retry.maxAttempts: must be an integer from 1 to 100 (got 101)",
    ],
    [
      { ...valid, retry: { maxAttempts: 2.5 } },
      "retry.maxAttempts: must be an integer from 1 to 100 (got 2.5)",
    ],
    [{ ...valid, retry: { baseDelayMs: 0 } }, "retry.baseDelayMs: must be a positive integer (got 0)"],
    [{ ...valid, retry: { maxDelayMs: "1s" } }, 'retry.maxDelayMs: must be a positive integer (got "1s")'],
    [
      { ...valid, retry: { baseDelayMs: 5000, maxDelayMs: 1000 } },
      "retry: baseDelayMs (5000) is greater than maxDelayMs (1000)",
    ],
    [{ ...valid, timeoutMs: 0 }, "timeoutMs: must be an integer from 1 to 3600000 (got 0)"],
    [{ ...valid, timeoutMs: 3_600_001 }, "timeoutMs: must be an integer from 1 to 3600000 (got 3600001)"],
    [{ ...valid, tenants: "all" }, 'tenants: must be "*" or an array of tenant ids (got "all")'],
    [{ ...valid, tenants: ["t1", ""] }, 'tenants[1]: must be a non-empty string (got "")'],
    [{ id: "x" }, "handle: must be a function (got undefined)"],
    [{ id: "x", handle: "run" }, 'handle: must be a function (got "run")'],
  ])("refuses %j with one problem line", (value, problem) => {
    expect(parseHandlerDefinition(value)).toEqual({ ok: false, problem });
  });
});

describe("defineHandler", () => {
  it("returns the definition itself, frozen", () => {
    const definition = { id: "x", handle };
    const defined = defineHandler(definition);
    expect(defined).toBe(definition);
    expect(Object.isFrozen(defined)).toBe(true);
  });

  it("throws HandlerDefinitionError naming the handler and the field", () => {
    const bad = { id: "x", timeoutMs: -1, handle } as const;
    expect(() => defineHandler(bad)).toThrow(HandlerDefinitionError);
    expect(() => defineHandler(bad)).toThrow(
      'handler "x": timeoutMs: must be an integer from 1 to 3600000 (got -1)',
    );
  });
});
