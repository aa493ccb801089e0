import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, hmacHex, type TestApi } from "./helpers.ts";

// Through the real Node server (@hono/node-server), where the header is set on the cached answer
// instead of rebuilding it (http/response-header.ts): every kind of answer still carries it.
let api: TestApi;
let base: string;
let close: () => Promise<void>;

beforeAll(async () => {
  api = await createTestApi("request_id");
  await api.createSource({ slug: "rid", scheme: "hmac-sha256", secret: "rid-secret" });
  const server = serve({ fetch: api.app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise<void>((resolve) => server.close(() => resolve()));
});
afterAll(async () => {
  await close();
  await api.close();
});

const post = (body: string, headers: Record<string, string>) =>
  fetch(`${base}/in/rid`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });

describe("X-Request-Id on every answer", () => {
  it("202: a new id, and the JSON body intact", async () => {
    const body = JSON.stringify({ type: "t" });
    const res = await post(body, { "x-signature": `sha256=${hmacHex("rid-secret", body)}` });
    expect(res.status).toBe(202);
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toMatchObject({ status: "queued", duplicate: false });
  });

  it("the caller's sane X-Request-Id is echoed; a problem+json answer carries it too", async () => {
    const res = await post("{}", { "x-signature": "sha256=00", "x-request-id": "abc-123" });
    expect(res.status).toBe(401);
    expect(res.headers.get("x-request-id")).toBe("abc-123");
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(await res.json()).toMatchObject({ status: 401, requestId: "abc-123" });
  });

  it("an insane one is replaced; 404 and health answers carry one", async () => {
    const notFound = await fetch(`${base}/nope`, { headers: { "x-request-id": "bad id with spaces" } });
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const live = await fetch(`${base}/health/live`);
    expect(live.status).toBe(200);
    expect(live.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});
