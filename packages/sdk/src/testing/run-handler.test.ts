import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineHandler } from "../define-handler.ts";
import { NonRetriableError, RetryAfterError } from "../errors.ts";
import type { Fixture } from "./fixture.ts";
import { loadFixture } from "./fixture.ts";
import { runHandler } from "./run-handler.ts";

const fixture: Fixture = {
  id: "0193a4f0-0000-7000-8000-000000000001",
  source: "stripe-prod",
  type: "invoice.paid",
  idempotencyKey: "evt_1",
  receivedAt: "2026-12-01T10:00:00.000Z",
  run: 2,
  status: "completed",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ id: "evt_1", type: "invoice.paid", data: { object: { id: "in_1" } } }),
  bodyEncoding: "utf8",
  attempts: [],
};

const echo = defineHandler({
  id: "echo",
  events: ["invoice.*", "!invoice.upcoming"],
  config: z.object({ warehouse: z.string() }),
  async handle({ event, payload, body, headers, config, step, log }) {
    const seen = await step("seen", () => ({ event, payload, bytes: body.length, headers, config }));
    log.info({ invoice: (payload as { data: { object: { id: string } } }).data.object.id }, "done");
    log.warn("plain message");
    return seen;
  },
});

describe("runHandler", () => {
  it("runs the handler with the event, parsed payload, config and in-memory steps", async () => {
    const result = await runHandler(echo, fixture, { config: { warehouse: "ber-1" }, attempt: 3 });
    expect(result.outcome).toBe("success");
    expect(result.steps.seen).toEqual({
      event: {
        id: fixture.id,
        source: "stripe-prod",
        type: "invoice.paid",
        idempotencyKey: "evt_1",
        receivedAt: "2026-12-01T10:00:00.000Z",
        run: 2,
        attempt: 3,
      },
      payload: JSON.parse(fixture.body),
      bytes: Buffer.byteLength(fixture.body),
      headers: { "content-type": "application/json" },
      config: { warehouse: "ber-1" },
    });
    expect(result.logs).toEqual([
      { level: "info", msg: "done", obj: { invoice: "in_1" } },
      { level: "warn", msg: "plain message" },
    ]);
  });

  it("gives stored steps back instead of running them (a retry)", async () => {
    const result = await runHandler(echo, fixture, {
      config: { warehouse: "x" },
      steps: { seen: "from before" },
    });
    expect(result.steps).toEqual({ seen: "from before" });
  });

  it("returns filtered, with the reason, for an excluded type and does not run", async () => {
    const result = await runHandler(
      echo,
      { ...fixture, type: "invoice.upcoming" },
      { config: { warehouse: "x" } },
    );
    expect(result).toEqual({
      outcome: "filtered",
      reason: 'type "invoice.upcoming" excluded by "!invoice.upcoming"',
      steps: {},
      logs: [],
    });
  });

  it("decodes a base64 body and gives undefined as the payload when it is not JSON", async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00]);
    let seen: unknown = "unset";
    const handler = defineHandler({
      id: "raw",
      handle({ body, payload }) {
        expect(body.equals(bytes)).toBe(true);
        seen = payload;
      },
    });
    const result = await runHandler(handler, {
      ...fixture,
      body: bytes.toString("base64"),
      bodyEncoding: "base64",
    });
    expect(result.outcome).toBe("success");
    expect(seen).toBeUndefined();
  });

  it.each([
    ["an Error", new Error("boom"), { retryable: true }],
    ["a NonRetriableError", new NonRetriableError("malformed"), { retryable: false }],
    ["a RetryAfterError", new RetryAfterError(5000, "429"), { retryable: true, retryAfterMs: 5000 }],
  ])("reports %s as an error outcome", async (_name, thrown, expected) => {
    const handler = defineHandler({
      id: "fails",
      handle() {
        throw thrown;
      },
    });
    const result = await runHandler(handler, fixture);
    expect(result).toMatchObject({ outcome: "error", error: thrown, ...expected });
  });

  it("wraps a thrown non-Error", async () => {
    const handler = defineHandler({
      id: "fails",
      handle() {
        throw "just a string";
      },
    });
    const result = await runHandler(handler, fixture);
    expect(result.error).toEqual(new Error("just a string"));
  });

  it("ends an attempt that outlives its timeout, aborting the signal", async () => {
    let signal: AbortSignal | undefined;
    const handler = defineHandler({
      id: "slow",
      timeoutMs: 20,
      handle(ctx) {
        signal = ctx.signal;
        return new Promise(() => {}); // ignores its signal
      },
    });
    const result = await runHandler(handler, fixture);
    expect(result).toMatchObject({ outcome: "error", retryable: true });
    expect(result.error?.message).toBe('handler "slow" timed out after 20 ms');
    expect(signal?.aborted).toBe(true);
  });

  it("throws for an invalid config, a bad fixture or a bad definition", async () => {
    await expect(runHandler(echo, fixture, { config: { warehouse: 7 } })).rejects.toThrow(
      'invalid config for handler "echo":\n  config.warehouse: Invalid input: expected string, received number',
    );
    const noConfig = defineHandler({ id: "plain", handle() {} });
    await expect(runHandler(noConfig, fixture, { config: { x: 1 } })).rejects.toThrow(
      'config: handler "plain" takes no config',
    );
    const { body: _body, ...bodyless } = fixture;
    await expect(runHandler(noConfig, bodyless as Fixture)).rejects.toThrow(
      "fixture is not a stored event (GET /v1/events/:id):\n  body: Invalid input: expected string, received undefined",
    );
    await expect(runHandler({ id: "Bad", handle() {} }, fixture)).rejects.toThrow(
      'handler: id: must match [a-z0-9-]{1,64} (got "Bad")',
    );
  });
});

describe("loadFixture", () => {
  it("reads a pulled event and fills the defaults", async () => {
    const path = join(tmpdir(), `hookbox-fixture-${process.pid}.json`);
    const { run: _run, bodyEncoding: _enc, ...pulled } = fixture;
    await writeFile(path, JSON.stringify(pulled));
    expect(await loadFixture(path)).toMatchObject({ ...pulled, run: 0, bodyEncoding: "utf8" });
  });

  it("names the file when it is not a stored event", async () => {
    const path = join(tmpdir(), `hookbox-fixture-bad-${process.pid}.json`);
    await writeFile(path, JSON.stringify({ id: "x" }));
    await expect(loadFixture(path)).rejects.toThrow(`${path} is not a stored event`);
  });
});
