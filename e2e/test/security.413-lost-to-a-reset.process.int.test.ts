import { connect, type Socket } from "node:net";
import { createTestDatabase, type TestDatabase } from "@hookbox/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ProcessStack, startProcessStack } from "../src/index.ts";

/**
 * The attack (or the merely careless sender): keep streaming far past a source's limit. The api
 * answers 413 at the first KiB; if it then closed the socket with unread input, the kernel would
 * send a reset and the sender — which, like most HTTP clients, reads the answer only once its
 * body is written — would lose the 413 and see a connection reset instead. The api discards the
 * rest (lingering close, bounded: LINGER_MAX_BYTES, and REQUEST_TIMEOUT_MS in time).
 */
let db: TestDatabase;
let stack: ProcessStack;
let port: number;
const REQUEST_TIMEOUT_MS = 8_000;

beforeAll(async () => {
  db = await createTestDatabase("linger");
  stack = await startProcessStack("linger", db.url, {
    REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    HEADERS_TIMEOUT_MS: "2000",
  });
  port = Number(new URL(stack.base).port);
  const res = await stack.call("POST", "/v1/sources", {
    slug: "tiny",
    scheme: "none",
    handlers: [],
    maxBodyBytes: 1024,
  });
  expect(res.status).toBe(201);
});
afterAll(async () => {
  await stack?.stop();
  await db?.drop();
});

const CHUNK = Buffer.alloc(64 * 1024, 120);

function frame(chunked: boolean): Buffer {
  return chunked
    ? Buffer.concat([Buffer.from(`${CHUNK.length.toString(16)}\r\n`), CHUNK, Buffer.from("\r\n")])
    : CHUNK;
}

/** Writes `total` bytes (Infinity: until the server cuts) at about `bytesPerSecond`, with backpressure. */
function stream(socket: Socket, total: number, bytesPerSecond: number, chunked: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let sent = 0;
    socket.on("error", reject);
    socket.on("close", () => resolve(sent));
    const pump = () => {
      while (sent < total && !socket.destroyed) {
        // Ahead of the rate: come back when the clock catches up.
        const due = (sent / bytesPerSecond) * 1000 - (Date.now() - started);
        if (due > 0) return void setTimeout(pump, due);
        sent += CHUNK.length;
        if (!socket.write(frame(chunked))) return void socket.once("drain", pump);
      }
      if (sent >= total) socket.write(chunked ? "0\r\n\r\n" : "", () => resolve(sent));
    };
    pump();
  });
}

function open(total: number, chunked: boolean): Socket {
  const socket = connect(port, "127.0.0.1");
  // Nothing is read until the body is written: the socket stays paused, as a client that writes
  // its request and then reads the answer.
  socket.pause();
  socket.write(
    `POST /in/tiny HTTP/1.1\r\nHost: x\r\n${chunked ? "Transfer-Encoding: chunked" : `Content-Length: ${total}`}\r\n\r\n`,
  );
  return socket;
}

function readStatusLine(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = "";
    socket.on("data", (d: Buffer) => {
      answer += d.toString();
      const line = answer.match(/^HTTP\/1\.1 \d{3}[^\r]*/)?.[0];
      if (line) resolve(line);
    });
    socket.on("error", reject);
    socket.on("close", () => reject(new Error(`closed without a status line: ${JSON.stringify(answer)}`)));
    socket.resume();
  });
}

describe("a sender streaming 30 MB past a 1 KiB limit", () => {
  it.each([
    ["with Content-Length", false],
    ["chunked", true],
  ])("reads its 413 once the body is written (%s)", async (_, chunked) => {
    const total = 30 * 1024 * 1024;
    const socket = open(total, chunked);
    // ~12 MB/s: a sender on an ordinary uplink, so the body takes seconds to arrive.
    const sent = await stream(socket, total, 12 * 1024 * 1024, chunked);
    expect(sent).toBeGreaterThanOrEqual(total);
    expect(await readStatusLine(socket)).toBe("HTTP/1.1 413 Payload Too Large");
    socket.destroy();
    const [row] = await db.database.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM events`;
    expect(row?.n).toBe(0);
  });

  it("and the same connection then serves the next request (the rest was discarded, not the socket)", async () => {
    const total = 2 * 1024 * 1024;
    const socket = open(total, false);
    await stream(socket, total, 64 * 1024 * 1024, false);
    socket.write("POST /in/tiny HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok");
    const statuses = await new Promise<string[]>((resolve, reject) => {
      let answer = "";
      socket.on("data", (d: Buffer) => {
        answer += d.toString();
        const lines = answer.match(/HTTP\/1\.1 \d{3}/g) ?? [];
        if (lines.length === 2) resolve(lines);
      });
      socket.on("close", () => reject(new Error(`closed: ${answer}`)));
      socket.resume();
    });
    socket.destroy();
    expect(statuses).toEqual(["HTTP/1.1 413", "HTTP/1.1 202"]);
  });
});

describe("the discarding is bounded", () => {
  it("a sender that never stops is cut after LINGER_MAX_BYTES (64 MiB) discarded", async () => {
    const socket = open(10 * 1024 * 1024 * 1024, false);
    const status = readStatusLine(socket);
    const started = Date.now();
    const sent = await stream(socket, Number.POSITIVE_INFINITY, 1024 * 1024 * 1024, false).catch(
      () => Number.NaN,
    );
    expect(await status).toBe("HTTP/1.1 413 Payload Too Large");
    // Cut by the byte bound, not by the request timeout; what the kernels buffered is on top.
    expect(Date.now() - started).toBeLessThan(REQUEST_TIMEOUT_MS);
    if (!Number.isNaN(sent)) expect(sent).toBeLessThan(160 * 1024 * 1024);
  });

  it("a slow sender that never stops is cut after REQUEST_TIMEOUT_MS", async () => {
    const socket = open(10 * 1024 * 1024 * 1024, true);
    const status = readStatusLine(socket);
    const started = Date.now();
    await stream(socket, Number.POSITIVE_INFINITY, 1024 * 1024, true).catch(() => undefined);
    expect(await status).toBe("HTTP/1.1 413 Payload Too Large");
    const ms = Date.now() - started;
    expect(ms).toBeGreaterThan(REQUEST_TIMEOUT_MS - 2_000);
    expect(ms).toBeLessThan(REQUEST_TIMEOUT_MS + 3_000);
  });
});
