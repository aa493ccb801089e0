import { connect } from "node:net";
import { createTestDatabase, type TestDatabase } from "@hookbox/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ProcessStack, startProcessStack } from "../src/index.ts";

let db: TestDatabase;
let stack: ProcessStack;
let port: number;

beforeAll(async () => {
  db = await createTestDatabase("hostile");
  stack = await startProcessStack("hostile", db.url, {
    HEADERS_TIMEOUT_MS: "1000",
    REQUEST_TIMEOUT_MS: "2000",
  });
  port = Number(new URL(stack.base).port);
  const res = await stack.call("POST", "/v1/sources", {
    slug: "small",
    scheme: "none",
    handlers: [],
    maxBodyBytes: 1_048_576,
  });
  expect(res.status).toBe(201);
});
afterAll(async () => {
  await stack?.stop();
  await db?.drop();
});

/** Sends raw bytes; resolves with what the server answered and whether it closed the socket. */
function raw(
  data: string | Buffer,
  { waitMs = 5_000 } = {},
): Promise<{ response: string; closedAfterMs: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, "127.0.0.1");
    let response = "";
    socket.on("data", (d) => {
      response += d.toString();
    });
    const done = () => resolve({ response, closedAfterMs: Date.now() - started });
    socket.on("close", done);
    socket.on("error", () => {});
    socket.write(data);
    setTimeout(() => {
      socket.destroy();
    }, waitMs);
  });
}

async function rssBytes(): Promise<number> {
  const text = await (await fetch(`${stack.metricsBase}/metrics`)).text();
  return Number(text.match(/^hookbox_process_resident_memory_bytes\{[^}]*\} (\d+)/m)?.[1]);
}

/**
 * POSTs `total` bytes in 64 KiB chunks over a raw socket (with Content-Length or chunked) and
 * resolves as soon as the status line arrives; write errors after the server hung up are expected.
 */
function bigPost(total: number, withLength: boolean): Promise<{ status: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    let settled = false;
    const finish = (status: number) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve({ status, ms: Date.now() - started });
    };
    socket.on("data", (d) => {
      answer += d.toString();
      const m = answer.match(/^HTTP\/1\.1 (\d{3})/);
      if (m) finish(Number(m[1]));
    });
    socket.on("error", () => {});
    socket.on("close", () =>
      settled ? undefined : reject(new Error(`closed without an answer: ${answer}`)),
    );
    socket.write(
      `POST /in/small HTTP/1.1\r\nHost: x\r\n${withLength ? `Content-Length: ${total}` : "Transfer-Encoding: chunked"}\r\n\r\n`,
    );
    const chunk = Buffer.alloc(64 * 1024, 120);
    let sent = 0;
    const pump = () => {
      while (sent < total && !settled && !socket.destroyed) {
        sent += chunk.length;
        const frame = withLength
          ? chunk
          : Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]);
        if (!socket.write(frame)) return void socket.once("drain", pump);
      }
      if (!withLength && !settled && !socket.destroyed) socket.write("0\r\n\r\n");
    };
    pump();
  });
}

describe("slow and hostile clients", () => {
  it("a slowloris connection (headers never finished) is cut after the headers timeout", async () => {
    const { response, closedAfterMs } = await raw("POST /in/small HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n", {
      waitMs: 6_000,
    });
    expect(closedAfterMs).toBeLessThan(4_000);
    expect(response === "" || response.startsWith("HTTP/1.1 408")).toBe(true);
  });

  it("10 000 headers → 431", async () => {
    const headers = Array.from({ length: 10_000 }, (_, i) => `X-H${i}: v`).join("\r\n");
    const { response } = await raw(
      `POST /in/small HTTP/1.1\r\nHost: x\r\n${headers}\r\nContent-Length: 0\r\n\r\n`,
    );
    expect(response.startsWith("HTTP/1.1 431")).toBe(true);
  });

  it("one 1 MB header → 431", async () => {
    const { response } = await raw(
      `POST /in/small HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(1_000_000)}\r\nContent-Length: 0\r\n\r\n`,
    );
    expect(response.startsWith("HTTP/1.1 431")).toBe(true);
  });

  it("a 10 MB body to a 1 MiB source → 413 in well under a second, with or without Content-Length; RSS does not grow", async () => {
    const before = await rssBytes();
    for (const withLength of [true, false, true, false, true]) {
      const { status, ms } = await bigPost(10 * 1024 * 1024, withLength);
      expect(status).toBe(413);
      expect(ms).toBeLessThan(1_000);
      if (process.env.SHOW_TIMINGS) console.log({ withLength, status, ms });
    }
    const after = await rssBytes();
    // 50 MB were offered; the process kept none of it (the rest of each body is read and
    // discarded after the 413: some garbage until the next GC, not 50 MB).
    if (process.env.SHOW_TIMINGS) console.log({ rssBefore: before, rssAfter: after });
    expect(after - before).toBeLessThan(25 * 1024 * 1024);
    const [row] = await db.database.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM events`;
    expect(row?.n).toBe(0);
    // And the api still serves.
    expect((await fetch(`${stack.base}/in/small`, { method: "POST", body: "ok" })).status).toBe(202);
  });
});
