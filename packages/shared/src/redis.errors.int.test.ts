import { EventEmitter } from "node:events";
import { createServer } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "./logger.ts";
import { createEventsQueue, createMaintenanceQueue } from "./queue/catalog.ts";
import { createProducerRedis, createWorkerRedis, logConnectionErrors } from "./redis.ts";

interface Line {
  level: number;
  msg: string;
  client?: string;
  suppressed?: number;
  err?: { message: string };
}

function capturingLogger() {
  const lines: Line[] = [];
  const logger = createLogger("info", {}, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("Redis and queue errors", () => {
  it("are logged once per message while Redis stays unreachable, not on every reconnect", async () => {
    const { logger, lines } = capturingLogger();
    const url = `redis://127.0.0.1:${await closedPort()}`;
    const fastRetry = { retryStrategy: () => 10 };
    const producer = createProducerRedis(url, logger, fastRetry);
    const worker = createWorkerRedis(url, logger, fastRetry);
    const retry = { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 };
    const queue = createEventsQueue(producer, "{errors-test}", retry, logger);
    const maintenance = createMaintenanceQueue(producer, "{errors-test}", logger);
    let emitted = 0;
    producer.on("error", () => emitted++);
    try {
      await vi.waitFor(() => expect(emitted).toBeGreaterThanOrEqual(10), { timeout: 10_000, interval: 20 });
      const warnings = lines.filter((l) => l.msg === "redis error");
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ level: 40, suppressed: 0 });
      expect(warnings[0]?.err?.message).toContain("ECONNREFUSED");
    } finally {
      await queue.close().catch(() => {});
      await maintenance.close().catch(() => {});
      producer.disconnect();
      worker.disconnect();
    }
  });
});

describe("logConnectionErrors", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("logs a message again after the window, with how many were left out, and each distinct message", () => {
    vi.useFakeTimers();
    const { logger, lines } = capturingLogger();
    const client = logConnectionErrors(new EventEmitter(), logger, "test client", 10_000);
    for (let i = 0; i < 50; i++) client.emit("error", new Error("connect ECONNREFUSED"));
    client.emit("error", new Error("READONLY You can't write against a read only replica."));
    vi.advanceTimersByTime(10_000);
    client.emit("error", new Error("connect ECONNREFUSED"));
    expect(lines.map((l) => [l.err?.message, l.suppressed])).toEqual([
      ["connect ECONNREFUSED", 0],
      ["READONLY You can't write against a read only replica.", 0],
      ["connect ECONNREFUSED", 49],
    ]);
    expect(lines.every((l) => l.level === 40 && l.client === "test client")).toBe(true);
  });
});
