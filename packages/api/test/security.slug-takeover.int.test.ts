import { completionChannel, DEFAULT_TENANT_ID } from "@hookbox/shared";
import { signDelivery } from "@hookbox/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type TestApi } from "./helpers.ts";

// The attack: tenant A's `stripe-prod` is deleted (or renamed) while Stripe still posts to
// /in/stripe-prod; tenant B creates a source with that slug and receives A's customers' payloads.
// A slug is therefore reserved for the tenant that used it, for good.

let api: TestApi;
let bKey: string;
let bTenant: string;

beforeAll(async () => {
  api = await createTestApi("slug_takeover");
  const t = await api.call("POST", "/v1/tenants", { name: "tenant-b" });
  bTenant = ((await t.json()) as { id: string }).id;
  const k = await api.call("POST", "/v1/api-keys", { name: "b", tenantId: bTenant });
  bKey = ((await k.json()) as { key: string }).key;
});
afterAll(() => api.close());

const asA = (method: string, path: string, body?: unknown) => api.call(method, path, body);
const asB = (method: string, path: string, body?: unknown) => api.call(method, path, body, bKey);
const source = (slug: string) => ({ slug, scheme: "hmac-sha256", handlers: [{ name: "log" }] });

async function post(slug: string, secret: string): Promise<Response> {
  const body = JSON.stringify({ id: `evt_${Math.random()}`, type: "invoice.paid" });
  return api.app.request(`/in/${slug}`, {
    method: "POST",
    headers: signDelivery("hmac-sha256", { body, secret }),
    body,
  });
}

describe("a deleted slug", () => {
  it("cannot be taken by another tenant; its ingest answers 404; its own tenant may use it again", async () => {
    const a = (await (await asA("POST", "/v1/sources", source("stripe-prod"))).json()) as {
      id: string;
      secret: string;
    };
    expect((await post("stripe-prod", a.secret)).status).toBe(202);
    expect((await asA("DELETE", `/v1/sources/${a.id}`)).status).toBe(204);

    // Stripe keeps posting: nobody receives it.
    expect((await post("stripe-prod", a.secret)).status).toBe(404);

    const takeover = await asB("POST", "/v1/sources", { ...source("stripe-prod"), secret: "b".repeat(32) });
    expect(takeover.status).toBe(409);
    expect(takeover.headers.get("content-type")).toContain("application/problem+json");
    expect(((await takeover.json()) as { detail: string }).detail).toMatch(/another tenant/);
    // Still nobody: B's secret does not open A's slug either.
    expect((await post("stripe-prod", "b".repeat(32))).status).toBe(404);

    const again = await asA("POST", "/v1/sources", source("stripe-prod"));
    expect(again.status).toBe(201);
    expect((await post("stripe-prod", ((await again.json()) as { secret: string }).secret)).status).toBe(202);
  });
});

describe("a renamed-away slug", () => {
  it("stays the tenant's: another tenant can neither create nor rename to it", async () => {
    const a = (await (await asA("POST", "/v1/sources", source("gh-old"))).json()) as { id: string };
    expect((await asA("PATCH", `/v1/sources/${a.id}`, { slug: "gh-new" })).status).toBe(200);

    expect((await asB("POST", "/v1/sources", source("gh-old"))).status).toBe(409);
    const b = (await (await asB("POST", "/v1/sources", source("b-own"))).json()) as { id: string };
    const rename = await asB("PATCH", `/v1/sources/${b.id}`, { slug: "gh-old" });
    expect(rename.status).toBe(409);
    expect(await (await asB("GET", `/v1/sources/${b.id}`)).json()).toMatchObject({ slug: "b-own" });
    // A may move back to its old slug.
    expect((await asA("PATCH", `/v1/sources/${a.id}`, { slug: "gh-old" })).status).toBe(200);
  });

  it("a rename of a source that is not there reserves nothing", async () => {
    const missing = "0190a000-0000-7000-8000-00000000dead";
    expect((await asB("PATCH", `/v1/sources/${missing}`, { slug: "never-used" })).status).toBe(404);
    expect((await asA("POST", "/v1/sources", source("never-used"))).status).toBe(201);
  });
});

it("two tenants racing for a new slug: exactly one gets it", async () => {
  const answers = await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      (i % 2 === 0 ? asA : asB)("POST", "/v1/sources", source("contested")).then((r) => r.status),
    ),
  );
  expect(answers.filter((s) => s === 201)).toHaveLength(1);
  expect(answers.filter((s) => s === 409)).toHaveLength(5);
});

it("so a completion channel hookbox.<slug>.… only ever carries one tenant's events", async () => {
  // Workers publish completions on completionChannel(slug, …): the channel name is the slug, so
  // "one tenant per slug, for good" is exactly "one tenant per channel". Every source row that
  // ever had a slug, live or deleted, belongs to the slug's reserved tenant.
  const rows = await api.deps.sql<{ slug: string; tenants: string[]; owner: string | null }[]>`
    SELECT s.slug, array_agg(DISTINCT s.tenant_id::text) AS tenants, r.tenant_id::text AS owner
    FROM sources s LEFT JOIN slug_reservations r ON r.slug = s.slug
    GROUP BY s.slug, r.tenant_id`;
  expect(rows.length).toBeGreaterThanOrEqual(5);
  for (const row of rows) expect(row.tenants).toEqual([row.owner]);
  const stripe = rows.find((r) => r.slug === "stripe-prod");
  expect(stripe?.owner).toBe(DEFAULT_TENANT_ID);
  expect(completionChannel("stripe-prod", "invoice.paid", "completed")).toBe(
    "hookbox.stripe-prod.invoice.paid.completed",
  );
  expect(rows.find((r) => r.slug === "b-own")?.owner).toBe(bTenant);
});
