import { DEFAULT_TENANT_ID, secretBoxOf } from "@hookbox/shared";
import { signDelivery } from "@hookbox/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSourceCache } from "../src/ingest/source-cache.ts";
import { createTestApi, type TestApi } from "./helpers.ts";

// The attack: a tenant the operator wants out (abuse, unpaid, compromised) keeps using its keys,
// its console sessions and its ingest URLs; a leaked key of a tenant cannot be revoked by the
// operator. The admin key disables tenants (PATCH /v1/tenants/:id {active:false}) and revokes
// any tenant's key (DELETE /v1/api-keys/:id).

let api: TestApi;
let tenant: string;
let key: string;
let keyId: string;
let slug: string;
let secret: string;

beforeAll(async () => {
  api = await createTestApi("tenant_disable");
  tenant = ((await (await api.call("POST", "/v1/tenants", { name: "mallory" })).json()) as { id: string }).id;
  const created = (await (
    await api.call("POST", "/v1/api-keys", { name: "m", tenantId: tenant })
  ).json()) as {
    id: string;
    key: string;
  };
  [key, keyId] = [created.key, created.id];
  const src = (await (
    await api.call("POST", "/v1/sources", { slug: "mallory-in", scheme: "hmac-sha256", handlers: [] }, key)
  ).json()) as { slug: string; secret: string };
  [slug, secret] = [src.slug, src.secret];
});
afterAll(() => api.close());

const ingest = () => {
  const body = JSON.stringify({ id: `evt_${Math.random()}`, type: "x" });
  return api.app.request(`/in/${slug}`, {
    method: "POST",
    headers: signDelivery("hmac-sha256", { body, secret }),
    body,
  });
};
const cookieOf = (res: Response) => res.headers.get("set-cookie")?.split(";")[0] ?? "";
async function signIn(apiKey: string): Promise<Response> {
  return api.app.request("/console/sign-in", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://localhost" },
    body: new URLSearchParams({ key: apiKey, next: "/console/events" }),
  });
}
const setActive = (id: string, active: boolean, as?: string) =>
  api.call("PATCH", `/v1/tenants/${id}`, { active }, as);

describe("disabling a tenant", () => {
  it("ends its keys (401), its ingest (404, also from a warm cache) and its console sessions", async () => {
    expect((await ingest()).status).toBe(202); // the source is now in the ingest cache
    const session = cookieOf(await signIn(key));
    expect((await api.app.request("/console/events", { headers: { cookie: session } })).status).toBe(200);

    const res = await setActive(tenant, false);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: tenant, active: false });

    expect((await api.call("GET", "/v1/sources", undefined, key)).status).toBe(401);
    expect((await ingest()).status).toBe(404);
    const page = await api.app.request("/console/events", { headers: { cookie: session } });
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toMatch(/^\/console\/sign-in/);
    expect((await signIn(key)).status).toBe(401);
    const [sessions] = await api.deps.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM console_sessions WHERE tenant_id = ${tenant}`;
    expect(sessions?.n).toBe(0);
    const listed = (await (await api.call("GET", "/v1/tenants")).json()) as {
      data: { id: string; active: boolean }[];
    };
    expect(listed.data.find((t) => t.id === tenant)?.active).toBe(false);
  });

  it("another api replica's source cache stops answering within its TTL (the lookup reads tenants.active)", async () => {
    const replica = createSourceCache(api.deps.sql, secretBoxOf(api.config), 50);
    expect((await replica.get(slug))?.active).toBe(false);
    await setActive(tenant, true);
    expect((await replica.get(slug))?.active).toBe(false); // cached
    await new Promise((r) => setTimeout(r, 80));
    expect((await replica.get(slug))?.active).toBe(true);
    await setActive(tenant, false);
    await new Promise((r) => setTimeout(r, 80));
    expect((await replica.get(slug))?.active).toBe(false);
  });

  it("re-enabling restores keys and ingest (the ended sessions stay ended)", async () => {
    expect((await setActive(tenant, true)).status).toBe(200);
    expect((await api.call("GET", "/v1/sources", undefined, key)).status).toBe(200);
    expect((await ingest()).status).toBe(202);
  });

  it("is the admin key's alone; the default tenant cannot be disabled; an unknown tenant is 404", async () => {
    expect((await setActive(tenant, false, key)).status).toBe(403);
    expect((await api.call("GET", "/v1/sources", undefined, key)).status).toBe(200);
    const own = await setActive(DEFAULT_TENANT_ID, false);
    expect(own.status).toBe(400);
    expect(((await own.json()) as { detail: string }).detail).toMatch(/default tenant/);
    expect((await setActive("0190a000-0000-7000-8000-00000000dead", false)).status).toBe(404);
  });
});

describe("revoking keys", () => {
  it("the admin key revokes another tenant's key by id", async () => {
    const other = (await (
      await api.call("POST", "/v1/api-keys", { name: "leaked", tenantId: tenant })
    ).json()) as {
      id: string;
      key: string;
    };
    expect((await api.call("GET", "/v1/sources", undefined, other.key)).status).toBe(200);
    expect((await api.call("DELETE", `/v1/api-keys/${other.id}`)).status).toBe(204);
    expect((await api.call("GET", "/v1/sources", undefined, other.key)).status).toBe(401);
    // A tenant's key still cannot revoke another tenant's key.
    const adminKeyRow = (await (await api.call("POST", "/v1/api-keys", { name: "default's" })).json()) as {
      id: string;
      key: string;
    };
    expect((await api.call("DELETE", `/v1/api-keys/${adminKeyRow.id}`, undefined, key)).status).toBe(404);
    expect((await api.call("GET", "/v1/sources", undefined, adminKeyRow.key)).status).toBe(200);
  });

  it("a key created by a key that is then revoked keeps working: keys are the tenant's, not their creator's", async () => {
    const child = (await (await api.call("POST", "/v1/api-keys", { name: "child" }, key)).json()) as {
      key: string;
    };
    expect((await api.call("DELETE", `/v1/api-keys/${keyId}`)).status).toBe(204);
    expect((await api.call("GET", "/v1/sources", undefined, key)).status).toBe(401);
    expect((await api.call("GET", "/v1/sources", undefined, child.key)).status).toBe(200);
  });
});
