import { Writable } from "node:stream";
import { createLogger } from "@hookbox/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, deliver, TEST_ADMIN_KEY, type TestApi } from "./helpers.ts";

let api: TestApi;
const logLines: string[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger("debug", {}, sink);
  api = await createTestApi("management", { LOG_LEVEL: "debug" }, { logger });
});
afterAll(() => api.close());

describe("auth", () => {
  it.each([
    ["no header", undefined],
    ["wrong key", "wrong-key-wrong-key-wrong-key-wrong-key"],
  ])("%s → 401 problem+json", async (_name, key) => {
    const res = await api.app.request(
      "/v1/sources",
      key ? { headers: { authorization: `Bearer ${key}` } } : {},
    );
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
  });
});

describe("sources", () => {
  it("creates a source, shows the secret once, then never again", async () => {
    const res = await api.call("POST", "/v1/sources", {
      slug: "stripe-prod",
      name: "Stripe (prod)",
      scheme: "hmac-sha256",
      handlers: [{ name: "forward", config: { url: "https://example.com/hook", timeoutMs: 5000 } }],
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as Record<string, unknown>;
    expect(created).toMatchObject({
      slug: "stripe-prod",
      name: "Stripe (prod)",
      scheme: "hmac-sha256",
      toleranceSeconds: 300,
      idempotency: null,
      eventType: null,
      maxBodyBytes: 1_048_576,
      rateLimitPerSecond: null,
      active: true,
      ingestUrl: expect.stringMatching(/\/in\/stripe-prod$/),
    });
    expect(typeof created.secret).toBe("string");
    expect((created.secret as string).length).toBeGreaterThanOrEqual(32);

    const got = (await (await api.call("GET", `/v1/sources/${created.id}`)).json()) as Record<
      string,
      unknown
    >;
    expect(got).not.toHaveProperty("secret");
    const list = (await (await api.call("GET", "/v1/sources")).json()) as { data: Record<string, unknown>[] };
    expect(list.data.find((s) => s.id === created.id)).not.toHaveProperty("secret");
    expect(JSON.stringify(list)).not.toContain(created.secret as string);
  });

  it("400 names each problem", async () => {
    const res = await api.call("POST", "/v1/sources", {
      slug: "Bad Slug!",
      scheme: "carrier-pigeon",
      handlers: [{ name: "forward", config: {} }],
      toleranceSeconds: -1,
    });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { problems: string[]; status: number };
    const text = problem.problems.join("\n");
    expect(text).toContain("slug");
    expect(text).toContain("scheme");
    expect(text).toContain("toleranceSeconds");
  });

  it("400 for an unknown handler or a bad handler config", async () => {
    const res = await api.call("POST", "/v1/sources", {
      slug: "bad-handlers",
      scheme: "hmac-sha256",
      handlers: [
        { name: "exec", config: {} },
        { name: "forward", config: { url: "ftp://x" } },
      ],
    });
    expect(res.status).toBe(400);
    const text = ((await res.json()) as { problems: string[] }).problems.join("\n");
    expect(text).toContain('unknown handler "exec"');
    expect(text).toContain("handlers.1: config.url");
    const list = (await (await api.call("GET", "/v1/sources")).json()) as { data: { slug: string }[] };
    expect(list.data.map((s) => s.slug)).not.toContain("bad-handlers");
  });

  it("400 for malformed JSON", async () => {
    const res = await api.app.request("/v1/sources", {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, "content-type": "application/json" },
      body: "{not json",
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
  });

  it("409 when the slug is taken; free again after delete", async () => {
    const first = await api.createSource({ slug: "taken", scheme: "token" });
    const again = await api.call("POST", "/v1/sources", { slug: "taken", scheme: "token", handlers: [] });
    expect(again.status).toBe(409);
    expect((await api.call("DELETE", `/v1/sources/${first.id}`)).status).toBe(204);
    expect((await api.call("GET", `/v1/sources/${first.id}`)).status).toBe(404);
    const reused = await api.call("POST", "/v1/sources", { slug: "taken", scheme: "token", handlers: [] });
    expect(reused.status).toBe(201);
  });

  it("PATCH changes fields, validates, and takes effect on ingest at once", async () => {
    const src = await api.createSource({ slug: "patchme", scheme: "hmac-sha256", secret: "patch-secret" });
    const bad = await api.call("PATCH", `/v1/sources/${src.id}`, { toleranceSeconds: "soon" });
    expect(bad.status).toBe(400);
    const res = await api.call("PATCH", `/v1/sources/${src.id}`, { active: false, name: "Paused" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ active: false, name: "Paused" });
    expect((await deliver(api, "patchme", "{}", "patch-secret")).status).toBe(404);
    await api.call("PATCH", `/v1/sources/${src.id}`, { active: true });
    expect((await deliver(api, "patchme", "{}", "patch-secret")).status).toBe(202);
  });

  it("paginates sources with a cursor", async () => {
    for (const i of [1, 2, 3]) await api.createSource({ slug: `page-src-${i}`, scheme: "none" });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await api.call("GET", `/v1/sources?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      const body = (await res.json()) as { data: { slug: string }[]; nextCursor: string | null };
      expect(body.data.length).toBeLessThanOrEqual(2);
      seen.push(...body.data.map((s) => s.slug));
      cursor = body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(["page-src-1", "page-src-2", "page-src-3"]));
  });

  it("rejects a forged cursor with 400", async () => {
    expect((await api.call("GET", "/v1/sources?cursor=bm90LWEtY3Vyc29y")).status).toBe(400);
  });
});

describe("events", () => {
  it("lists newest first with keyset pagination and filters", async () => {
    const src = await api.createSource({ slug: "ev-list", scheme: "hmac-sha256", secret: "ev-secret" });
    for (let i = 0; i < 5; i++) {
      expect((await deliver(api, src.slug, JSON.stringify({ n: i, type: "t" }), "ev-secret")).status).toBe(
        202,
      );
    }
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await api.call(
        "GET",
        `/v1/events?source=ev-list&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(res.status).toBe(200);
      const page = (await res.json()) as {
        data: { id: string; source: string }[];
        nextCursor: string | null;
      };
      ids.push(...page.data.map((e) => e.id));
      expect(page.data.every((e) => e.source === "ev-list")).toBe(true);
      cursor = page.nextCursor;
    } while (cursor);
    expect(ids).toHaveLength(5);
    expect([...ids].sort().reverse()).toEqual(ids); // newest first
    const queued = (await (await api.call("GET", `/v1/events?source=${src.id}&status=queued`)).json()) as {
      data: unknown[];
    };
    expect(queued.data).toHaveLength(5);
    const none = (await (await api.call("GET", "/v1/events?source=ev-list&status=dead")).json()) as {
      data: unknown[];
    };
    expect(none.data).toHaveLength(0);
  });

  it("limit out of range → 400", async () => {
    expect((await api.call("GET", "/v1/events?limit=0")).status).toBe(400);
    expect((await api.call("GET", "/v1/events?limit=101")).status).toBe(400);
  });

  it("shows one event with redacted headers, the body, and attempts; base64 for non-UTF-8", async () => {
    const src = await api.createSource({ slug: "ev-one", scheme: "hmac-sha256", secret: "one-secret" });
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x41]);
    const res = await deliver(api, src.slug, bytes, "one-secret", {
      authorization: "Bearer should-not-be-stored",
    });
    const { id } = (await res.json()) as { id: string };
    const event = (await (await api.call("GET", `/v1/events/${id}`)).json()) as Record<string, unknown>;
    expect(event).toMatchObject({
      id,
      source: "ev-one",
      status: "queued",
      bodyEncoding: "base64",
      attempts: [],
    });
    expect(Buffer.from(event.body as string, "base64").equals(bytes)).toBe(true);
    expect(event.headers).not.toHaveProperty("x-signature");
    expect(event.headers).not.toHaveProperty("authorization");
    expect((await api.call("GET", "/v1/events/00000000-0000-7000-8000-00000000dead")).status).toBe(404);
  });
});

describe("health and metrics", () => {
  it("live and ready answer 200 with both services up", async () => {
    expect((await api.app.request("/health/live")).status).toBe(200);
    const ready = await api.app.request("/health/ready");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ postgres: true, redis: true });
  });

  it("exports ingest counters by source and result", async () => {
    const text = await api.scrape();
    expect(text).toMatch(
      /hookbox_ingest_requests_total\{[^}]*source="ev-list"[^}]*result="accepted"[^}]*\} 5/,
    );
    expect(text).toContain("hookbox_http_requests_total");
  });
});

describe("secrets stay secret", () => {
  it("no secret, signature or key appears in any log line", async () => {
    const src = await api.createSource({
      slug: "leak-check",
      scheme: "hmac-sha256",
      secret: "super-secret-value-xyz",
    });
    await deliver(api, src.slug, "{}", "wrong-secret-abc");
    await deliver(api, src.slug, "{}", "super-secret-value-xyz");
    const all = logLines.join("");
    expect(logLines.length).toBeGreaterThan(0);
    expect(all).not.toContain("super-secret-value-xyz");
    expect(all).not.toContain(TEST_ADMIN_KEY);
    expect(all).not.toMatch(/sha256=[0-9a-f]{64}/);
  });
});
