import { DEFAULT_TENANT_ID, uuidv7 } from "@hookbox/shared";
import { signDelivery } from "@hookbox/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, TEST_ADMIN_KEY, type TestApi } from "./helpers.ts";

let api: TestApi;
let otherKey: string;
let otherTenant: string;
/** Rows of the default (admin) tenant that the other tenant must never see or touch. */
const mine = { source: "", slug: "mine", event: "", keyId: "", alert: "" };
const theirs = { source: "", event: "" };

beforeAll(async () => {
  api = await createTestApi("tenancy");
  const t = await api.call("POST", "/v1/tenants", { name: "acme" });
  expect(t.status).toBe(201);
  otherTenant = ((await t.json()) as { id: string }).id;
  const k = await api.call("POST", "/v1/api-keys", { name: "acme ci", tenantId: otherTenant });
  expect(k.status).toBe(201);
  otherKey = ((await k.json()) as { key: string }).key;

  const src = await api.createSource({ slug: mine.slug, scheme: "hmac-sha256", secret: "mine-secret" });
  mine.source = src.id;
  const body = "{}";
  const res = await api.app.request("/in/mine", {
    method: "POST",
    headers: signDelivery("hmac-sha256", { body, secret: "mine-secret" }),
    body,
  });
  mine.event = ((await res.json()) as { id: string }).id;
  // Settled, so a replay would be allowed for its own tenant; and an open alert for it.
  await api.deps.sql`UPDATE events SET status = 'dead', completed_at = now() WHERE id = ${mine.event}`;
  mine.alert = uuidv7();
  await api.deps
    .sql`INSERT INTO alerts (id, tenant_id, kind, event_id, message) VALUES (${mine.alert}, ${DEFAULT_TENANT_ID}, 'dead_letter', ${mine.event}, 'm')`;
  const myKey = await api.call("POST", "/v1/api-keys", { name: "mine" });
  mine.keyId = ((await myKey.json()) as { id: string }).id;

  const theirSource = await api.call(
    "POST",
    "/v1/sources",
    { slug: "theirs", scheme: "none", handlers: [] },
    otherKey,
  );
  theirs.source = ((await theirSource.json()) as { id: string }).id;
  const theirEvent = await api.app.request("/in/theirs", { method: "POST", body: "{}" });
  theirs.event = ((await theirEvent.json()) as { id: string }).id;
});
afterAll(() => api.close());

const asOther = (method: string, path: string, body?: unknown) => api.call(method, path, body, otherKey);

