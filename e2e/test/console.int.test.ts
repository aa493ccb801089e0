import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStack, type Stack, TEST_ADMIN_KEY } from "../src/index.ts";

// The console in process (app.request): sessions, CSRF, tenant scoping and the filters.
let stack: Stack;
let stripe: { id: string; slug: string; secret: string };
const ids: Record<string, string> = {};

const cookieOf = (res: Response) => res.headers.get("set-cookie")?.split(";")[0] ?? "";

async function signIn(key: string): Promise<string> {
  const res = await stack.app.request("/console/sign-in", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://localhost" },
    body: new URLSearchParams({ key, next: "/console/events" }),
  });
  expect(res.status).toBe(303);
  return cookieOf(res);
}

/** A new tenant and an API key of it. */
async function newTenantKey(name: string): Promise<{ id: string; key: string }> {
  const tenant = (await (await stack.call("POST", "/v1/tenants", { name })).json()) as { id: string };
  const res = await stack.call("POST", "/v1/api-keys", { name: `${name}-key`, tenantId: tenant.id });
  return (await res.json()) as { id: string; key: string };
}

async function get(path: string, cookie: string) {
  return stack.app.request(path, { headers: { cookie } });
}

async function csrfOf(cookie: string): Promise<string> {
  const page = await (await get("/console/alerts", cookie)).text();
  return page.match(/name="csrf-token" content="([^"]+)"/)?.[1] ?? "";
}

beforeAll(async () => {
  stack = await createStack("console");
  stripe = await stack.createSource({
    slug: "shop",
    scheme: "hmac-sha256",
    handlers: [{ name: "log" }, { name: "log", key: "audit" }],
  });
  const deliver = async (name: string, body: string, key: string) =>
    (ids[name] = (await stack.deliver(stripe.slug, stripe.secret, body, { "idempotency-key": key })).id);
  await deliver(
    "paid",
    JSON.stringify({ type: "invoice.paid", data: { object: { customer: "cus_123" } } }),
    "evt_1",
  );
  await deliver(
    "created",
    JSON.stringify({ type: "invoice.created", data: { object: { customer: "cus_999" } } }),
    "evt_2",
  );
  await deliver(
    "charge",
    JSON.stringify({ type: "charge.succeeded", data: { object: { customer: "cus_123" } } }),
    "evt_3",
  );
  await deliver("binary", "\xff\xfe not json cus_123", "evt_4");
});
afterAll(async () => {
  await stack?.close();
});

describe("sign-in and sessions", () => {
  it("redirects to sign-in without a session, and refuses an unknown key", async () => {
    const res = await stack.app.request("/console/events?type=x");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/console/sign-in?next=%2Fconsole%2Fevents%3Ftype%3Dx");
    const bad = await stack.app.request("/console/sign-in", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ key: "nope" }),
    });
    expect(bad.status).toBe(401);
    expect(bad.headers.get("set-cookie")).toBeNull();
  });

  it("sets an httpOnly, SameSite=Strict cookie; the row holds only the token's hash; sign-out ends it", async () => {
    const res = await stack.app.request("/console/sign-in", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ key: TEST_ADMIN_KEY }),
    });
    const header = res.headers.get("set-cookie") ?? "";
    expect(header).toMatch(/HttpOnly/);
    expect(header).toMatch(/SameSite=Strict/);
    expect(header).toMatch(/Path=\/console/);
    const cookie = cookieOf(res);
    const token = cookie.split("=")[1] ?? "";
    const rows = await stack.sql`SELECT encode(token_hash, 'hex') AS h FROM console_sessions`;
    expect(rows.some((r) => r.h === token)).toBe(false);
    const overview = await get("/console", cookie);
    expect(overview.status).toBe(200);
    expect(overview.headers.get("content-security-policy")).toContain("script-src 'self'");
    const out = await stack.app.request("/console/sign-out", {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: await csrfOf(cookie) }),
    });
    expect(out.status).toBe(303);
    expect((await get("/console", cookie)).status).toBe(302);
  });

  it("a revoked API key ends its sessions", async () => {
    const key = await newTenantKey("t-revoke");
    const cookie = await signIn(key.key);
    expect((await get("/console/events", cookie)).status).toBe(200);
    const revoked = await stack.app.request(`/v1/api-keys/${key.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${key.key}` },
    });
    expect(revoked.status).toBeLessThan(300);
    expect((await get("/console/events", cookie)).status).toBe(302);
  });
});

describe("CSRF and tenancy", () => {
  it("refuses a state-changing POST without the token, or from another site, and changes nothing", async () => {
    const cookie = await signIn(TEST_ADMIN_KEY);
    const csrf = await csrfOf(cookie);
    await stack.sql`INSERT INTO alerts (id, tenant_id, kind, message) VALUES
      ('00000000-0000-7000-8000-00000000a1e7', '00000000-0000-7000-8000-000000000000', 'dead_letter', 'x')`;
    const ack = (headers: Record<string, string>, body: Record<string, string>) =>
      stack.app.request("/console/alerts/ack", {
        method: "POST",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded", ...headers },
        body: new URLSearchParams({ ids: "00000000-0000-7000-8000-00000000a1e7", ...body }),
      });
    expect((await ack({}, {})).status).toBe(403);
    expect((await ack({}, { _csrf: "wrong" })).status).toBe(403);
    expect((await ack({ origin: "https://evil.example" }, { _csrf: csrf })).status).toBe(403);
    expect((await ack({ "sec-fetch-site": "cross-site" }, { _csrf: csrf })).status).toBe(403);
    const [row] =
      await stack.sql`SELECT acknowledged_at FROM alerts WHERE id = '00000000-0000-7000-8000-00000000a1e7'`;
    expect(row?.acknowledged_at).toBeNull();
    const ok = await ack({ origin: "http://localhost", "sec-fetch-site": "same-origin" }, { _csrf: csrf });
    expect(ok.status).toBe(303);
    const [after] =
      await stack.sql`SELECT acknowledged_by FROM alerts WHERE id = '00000000-0000-7000-8000-00000000a1e7'`;
    expect(after?.acknowledged_by).toBe("admin");
  });

  it("another tenant's event answers 404", async () => {
    const key = await newTenantKey("t-other");
    const cookie = await signIn(key.key);
    const res = await get(`/console/events/${ids.paid}`, cookie);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain("cus_123");
    expect((await get(`/console/events/${ids.paid}/body`, cookie)).status).toBe(404);
    expect(await (await get("/console/events", cookie)).text()).toContain("No events match.");
  });
});

describe("filters", () => {
  const listed = async (qs: string) => {
    const cookie = await signIn(TEST_ADMIN_KEY);
    const html = await (await get(`/console/events?${qs}`, cookie)).text();
    return Object.entries(ids)
      .filter(([, id]) => html.includes(`/console/events/${id}"`))
      .map(([name]) => name)
      .sort();
  };
  it.each([
    ["type=invoice.*", ["created", "paid"]],
    ["type=invoice.paid", ["paid"]],
    ["type=invoice_*", []],
    ["path=data.object.customer&value=cus_123", ["charge", "paid"]],
    ["path=data.object.customer&value=cus_12", []],
    ["type=charge.*&path=data.object.customer&value=cus_123", ["charge"]],
    ["key=evt_2", ["created"]],
    ["handler=audit", ["binary", "charge", "created", "paid"]],
    ["handler=forward", []],
    ["source=shop&status=queued", ["binary", "charge", "created", "paid"]],
  ])("%s", async (qs, expected) => {
    expect(await listed(qs)).toEqual(expected);
  });
});
