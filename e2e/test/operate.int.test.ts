import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createStack,
  type Stack,
  startReceiver,
  TEST_ADMIN_KEY,
  waitFor,
  waitForStatus,
} from "../src/index.ts";

let stack: Stack;
let slack: Awaited<ReturnType<typeof startReceiver>>;
/** The receiver's answer, switchable per test. */
let answer = 200;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  slack = await startReceiver();
  receiver = await startReceiver(() => answer);
  stack = await createStack("operate", { MAX_ATTEMPTS: "2", SLACK_ALERT_WEBHOOK_URL: slack.url });
  await stack.createSource({
    slug: "op-a",
    scheme: "hmac-sha256",
    secret: "a-secret",
    handlers: [{ name: "forward", config: { url: receiver.url } }],
  });
  await stack.createSource({
    slug: "op-b",
    scheme: "hmac-sha256",
    secret: "b-secret",
    handlers: [{ name: "forward", config: { url: receiver.url } }],
  });
  // Two workers: alerts must still be opened exactly once per dead event.
  await stack.startWorker();
  await stack.startWorker();
});
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
  await slack?.close();
});

async function send(slug: string, type: string) {
  const body = JSON.stringify({ type, nonce: Math.random() });
  const secret = slug === "op-a" ? "a-secret" : "b-secret";
  const { code, id } = await stack.deliver(slug, secret, body);
  expect(code).toBe(202);
  return id;
}
const hits = (id: string) => receiver.requests.filter((r) => r.headers["x-hookbox-event-id"] === id).length;
const attempts = (id: string) =>
  stack.sql<
    { run: number; outcome: string }[]
  >`SELECT run, outcome FROM attempts WHERE event_id = ${id} ORDER BY id`;

describe("replay", () => {
  it("a completed event reaches the handler again, as a new run with new attempts", async () => {
    answer = 200;
    const id = await send("op-a", "r.done");
    await waitForStatus(stack.sql, id, "completed");
    expect(hits(id)).toBe(1);
    const res = await stack.call("POST", `/v1/events/${id}/replay`);
    expect(res.status).toBe(202);
    await waitFor(async () =>
      (await stack.sql`SELECT 1 FROM events WHERE id = ${id} AND run = 1 AND status = 'completed'`).length
        ? true
        : undefined,
    );
    expect(hits(id)).toBe(2);
    expect(await attempts(id)).toEqual([
      { run: 0, outcome: "success" },
      { run: 1, outcome: "success" },
    ]);
  });

  it("a dead event, fixed and replayed, completes", async () => {
    answer = 500;
    const id = await send("op-a", "r.dead");
    await waitForStatus(stack.sql, id, "dead");
    answer = 200;
    expect((await stack.call("POST", `/v1/events/${id}/replay`)).status).toBe(202);
    await waitForStatus(stack.sql, id, "completed");
    expect((await attempts(id)).map((a) => `${a.run}:${a.outcome}`)).toEqual([
      "0:error",
      "0:error",
      "1:success",
    ]);
  });

  it("bulk replay by filter touches exactly the matching events", async () => {
    answer = 200;
    const matching = [await send("op-b", "bulk.x"), await send("op-b", "bulk.x")];
    const otherType = await send("op-b", "bulk.y");
    const otherSource = await send("op-a", "bulk.x");
    for (const id of [...matching, otherType, otherSource]) await waitForStatus(stack.sql, id, "completed");
    const res = await stack.call("POST", "/v1/events/replay", { source: "op-b", type: "bulk.x" });
    expect(res.status).toBe(202);
    expect(((await res.json()) as { count: number }).count).toBe(2);
    await waitFor(async () => {
      const rows =
        await stack.sql`SELECT 1 FROM events WHERE id = ANY(${stack.sql.array(matching)}::uuid[]) AND run = 1 AND status = 'completed'`;
      return rows.length === 2 ? true : undefined;
    });
    for (const id of matching) expect(hits(id)).toBe(2);
    const untouched = await stack.sql<
      { run: number }[]
    >`SELECT run FROM events WHERE id IN (${otherType}, ${otherSource})`;
    expect(untouched.map((r) => r.run)).toEqual([0, 0]);
    expect(hits(otherType)).toBe(1);
  });
});

