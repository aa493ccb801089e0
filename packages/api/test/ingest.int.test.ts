import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countEvents, createTestApi, deliver, hmacHex, type TestApi } from "./helpers.ts";

let api: TestApi;
let source: { id: string; slug: string; secret: string };

beforeAll(async () => {
  api = await createTestApi("ingest");
  source = await api.createSource({ slug: "orders", scheme: "hmac-sha256", secret: "orders-secret-1" });
});
afterAll(() => api.close());

const body = (id: string) => JSON.stringify({ id, type: "order.paid", amount: 42 });

describe("POST /in/:source — accepted", () => {
  it("persists the exact bytes, enqueues one job and answers 202 queued", async () => {
    const payload = body("a1");
    const res = await deliver(api, source.slug, payload, source.secret, { "idempotency-key": "a1" });
    expect(res.status).toBe(202);
    const answer = (await res.json()) as { id: string; status: string; duplicate: boolean };
    expect(answer).toMatchObject({ status: "queued", duplicate: false });

    const [row] = await api.deps.sql<
      { body: Buffer; status: string; event_type: string; headers: Record<string, string> }[]
    >`
      SELECT body, status, event_type, headers FROM events WHERE id = ${answer.id}`;
    expect(row?.body.equals(Buffer.from(payload))).toBe(true);
    expect(row?.status).toBe("queued");
    expect(row?.event_type).toBe("order.paid");
    expect(row?.headers).not.toHaveProperty("x-signature");

    // The job is added after the answer (docs/adr/0013-ack-without-redis.md).
    await api.deps.enqueuer.drain();
    const job = await api.deps.queues[0].getJob(answer.id);
    expect(job?.data).toEqual({ eventId: answer.id });
  });

  it("stores headers, keys and types with quotes, backslashes, braces and non-ASCII exactly (batched together)", async () => {
    const odd = ['a "quoted" \\back\\slash', "{not,an,array}", "NULL", "ünïcødé", ""];
    const answers = await Promise.all(
      odd.map((value, i) => {
        const payload = JSON.stringify({ id: `odd-${i}`, type: value });
        return deliver(api, source.slug, payload, source.secret, {
          "idempotency-key": `${value}-${i}`,
          "x-odd": value,
        });
      }),
    );
    for (const [i, res] of answers.entries()) {
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: string };
      const [row] = await api.deps.sql<
        { key: string; type: string | null; headers: Record<string, string> }[]
      >`
        SELECT idempotency_key AS key, event_type AS type, headers FROM events WHERE id = ${id}`;
      expect(row?.key).toBe(`${odd[i]}-${i}`);
      expect(row?.headers["x-odd"]).toBe(odd[i]);
    }
  });

  it("answers a repeated idempotency key with 200, the same id and duplicate:true", async () => {
    const first = await deliver(api, source.slug, body("dup"), source.secret, { "idempotency-key": "dup-1" });
    const second = await deliver(api, source.slug, body("dup"), source.secret, {
      "idempotency-key": "dup-1",
    });
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    const a = (await first.json()) as { id: string };
    const b = (await second.json()) as { id: string; duplicate: boolean };
    expect(b.id).toBe(a.id);
    expect(b.duplicate).toBe(true);
  });

  it("turns 50 concurrent identical deliveries into exactly one row and one job", async () => {
    const before = await countEvents(api, source.id);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        deliver(api, source.slug, body("race"), source.secret, { "idempotency-key": "race-1" }),
      ),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(49);
    const ids = new Set(await Promise.all(answers.map(async (r) => ((await r.json()) as { id: string }).id)));
    expect(ids.size).toBe(1);
    expect(await countEvents(api, source.id)).toBe(before + 1);
    const [id] = [...ids];
    await api.deps.enqueuer.drain();
    const jobs = await api.deps.queues[0].getJobs(["waiting", "active", "delayed", "completed", "failed"]);
    expect(jobs.filter((j) => j.data.eventId === id)).toHaveLength(1);
  });

  it("treats deliveries without any key as new events each time", async () => {
    const before = await countEvents(api, source.id);
    const payload = "not json at all";
    await deliver(api, source.slug, payload, source.secret);
    await deliver(api, source.slug, payload, source.secret);
    expect(await countEvents(api, source.id)).toBe(before + 2);
  });
});

