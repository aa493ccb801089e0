import { isSealed, secretBoxOf } from "@hookbox/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, deliver, TEST_ADMIN_KEY, type TestApi } from "./helpers.ts";

// Attack: read the database (a backup, a replica, a read-only injection) and take every sender's
// signing secret and every downstream credential. And: read a source through the API or the
// console and take its forward header values. Secrets are sealed at rest; header values are
// write-only (`***` on read, and `***` sent back keeps the stored value).

const SECRET = "ingest-secret-0123456789abcdef";
const ROTATED = "rotated-secret-0123456789abcdef";
const TOKEN = "Bearer downstream-token-0123456789";
const API_KEY_HEADER = "x-api-key-value-0123456789";

let api: TestApi;
let source: { id: string; slug: string; secret: string; forwardSecret: string };
beforeAll(async () => {
  api = await createTestApi("secrets_at_rest");
  source = (await api.createSource({
    slug: "at-rest",
    scheme: "hmac-sha256",
    secret: SECRET,
    handlers: [
      {
        name: "forward",
        key: "billing",
        config: {
          url: "https://billing.example/hook",
          headers: { Authorization: TOKEN, "X-Api-Key": API_KEY_HEADER },
        },
      },
      { name: "log" },
    ],
  })) as typeof source;
});
afterAll(() => api.close());

/** The row as a dump of the table holds it. */
async function rowText(id: string): Promise<string> {
  const [row] = await api.deps.sql<
    { row: string }[]
  >`SELECT to_jsonb(s)::text AS row FROM sources s WHERE id = ${id}`;
  return row?.row ?? "";
}

async function storedHeaders(id: string): Promise<Record<string, string>> {
  const [row] = await api.deps.sql<{ h: Record<string, string> }[]>`
    SELECT h->'config'->'headers' AS h FROM sources, jsonb_array_elements(handlers) h
    WHERE id = ${id} AND h->>'key' = 'billing'`;
  const box = secretBoxOf(api.deps.config);
  return Object.fromEntries(Object.entries(row?.h ?? {}).map(([k, v]) => [k, box.open(v)]));
}

describe("the database holds no secret in plaintext", () => {
  it("after create: not the ingest secret, the forward signing secret or a header value", async () => {
    const row = await rowText(source.id);
    for (const plaintext of [SECRET, source.forwardSecret, TOKEN, "downstream-token", API_KEY_HEADER])
      expect(row).not.toContain(plaintext);
    const [sealed] = await api.deps.sql<{ values: string[] }[]>`
      SELECT array_agg(x->>'secret') AS values FROM sources, jsonb_array_elements(secrets || forward_secrets) x
      WHERE id = ${source.id}`;
    expect(sealed?.values).toHaveLength(2);
    for (const value of sealed?.values ?? []) expect(isSealed(value)).toBe(true);
  });

  it("after a rotation: neither secret; both still verify until the old one expires", async () => {
    const res = await api.call("POST", `/v1/sources/${source.id}/secrets`, { secret: ROTATED });
    expect(res.status).toBe(201);
    const row = await rowText(source.id);
    for (const plaintext of [SECRET, ROTATED]) expect(row).not.toContain(plaintext);
    for (const secret of [SECRET, ROTATED])
      expect((await deliver(api, source.slug, JSON.stringify({ s: secret }), secret)).status).toBe(202);
    expect((await deliver(api, source.slug, "{}", "not-the-secret")).status).toBe(401);
  });

  it("a test delivery (hookbox trigger) still signs with the real secret", async () => {
    const res = await api.call("POST", `/v1/sources/${source.id}/test-deliveries`, {
      body: "{}",
      eventType: "t",
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: number }).status).toBe(202);
  });
});

describe("forward header values are write-only", () => {
  it("GET /v1/sources and GET /v1/sources/:id show *** for every value", async () => {
    for (const path of ["/v1/sources", `/v1/sources/${source.id}`]) {
      const text = await (await api.call("GET", path)).text();
      expect(text).not.toContain("downstream-token");
      expect(text).not.toContain(API_KEY_HEADER);
      expect(text).toContain('"Authorization":"***"');
    }
  });

  it("a PATCH that sends *** back keeps the stored value; a new value replaces it", async () => {
    const read = (await (await api.call("GET", `/v1/sources/${source.id}`)).json()) as {
      handlers: { name: string; key: string; config: Record<string, unknown> }[];
    };
    const [billing, log] = read.handlers;
    const headers = {
      ...(billing?.config.headers as Record<string, string>),
      "X-Api-Key": "new-key-value-0123",
    };
    const res = await api.call("PATCH", `/v1/sources/${source.id}`, {
      handlers: [{ ...billing, config: { ...billing?.config, headers } }, log],
    });
    expect(res.status).toBe(200);
    expect(await res.text()).not.toContain("new-key-value");
    expect(await storedHeaders(source.id)).toEqual({
      Authorization: TOKEN,
      "X-Api-Key": "new-key-value-0123",
    });
    expect(await rowText(source.id)).not.toContain("new-key-value");
  });

  it("*** for a header with no stored value is a 400, not three stars forwarded", async () => {
    const res = await api.call("PATCH", `/v1/sources/${source.id}`, {
      handlers: [
        { name: "forward", key: "other", config: { url: "https://x.example/", headers: { A: "***" } } },
      ],
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { problems: string[] }).problems.join()).toContain(
      'key "other" header "A"',
    );
  });

  it("the console's source page shows *** and saving it unchanged keeps the values", async () => {
    const signIn = await api.app.request("/console/sign-in", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://localhost" },
      body: new URLSearchParams({ key: TEST_ADMIN_KEY, next: "/console/events" }),
    });
    const cookie = signIn.headers.get("set-cookie")?.split(";")[0] ?? "";
    const page = await (
      await api.app.request(`/console/sources/${source.id}`, { headers: { cookie } })
    ).text();
    expect(page).not.toContain("downstream-token");
    expect(page).toContain("&quot;***&quot;");
    const csrf = page.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? "";
    const handlers =
      page.match(/<textarea name="handlers">([^<]*)<\/textarea>/)?.[1]?.replaceAll("&quot;", '"') ?? "";
    const save = await api.app.request(`/console/sources/${source.id}`, {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded", origin: "http://localhost" },
      body: new URLSearchParams({ _csrf: csrf, name: "at-rest", active: "true", handlers }),
    });
    expect(save.status).toBe(303);
    expect((await storedHeaders(source.id)).Authorization).toBe(TOKEN);
  });
});
