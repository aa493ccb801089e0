import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, deliver, type TestApi } from "./helpers.ts";

// Attack: exhaust a worker's (then every worker's) memory by giving a source a 100 MiB body
// limit and sending many such bodies (a worker claims up to WORKER_CONCURRENCY bodies at once),
// or by sending huge management requests and handler configs. MAX_BODY_BYTES is the operator's
// ceiling: a source may lower its limit, never raise it; /v1 bodies and handler configs are bounded.

const CEILING = 64 * 1024;
let api: TestApi;
beforeAll(async () => {
  api = await createTestApi("security_memory", { MAX_BODY_BYTES: String(CEILING) });
});
afterAll(() => api?.close());

async function problems(res: Response): Promise<string[]> {
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  return ((await res.json()) as { problems?: string[] }).problems ?? [];
}

describe("MAX_BODY_BYTES is a ceiling", () => {
  it("refuses a source limit above it at create and at PATCH, naming the setting", async () => {
    const created = await api.call("POST", "/v1/sources", {
      slug: "huge",
      scheme: "hmac-sha256",
      secret: "huge-secret-0123",
      handlers: [{ name: "log" }],
      maxBodyBytes: 100 * 1024 * 1024,
    });
    expect(created.status).toBe(400);
    expect((await problems(created)).join()).toMatch(/maxBodyBytes: at most 65536 \(MAX_BODY_BYTES\)/);
    const source = await api.createSource({
      slug: "small",
      scheme: "hmac-sha256",
      secret: "small-secret-0123",
    });
    const patched = await api.call("PATCH", `/v1/sources/${source.id}`, { maxBodyBytes: CEILING + 1 });
    expect(patched.status).toBe(400);
    const lower = await api.call("PATCH", `/v1/sources/${source.id}`, { maxBodyBytes: 1024 });
    expect(lower.status).toBe(200);
    expect(((await lower.json()) as { maxBodyBytes: number }).maxBodyBytes).toBe(1024);
  });

  it("holds for a source stored with a larger limit (before the ceiling existed): 413 above it, shown as the ceiling", async () => {
    const source = await api.createSource({
      slug: "legacy-big",
      scheme: "hmac-sha256",
      secret: "legacy-secret-0123",
    });
    await api.deps.sql`UPDATE sources SET max_body_bytes = ${50 * 1024 * 1024} WHERE id = ${source.id}`;
    api.deps.sources.invalidate("legacy-big");
    const res = await deliver(api, "legacy-big", Buffer.alloc(CEILING + 1, 97), "legacy-secret-0123");
    expect(res.status).toBe(413);
    const [row] = await api.deps.sql<
      { n: number }[]
    >`SELECT count(*)::int AS n FROM events WHERE source_id = ${source.id}`;
    expect(row?.n).toBe(0);
    const view = (await (await api.call("GET", `/v1/sources/${source.id}`)).json()) as {
      maxBodyBytes: number;
    };
    expect(view.maxBodyBytes).toBe(CEILING);
  });
});

describe("management requests are bounded", () => {
  it("answers 413 to a /v1 body over 1 MiB, before reading it, and creates nothing", async () => {
    const res = await api.call("POST", "/v1/sources", {
      slug: "padded",
      scheme: "hmac-sha256",
      handlers: [{ name: "log" }],
      name: "x".repeat(2 * 1024 * 1024),
    });
    expect(res.status).toBe(413);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const [row] = await api.deps.sql<
      { n: number }[]
    >`SELECT count(*)::int AS n FROM sources WHERE slug = 'padded'`;
    expect(row?.n).toBe(0);
  });

  it("refuses a handler config over 16 KiB of JSON", async () => {
    const res = await api.call("POST", "/v1/sources", {
      slug: "fat-config",
      scheme: "hmac-sha256",
      secret: "fat-secret-01234",
      handlers: [
        {
          name: "forward",
          config: {
            url: "https://example.com/x",
            headers: { "x-pad": "p".repeat(8000), "x-pad2": "q".repeat(8000), "x-pad3": "r".repeat(8000) },
          },
        },
      ],
    });
    expect(res.status).toBe(400);
    expect((await problems(res)).join()).toMatch(/handlers\.0\.config: at most 16384 bytes of JSON/);
  });
});