describe("POST /in/:source — refused, and nothing stored", () => {
  const sig = (s: string) => `sha256=${hmacHex(source.secret, s)}`;
  it.each([
    ["tampered body", () => ({ body: body("t2"), headers: { "x-signature": sig(body("t1")) } })],
    ["missing signature", () => ({ body: body("t3"), headers: {} })],
    [
      "signature of the wrong length",
      () => ({ body: body("t4"), headers: { "x-signature": "sha256=abcd" } }),
    ],
    [
      "signature signed with another secret",
      () => ({ body: body("t5"), headers: { "x-signature": `sha256=${hmacHex("other", body("t5"))}` } }),
    ],
    ["garbage signature", () => ({ body: body("t6"), headers: { "x-signature": "ÿþ".repeat(32) } })],
  ])("%s → 401 problem+json", async (_name, make) => {
    const before = await countEvents(api, source.id);
    const { body: payload, headers } = make();
    const res = await deliver(api, source.slug, payload, null, headers);
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const problem = (await res.json()) as { title: string; detail: string; status: number };
    expect(problem.status).toBe(401);
    // No hint of which part failed.
    expect(problem.detail).toBe("The delivery could not be verified.");
    expect(await countEvents(api, source.id)).toBe(before);
  });

  it("unknown source → 404 problem+json", async () => {
    const res = await deliver(api, "no-such-source", body("x"), source.secret);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
  });

  it("inactive source → 404", async () => {
    const inactive = await api.createSource({
      slug: "paused",
      scheme: "hmac-sha256",
      secret: "paused-secret",
      active: false,
    });
    const res = await deliver(api, inactive.slug, body("p"), inactive.secret);
    expect(res.status).toBe(404);
    expect(await countEvents(api, inactive.id)).toBe(0);
  });

  it("body over the limit with Content-Length → 413 before reading", async () => {
    const small = await api.createSource({
      slug: "small",
      scheme: "hmac-sha256",
      secret: "small-secret",
      maxBodyBytes: 100,
    });
    const payload = "x".repeat(101);
    const res = await deliver(api, small.slug, payload, small.secret, { "content-length": "101" });
    expect(res.status).toBe(413);
    expect(await countEvents(api, small.id)).toBe(0);
  });

  it("body over the limit without Content-Length (streamed) → 413, stops reading", async () => {
    const limited = await api.createSource({
      slug: "streamed",
      scheme: "hmac-sha256",
      secret: "stream-secret",
      maxBodyBytes: 1024,
    });
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 1000) controller.close();
        else controller.enqueue(new Uint8Array(512));
      },
    });
    const res = await api.app.request(`/in/${limited.slug}`, {
      method: "POST",
      headers: { "x-signature": "sha256=00" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(pulled).toBeLessThan(10); // abandoned at the limit, not read to the end
    expect(await countEvents(api, limited.id)).toBe(0);
  });

  it("a body exactly at the limit is accepted", async () => {
    const exact = await api.createSource({
      slug: "exact",
      scheme: "hmac-sha256",
      secret: "exact-secret",
      maxBodyBytes: 64,
    });
    const res = await deliver(api, exact.slug, "y".repeat(64), exact.secret);
    expect(res.status).toBe(202);
  });
});

describe("token and none schemes", () => {
  it("token: right token 202, wrong token 401 and no row", async () => {
    const src = await api.createSource({ slug: "tok", scheme: "token", secret: "the-shared-token" });
    const ok = await api.app.request(`/in/${src.slug}`, {
      method: "POST",
      headers: { "x-webhook-token": "the-shared-token" },
      body: "{}",
    });
    expect(ok.status).toBe(202);
    const bearer = await api.app.request(`/in/${src.slug}`, {
      method: "POST",
      headers: { authorization: "Bearer the-shared-token" },
      body: "{}",
    });
    expect(bearer.status).toBe(202);
    const bad = await api.app.request(`/in/${src.slug}`, {
      method: "POST",
      headers: { "x-webhook-token": "the-shared-tokeN" },
      body: "{}",
    });
    expect(bad.status).toBe(401);
    expect(await countEvents(api, src.id)).toBe(2);
  });

  it("none: accepts unsigned deliveries, key from Idempotency-Key, type from X-Event-Type", async () => {
    const src = await api.createSource({ slug: "open", scheme: "none" });
    const res = await api.app.request(`/in/${src.slug}`, {
      method: "POST",
      headers: { "idempotency-key": "n-1", "x-event-type": "ping" },
      body: "hello",
    });
    expect(res.status).toBe(202);
    const [row] = await api.deps.sql<{ idempotency_key: string; event_type: string }[]>`
      SELECT idempotency_key, event_type FROM events WHERE source_id = ${src.id}`;
    expect(row).toEqual({ idempotency_key: "n-1", event_type: "ping" });
  });
});
