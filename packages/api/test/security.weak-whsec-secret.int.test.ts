import { secretBoxOf } from "@hookbox/shared";
import { signDelivery } from "@hookbox/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type TestApi } from "./helpers.ts";

// Attack: a Standard Webhooks source whose secret is `whsec_********` (a placeholder pasted from
// a dashboard that masks secrets). A lenient base64 decoder skips the `*`s and keys the HMAC with
// zero bytes: anyone can sign a delivery to that source. Secrets are decoded strictly and must
// give each scheme's minimum key at create and rotate; a weak secret already stored matches nothing.

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi("security_weak_secret");
});
afterAll(() => api?.close());

const WEAK: [string, string, RegExp][] = [
  ["standard-webhooks", "whsec_********", /base64/],
  ["standard-webhooks", "whsec_@@@@@@@@@@@@@@@@", /base64/],
  // Valid base64, 8 bytes: under the spec's 24.
  ["standard-webhooks", `whsec_${Buffer.alloc(8, 1).toString("base64")}`, /at least 24 decoded bytes.*has 8/],
  ["stripe", "whsec_short", /at least 16 bytes/],
];

async function problemsOf(res: Response): Promise<string[]> {
  expect(res.status).toBe(400);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  return ((await res.json()) as { problems?: string[] }).problems ?? [];
}

async function storedSecrets(id: string): Promise<string[]> {
  const [row] = await api.deps.sql<{ secrets: { secret: string }[] }[]>`
    SELECT secrets FROM sources WHERE id = ${id}`;
  // Sealed at rest (secrets-at-rest.ts): compared as plaintext.
  return (row?.secrets ?? []).map((s) => secretBoxOf(api.deps.config).open(s.secret));
}

function deliver(slug: string, secret: string) {
  const body = JSON.stringify({ type: "forged" });
  return api.app.request(`/in/${slug}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...signDelivery("standard-webhooks", { body, secret }) },
    body,
  });
}

describe("weak secrets are refused where they are given", () => {
  it.each(WEAK)("create %s with %s → 400", async (scheme, secret, reason) => {
    const res = await api.call("POST", "/v1/sources", {
      slug: `weak-${Math.random().toString(36).slice(2, 8)}`,
      scheme,
      secret,
      handlers: [],
    });
    const problems = await problemsOf(res);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^secret: /);
    expect(problems[0]).toMatch(reason);
    const [row] = await api.deps.sql<
      { n: number }[]
    >`SELECT count(*)::int AS n FROM sources WHERE scheme = ${scheme}`;
    expect(row?.n ?? 0).toBe(0);
  });

  it.each(WEAK)("rotate a %s source to %s → 400, its secrets unchanged", async (scheme, secret, reason) => {
    const source = await api.createSource({ slug: `rot-${Math.random().toString(36).slice(2, 8)}`, scheme });
    const res = await api.call("POST", `/v1/sources/${source.id}/secrets`, { secret });
    expect((await problemsOf(res))[0]).toMatch(reason);
    expect(await storedSecrets(source.id)).toEqual([source.secret]);
  });

  it("a strong secret is still accepted at create and rotate", async () => {
    const strong = `whsec_${Buffer.alloc(24, 7).toString("base64")}`;
    const source = await api.createSource({ slug: "strong", scheme: "standard-webhooks", secret: strong });
    expect((await deliver("strong", strong)).status).toBe(202);
    const rotated = await api.call("POST", `/v1/sources/${source.id}/secrets`, {
      secret: `whsec_${Buffer.alloc(32, 9).toString("base64")}`,
    });
    expect(rotated.status).toBe(201);
  });
});

describe("a weak secret already stored verifies nothing", () => {
  it.each(["whsec_********", "whsec_", "whsec_!!!!"])(
    "stored %s: a delivery signed with an empty key → 401",
    async (weak) => {
      const slug = `stored-${Math.random().toString(36).slice(2, 8)}`;
      const source = await api.createSource({ slug, scheme: "standard-webhooks" });
      // As a source created before the check would hold it.
      await api.deps.sql`
        UPDATE sources SET secrets = ${api.deps.sql.json([{ secret: weak, createdAt: new Date().toISOString(), expiresAt: null }])}
        WHERE id = ${source.id}`;
      api.deps.sources.invalidate(slug);
      // signDelivery keys a secret that is not base64 with zero bytes, as a lenient decoder does.
      expect((await deliver(slug, weak)).status).toBe(401);
      expect((await deliver(slug, "whsec_")).status).toBe(401);
    },
  );
});
