import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type TestApi } from "./helpers.ts";

// Attack: a tenant sets `forward` headers that change what the request means on the way —
// `Host` (route it to another virtual host behind the receiver's proxy), `Transfer-Encoding` or
// `Content-Length` (request smuggling), hop-by-hop headers — or a name or value Node refuses,
// which fails every attempt much later as a dead event. All are refused at creation (400 with the
// header named), in the forward config schema.

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi("security_forward_headers");
});
afterAll(() => api?.close());

const forward = (headers: Record<string, string>) => [
  { name: "forward", config: { url: "https://receiver.example/hook", headers } },
];

describe("forward headers", () => {
  it.each([
    ["Host", "internal-admin.example", /cannot be set/],
    ["transfer-encoding", "chunked", /cannot be set/],
    ["Content-Length", "0", /cannot be set/],
    ["Connection", "close", /cannot be set/],
    ["Upgrade", "websocket", /cannot be set/],
    ["TE", "trailers", /cannot be set/],
    ["bad name", "x", /not a valid header name/],
    ["x-split", "a\r\nHost: evil.example", /control character/],
    ["x-nul", "a\u0000b", /control character/],
  ])("%s: %j is refused at create and patch", async (name, value, reason) => {
    const slug = `hdr-${Math.random().toString(36).slice(2, 8)}`;
    const created = await api.call("POST", "/v1/sources", {
      slug,
      scheme: "none",
      handlers: forward({ [name]: value }),
    });
    expect(created.status).toBe(400);
    const { problems } = (await created.json()) as { problems: string[] };
    expect(problems.join("\n")).toContain(`config.headers.${name}`);
    expect(problems.join("\n")).toMatch(reason);

    const source = await api.createSource({ slug, scheme: "none" });
    const patched = await api.call("PATCH", `/v1/sources/${source.id}`, {
      handlers: forward({ [name]: value }),
    });
    expect(patched.status).toBe(400);
    const [row] = await api.deps.sql<
      { handlers: unknown[] }[]
    >`SELECT handlers FROM sources WHERE id = ${source.id}`;
    expect(JSON.stringify(row?.handlers)).not.toContain(name);
  });

  it("ordinary headers are still accepted", async () => {
    const res = await api.call("POST", "/v1/sources", {
      slug: "hdr-ok",
      scheme: "none",
      // Content-Type is replaced by the event's own, as it always was (configs stored with it run).
      handlers: forward({
        Authorization: "Bearer downstream",
        "X-Tenant": "acme",
        "x-trace": "a\tb é",
        "Content-Type": "x",
      }),
    });
    expect(res.status).toBe(201);
  });
});