describe("another tenant's rows answer 404 and stay untouched", () => {
  it.each([
    ["GET", () => `/v1/sources/${mine.source}`, undefined],
    ["PATCH", () => `/v1/sources/${mine.source}`, { name: "hijacked", active: false }],
    ["DELETE", () => `/v1/sources/${mine.source}`, undefined],
    ["POST", () => `/v1/sources/${mine.source}/secrets`, {}],
    ["GET", () => `/v1/sources/${mine.source}/rejections`, undefined],
    ["GET", () => `/v1/events/${mine.event}`, undefined],
    ["DELETE", () => `/v1/api-keys/${mine.keyId}`, undefined],
    ["POST", () => `/v1/events/${mine.event}/replay`, undefined],
    ["POST", () => `/v1/alerts/${mine.alert}/ack`, undefined],
  ] as [string, () => string, unknown][])("%s %s", async (method, path, body) => {
    const res = await asOther(method, path(), body);
    expect(res.status).toBe(404);
  });

  it("after all those attempts, the rows are as they were", async () => {
    const src = (await (await api.call("GET", `/v1/sources/${mine.source}`)).json()) as Record<
      string,
      unknown
    >;
    expect(src).toMatchObject({ name: "mine", active: true });
    const body = "{}";
    const res = await api.app.request("/in/mine", {
      method: "POST",
      headers: signDelivery("hmac-sha256", { body, secret: "mine-secret" }),
      body,
    });
    expect(res.status).toBe(202); // the secret was not rotated
    const keys = (await (await api.call("GET", "/v1/api-keys")).json()) as { data: { id: string }[] };
    expect(keys.data.map((k) => k.id)).toContain(mine.keyId);
    const [event] = await api.deps.sql`SELECT status, run FROM events WHERE id = ${mine.event}`;
    expect(event).toEqual({ status: "dead", run: 0 }); // not replayed
    const [alert] = await api.deps.sql`SELECT acknowledged_at FROM alerts WHERE id = ${mine.alert}`;
    expect(alert?.acknowledged_at).toBeNull();
    const bulk = await asOther("POST", "/v1/events/replay", { source: mine.slug });
    expect(await bulk.json()).toMatchObject({ count: 0 });
    const ackMany = await asOther("POST", "/v1/alerts/ack", { ids: [mine.alert] });
    expect(await ackMany.json()).toEqual({ acknowledged: 0 });
  });

  it("lists show only the caller's rows", async () => {
    const events = (await (await asOther("GET", "/v1/events")).json()) as { data: { id: string }[] };
    expect(events.data.map((e) => e.id)).toEqual([theirs.event]);
    const filtered = (await (await asOther("GET", `/v1/events?source=${mine.slug}`)).json()) as {
      data: unknown[];
    };
    expect(filtered.data).toEqual([]);
    const sources = (await (await asOther("GET", "/v1/sources")).json()) as { data: { id: string }[] };
    expect(sources.data.map((s) => s.id)).toEqual([theirs.source]);
    const keys = (await (await asOther("GET", "/v1/api-keys")).json()) as { data: { tenantId: string }[] };
    expect(keys.data.every((k) => k.tenantId === otherTenant)).toBe(true);
    const adminEvents = (await (await api.call("GET", "/v1/events")).json()) as { data: { id: string }[] };
    expect(adminEvents.data.map((e) => e.id)).not.toContain(theirs.event);
  });
});

describe("tenants and keys", () => {
  it("only the admin key manages tenants or acts for another tenant", async () => {
    expect((await asOther("GET", "/v1/tenants")).status).toBe(403);
    expect((await asOther("POST", "/v1/tenants", { name: "x" })).status).toBe(403);
    const defaultTenant = "00000000-0000-7000-8000-000000000000";
    expect((await asOther("POST", "/v1/api-keys", { name: "sneaky", tenantId: defaultTenant })).status).toBe(
      404,
    );
    expect((await asOther("GET", `/v1/api-keys?tenantId=${defaultTenant}`)).status).toBe(404);
    const list = (await (await api.call("GET", "/v1/tenants")).json()) as { data: { name: string }[] };
    expect(list.data.map((t) => t.name)).toEqual(expect.arrayContaining(["acme", "default"]));
  });

  it("a key is shown once; only its hash and prefix are stored; a deleted key is 401 at once", async () => {
    const created = await asOther("POST", "/v1/api-keys", { name: "temp" });
    const key = (await created.json()) as { id: string; key: string; prefix: string };
    expect(key.key.startsWith(key.prefix)).toBe(true);
    const stored = await api.deps.sql`SELECT * FROM api_keys WHERE id = ${key.id}`;
    expect(JSON.stringify(stored)).not.toContain(key.key);
    const listed = await (await asOther("GET", "/v1/api-keys")).text();
    expect(listed).not.toContain(key.key);

    expect((await api.call("GET", "/v1/sources", undefined, key.key)).status).toBe(200);
    expect((await api.call("DELETE", `/v1/api-keys/${key.id}`, undefined, key.key)).status).toBe(204);
    expect((await api.call("GET", "/v1/sources", undefined, key.key)).status).toBe(401);
    expect((await api.call("GET", "/v1/sources", undefined, TEST_ADMIN_KEY)).status).toBe(200);
  });

  it("validates bodies", async () => {
    expect((await api.call("POST", "/v1/tenants", {})).status).toBe(400);
    expect((await api.call("POST", "/v1/api-keys", { name: "" })).status).toBe(400);
    expect(
      (
        await api.call("POST", "/v1/api-keys", {
          name: "x",
          tenantId: "00000000-0000-7000-8000-000000000009",
        })
      ).status,
    ).toBe(404);
  });
});
