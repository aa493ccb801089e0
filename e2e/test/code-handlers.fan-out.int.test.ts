import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStack, type Stack, startReceiver, waitFor, waitForStatus } from "../src/index.ts";

// Issue 12: several handlers per source, each under its own key (fan-out), with its own attempts,
// and replays that choose keys. Real Postgres, Redis and local receivers for `forward`
// (ALLOW_PRIVATE_DESTINATIONS=true in the test env).
const HANDLERS_DIR = fileURLToPath(new URL("./fixtures/handlers", import.meta.url));

let stack: Stack;
let receiverA: Awaited<ReturnType<typeof startReceiver>>;
let receiverB: Awaited<ReturnType<typeof startReceiver>>;
/** Receiver b's answers per event id: the first request of each event gets 500, the rest 200. */
const failedOnceB = new Set<string>();

beforeAll(async () => {
  receiverA = await startReceiver();
  receiverB = await startReceiver((n) => {
    const id = String(receiverB.requests[n - 1]?.headers["x-hookbox-event-id"]);
    if (failedOnceB.has(id)) return 200;
    failedOnceB.add(id);
    return 500;
  });
  stack = await createStack("code-handlers-fan-out", { HANDLERS_DIR });
  expect(stack.config.allowPrivateDestinations).toBe(true);
  await stack.createSource({
    slug: "fan-out",
    scheme: "hmac-sha256",
    secret: "fan-secret",
    handlers: [
      { name: "forward", key: "a", config: { url: receiverA.url } },
      { name: "forward", key: "b", config: { url: receiverB.url } },
    ],
  });
  await stack.createSource({
    slug: "half-dead",
    scheme: "hmac-sha256",
    secret: "half-secret",
    handlers: [
      { name: "forward", key: "ok", config: { url: receiverA.url } },
      { name: "refuses-first-run", key: "fix-me" },
    ],
  });
  await stack.startWorker();
});
afterAll(async () => {
  await stack?.close();
  await receiverA?.close();
  await receiverB?.close();
});

const hits = (receiver: typeof receiverA, id: string) =>
  receiver.requests.filter((r) => r.headers["x-hookbox-event-id"] === id).length;

interface EventDetail {
  status: string;
  run: number;
  attempts: { handler: string; attempt: number; run: number; outcome: string }[];
  handlers: { key: string; name: string; status: string; attempts: number }[];
}

async function detail(id: string): Promise<EventDetail> {
  const res = await stack.call("GET", `/v1/events/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as EventDetail;
}

async function send(slug: string, secret: string): Promise<string> {
  const { code, id } = await stack.deliver(
    slug,
    secret,
    JSON.stringify({ type: "order.paid", n: Math.random() }),
  );
  expect(code).toBe(202);
  return id;
}

/** The attempts of one run, per key, in order. */
function outcomesByKey(event: EventDetail, run: number): Record<string, string[]> {
  const byKey: Record<string, string[]> = {};
  for (const a of event.attempts.filter((x) => x.run === run)) {
    byKey[a.handler] = [...(byKey[a.handler] ?? []), a.outcome];
  }
  return byKey;
}

async function waitForRun(id: string, run: number, status: string) {
  await waitFor(
    async () =>
      (await stack.sql`SELECT 1 FROM events WHERE id = ${id} AND run = ${run} AND status = ${status}`).length
        ? true
        : undefined,
    { what: `event ${id} run ${run} to be ${status}` },
  );
}

/** A fan-out event, delivered and completed (b failed once on the way). */
async function completedFanOut(): Promise<string> {
  const id = await send("fan-out", "fan-secret");
  await waitForStatus(stack.sql, id, "completed");
  return id;
}

describe("fan-out: two forward handlers under keys a and b", () => {
  it("b's failure retries b only; a ran exactly once; the event shows both keys' attempts", async () => {
    const id = await completedFanOut();
    expect(hits(receiverA, id)).toBe(1);
    expect(hits(receiverB, id)).toBe(2);
    const event = await detail(id);
    expect(event.status).toBe("completed");
    expect(outcomesByKey(event, 0)).toEqual({ a: ["success"], b: ["error", "success"] });
    expect(
      event.handlers.map(({ key, name, status, attempts }) => ({ key, name, status, attempts })),
    ).toEqual([
      { key: "a", name: "forward", status: "succeeded", attempts: 1 },
      { key: "b", name: "forward", status: "succeeded", attempts: 2 },
    ]);
  });
});

describe("the api checks a source's handler list", () => {
  const create = (slug: string, handlers: unknown[]) =>
    stack.call("POST", "/v1/sources", { slug, scheme: "hmac-sha256", handlers });

  it("refuses two handlers under the same key, naming the key", async () => {
    const res = await create("same-key", [
      { name: "forward", key: "out", config: { url: receiverA.url } },
      { name: "log", key: "out" },
    ]);
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { problems: string[] };
    expect(problem.problems.join("\n")).toMatch(/repeated: out\b/);
  });

  it("accepts one handler twice under distinct keys", async () => {
    const res = await create("two-forwards", [
      { name: "forward", key: "primary", config: { url: receiverA.url } },
      { name: "forward", key: "mirror", config: { url: receiverB.url } },
    ]);
    expect(res.status).toBe(201);
    const source = (await res.json()) as { handlers: { name: string; key: string }[] };
    expect(source.handlers.map((h) => [h.name, h.key])).toEqual([
      ["forward", "primary"],
      ["forward", "mirror"],
    ]);
  });

  it("refuses an unknown handler with the list of known ones (built-ins and code handlers)", async () => {
    const res = await create("typo", [{ name: "forwrad", config: { url: receiverA.url } }]);
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { problems: string[] };
    const line = problem.problems.find((p) => p.includes('unknown handler "forwrad"'));
    const known = /\(known: (.*)\)/.exec(line ?? "")?.[1]?.split(", ");
    expect(known).toEqual(
      expect.arrayContaining(["forward", "log", "slack", "refuses-first-run", "stripe-invoice", "two-steps"]),
    );
  });
});

describe("replay of chosen keys", () => {
  it('{"handlers":["b"]} on a completed event runs only b; a is carried', async () => {
    const id = await completedFanOut();
    const res = await stack.call("POST", `/v1/events/${id}/replay`, { handlers: ["b"] });
    expect(res.status).toBe(202);
    await waitForRun(id, 1, "completed");
    expect(hits(receiverA, id)).toBe(1);
    expect(hits(receiverB, id)).toBe(3);
    const event = await detail(id);
    expect(outcomesByKey(event, 1)).toEqual({ b: ["success"] });
    expect(event.handlers.map(({ key, status }) => ({ key, status }))).toEqual([
      { key: "a", status: "carried" },
      { key: "b", status: "succeeded" },
    ]);
  });

  it("a dead event replayed without a body runs only the keys that had not succeeded", async () => {
    const id = await send("half-dead", "half-secret");
    await waitForStatus(stack.sql, id, "dead");
    expect(hits(receiverA, id)).toBe(1);
    expect(outcomesByKey(await detail(id), 0)).toEqual({ ok: ["success"], "fix-me": ["error"] });

    const res = await stack.call("POST", `/v1/events/${id}/replay`);
    expect(res.status).toBe(202);
    await waitForRun(id, 1, "completed");
    expect(hits(receiverA, id)).toBe(1);
    const event = await detail(id);
    expect(outcomesByKey(event, 1)).toEqual({ "fix-me": ["success"] });
    expect(event.handlers.map(({ key, status }) => ({ key, status }))).toEqual([
      { key: "ok", status: "carried" },
      { key: "fix-me", status: "succeeded" },
    ]);
  });
});