describe("alerts", () => {
  it("one dead_letter alert per dead event with two workers racing, each posted to Slack once", async () => {
    answer = 503;
    const ids = await Promise.all(
      Array.from({ length: 8 }, (_, i) => send(i % 2 ? "op-a" : "op-b", "doomed")),
    );
    for (const id of ids) await waitForStatus(stack.sql, id, "dead");
    const alerts = await stack.sql<{ event_id: string; n: number }[]>`
      SELECT event_id, count(*)::int AS n FROM alerts WHERE event_id = ANY(${stack.sql.array(ids)}::uuid[]) GROUP BY event_id`;
    expect(alerts).toHaveLength(8);
    expect(alerts.every((a) => a.n === 1)).toBe(true);

    const listed = (await (await stack.call("GET", "/v1/alerts?status=open&limit=100")).json()) as {
      data: { id: string; eventId: string; message: string }[];
    };
    const mine = listed.data.filter((a) => ids.includes(a.eventId));
    expect(mine).toHaveLength(8);
    expect(mine[0]?.message).toContain("is dead after 2 attempts");

    await waitFor(
      () =>
        ids.every((id) => slack.requests.some((r) => r.body.toString().includes(id))) ? true : undefined,
      {
        what: "a Slack message per alert",
      },
    );
    for (const id of ids)
      expect(slack.requests.filter((r) => r.body.toString().includes(id))).toHaveLength(1);
    answer = 200;
  });
});

describe("live stream", () => {
  let base: string;
  let server: ReturnType<typeof serve>;
  beforeAll(async () => {
    server = serve({ fetch: stack.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((r) => server.once("listening", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  /** Reads SSE frames from GET /v1/stream until `count` events arrived. */
  async function readEvents(count: number, lastEventId?: string) {
    const controller = new AbortController();
    const res = await fetch(`${base}/v1/stream`, {
      headers: {
        authorization: `Bearer ${TEST_ADMIN_KEY}`,
        ...(lastEventId ? { "last-event-id": lastEventId } : {}),
      },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const events: { event: string; id: string; data: Record<string, unknown> }[] = [];
    let buffer = "";
    const next = async () => {
      while (events.length < count) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += new TextDecoder().decode(value);
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(
            frame
              .split("\n")
              .filter((l) => l && !l.startsWith(":"))
              .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]),
          );
          if (fields.data)
            events.push({ event: fields.event ?? "", id: fields.id ?? "", data: JSON.parse(fields.data) });
          end = buffer.indexOf("\n\n");
        }
      }
      return events;
    };
    return { next, close: () => controller.abort() };
  }

  it("a subscriber sees a completion", async () => {
    const client = await readEvents(1);
    const reading = client.next();
    await new Promise((r) => setTimeout(r, 100)); // subscribed
    const id = await send("op-a", "stream.one");
    const [event] = await reading;
    client.close();
    expect(event).toMatchObject({
      event: "completed",
      id,
      data: { id, status: "completed", source: "op-a", type: "stream.one" },
    });
  });

  it("a client that misses three completions gets exactly those three on reconnect, then live ones", async () => {
    const first = await readEvents(1);
    const reading = first.next();
    await new Promise((r) => setTimeout(r, 100));
    const seen = await send("op-a", "stream.before");
    const [last] = await reading;
    expect(last?.id).toBe(seen);
    first.close(); // disconnected

    const missed: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = await send("op-a", "stream.missed");
      await waitForStatus(stack.sql, id, "completed");
      missed.push(id);
    }

    const again = await readEvents(4, seen);
    const reading2 = again.next();
    await new Promise((r) => setTimeout(r, 300));
    const liveId = await send("op-b", "stream.live");
    const events = await reading2;
    again.close();
    expect(events.map((e) => e.id)).toEqual([...missed, liveId]);
  });
});
