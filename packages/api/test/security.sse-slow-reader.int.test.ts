import type { Server } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { serve } from "@hono/node-server";
import { type CompletionMessage, completionChannel, uuidv7 } from "@hookbox/shared";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type TestApi } from "./helpers.ts";

// The attacks: (1) a client opens /v1/stream and never reads, while its tenant's completions keep
// coming — without a bound the api buffers every message for it until it runs out of memory;
// (2) one tenant opens streams without end and holds the api's sockets and memory.

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

let api: TestApi;
let server: ReturnType<typeof serve>;
let port: number;
let publisher: Redis;
const tenants: Record<"slow" | "control" | "greedy" | "other", { id: string; key: string }> = {
  slow: { id: "", key: "" },
  control: { id: "", key: "" },
  greedy: { id: "", key: "" },
  other: { id: "", key: "" },
};

beforeAll(async () => {
  api = await createTestApi("sse_slow_reader");
  for (const name of Object.keys(tenants) as (keyof typeof tenants)[]) {
    const t = (await (await api.call("POST", "/v1/tenants", { name })).json()) as { id: string };
    const k = (await (await api.call("POST", "/v1/api-keys", { name, tenantId: t.id })).json()) as {
      key: string;
    };
    tenants[name] = { id: t.id, key: k.key };
  }
  server = serve({ fetch: api.app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise((r) => server.once("listening", r));
  port = (server.address() as AddressInfo).port;
  publisher = new Redis(api.config.redisUrl);
});
afterAll(async () => {
  publisher?.disconnect();
  (server as Server | undefined)?.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await api.close();
});

function completion(tenantId: string, type: string): CompletionMessage {
  const at = new Date().toISOString();
  return {
    id: uuidv7(),
    tenantId,
    source: "s",
    type,
    status: "completed",
    attempts: 1,
    receivedAt: at,
    completedAt: at,
    durationMs: 0,
  };
}

async function publish(messages: CompletionMessage[]): Promise<void> {
  const batch = publisher.pipeline();
  for (const m of messages) batch.publish(completionChannel(m.source, m.type, m.status), JSON.stringify(m));
  await batch.exec();
}

/** A raw HTTP client on /v1/stream that reads nothing after connecting (paused socket). */
function silentStream(key: string): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(`GET /v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n\r\n`);
      socket.pause();
      resolve(socket);
    });
  });
}

const open = (key: string, signal: AbortSignal) =>
  fetch(`http://127.0.0.1:${port}/v1/stream`, { headers: { authorization: `Bearer ${key}` }, signal });

/** Reads a stream until a frame containing `marker` arrived. */
async function readUntil(res: Response, marker: string): Promise<void> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let text = "";
  while (!text.includes(marker)) {
    const { value, done } = await reader.read();
    if (done) throw new Error("stream ended");
    text += new TextDecoder().decode(value);
  }
}

describe("a client that stops reading", () => {
  it("is dropped once its buffer is full; the api's memory stays bounded; it can read what it got and reconnect", async () => {
    const controller = new AbortController();
    const control = await open(tenants.control.key, controller.signal);
    const silent = await silentStream(tenants.slow.key);
    await new Promise((r) => setTimeout(r, 200)); // both subscribed
    gc();
    const baseline = process.memoryUsage().heapUsed;

    // 3,000 completions of ~8 KiB each: 24 MiB for a client that reads none of it.
    const type = "t".repeat(8 * 1024);
    for (let i = 0; i < 30; i++)
      await publish(Array.from({ length: 100 }, () => completion(tenants.slow.id, type)));
    const marker = completion(tenants.control.id, "marker");
    await publish([marker]);
    // The hub handles messages in order: when the control tenant's marker arrives, every one before it was dispatched.
    await readUntil(control, marker.id);
    await new Promise((r) => setTimeout(r, 100));
    gc();
    const growth = process.memoryUsage().heapUsed - baseline;
    expect(growth).toBeLessThan(8 * 1024 * 1024);

    // Dropped: after what the kernel had buffered, the stream ends — far short of 16 MiB.
    let received = 0;
    silent.on("data", (chunk: Buffer) => {
      received += chunk.length;
    });
    const ended = new Promise((r) => silent.once("close", r));
    silent.resume();
    await ended;
    expect(received).toBeLessThan(8 * 1024 * 1024);
    controller.abort();

    // And its slot is free again: the tenant holds a full set of streams.
    const again = new AbortController();
    const streams = await Promise.all(
      Array.from({ length: api.config.streamMaxPerTenant }, () => open(tenants.slow.key, again.signal)),
    );
    expect(streams.map((r) => r.status)).toEqual(streams.map(() => 200));
    again.abort();
  });
});

describe("connections per tenant", () => {
  it("the 11th stream of a tenant is 429 with Retry-After; another tenant still connects; a closed one frees its slot", async () => {
    expect(api.config.streamMaxPerTenant).toBe(10);
    const controller = new AbortController();
    const held = await Promise.all(
      Array.from({ length: 10 }, () => open(tenants.greedy.key, controller.signal)),
    );
    expect(held.map((r) => r.status)).toEqual(held.map(() => 200));

    const refused = await open(tenants.greedy.key, controller.signal);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/STREAM_MAX_PER_TENANT/);

    const other = new AbortController();
    expect((await open(tenants.other.key, other.signal)).status).toBe(200);
    other.abort();

    const one = new AbortController();
    controller.abort();
    // The server notices the closed sockets; then the tenant connects again.
    await expect
      .poll(async () => {
        const res = await open(tenants.greedy.key, one.signal);
        return res.status;
      })
      .toBe(200);
    one.abort();
  });
});
