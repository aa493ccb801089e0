import { signDelivery, waitFor } from "@hookbox/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRejectionRecorder } from "../src/ingest/record-rejection.ts";
import { createTestApi, type TestApi } from "./helpers.ts";

let clockMs = Date.now();
let api: TestApi;

beforeAll(async () => {
  api = await createTestApi("rotation", {}, { now: () => clockMs });
});
afterAll(() => api.close());

const post = (slug: string, secret: string, body = JSON.stringify({ n: Math.random() })) =>
  api.app.request(`/in/${slug}`, {
    method: "POST",
    headers: signDelivery("hmac-sha256", { body, secret }),
    body,
  });

describe("secret rotation", () => {
  it("old and new both verify during the overlap, only the new after expiry; metrics tell which verified", async () => {
    // Rotation stamps the expiry from the real clock: start the test clock there, not at load
    // (creating the database can take seconds on a busy machine).
    clockMs = Date.now();
    const src = await api.createSource({
      slug: "rotating",
      scheme: "hmac-sha256",
      secret: "old-secret-0001",
    });
    const res = await api.call("POST", `/v1/sources/${src.id}/secrets`, { expiresPreviousInSeconds: 60 });
    expect(res.status).toBe(201);
    const rotated = (await res.json()) as { secret: string; createdAt: string; previousExpireAt: string };
    expect(rotated.secret).not.toBe("old-secret-0001");
    expect(Date.parse(rotated.previousExpireAt) - Date.now()).toBeGreaterThan(55_000);

    expect((await post("rotating", "old-secret-0001")).status).toBe(202);
    expect((await post("rotating", rotated.secret)).status).toBe(202);
    const metrics = await api.scrape();
    expect(metrics).toMatch(
      /hookbox_ingest_verified_total\{[^}]*source="rotating"[^}]*secret="previous"[^}]*\} 1/,
    );
    expect(metrics).toMatch(
      /hookbox_ingest_verified_total\{[^}]*source="rotating"[^}]*secret="current"[^}]*\} 1/,
    );

    clockMs += 61_000;
    expect((await post("rotating", "old-secret-0001")).status).toBe(401);
    expect((await post("rotating", rotated.secret)).status).toBe(202);
    clockMs -= 61_000;

    // The secret is in the rotate answer only.
    const shown = await (await api.call("GET", `/v1/sources/${src.id}`)).text();
    expect(shown).not.toContain(rotated.secret);
    expect(shown).not.toContain("old-secret-0001");
  });

  it("accepts a chosen secret and keeps an earlier expiry of an older one", async () => {
    const src = await api.createSource({
      slug: "rotating-2",
      scheme: "hmac-sha256",
      secret: "first-secret-01",
    });
    await api.call("POST", `/v1/sources/${src.id}/secrets`, {
      secret: "second-secret-02",
      expiresPreviousInSeconds: 10,
    });
    const third = await api.call("POST", `/v1/sources/${src.id}/secrets`, {
      secret: "third-secret-003",
      expiresPreviousInSeconds: 3600,
    });
    expect(third.status).toBe(201);
    clockMs += 11_000;
    expect((await post("rotating-2", "first-secret-01")).status).toBe(401); // its 10 s expiry was kept
    expect((await post("rotating-2", "second-secret-02")).status).toBe(202);
    expect((await post("rotating-2", "third-secret-003")).status).toBe(202);
    clockMs -= 11_000;
  });

  it("400 for a bad body, 400 for scheme none, 404 for an unknown source", async () => {
    const src = await api.createSource({ slug: "rot-bad", scheme: "hmac-sha256" });
    expect(
      (await api.call("POST", `/v1/sources/${src.id}/secrets`, { expiresPreviousInSeconds: -1 })).status,
    ).toBe(400);
    const open = await api.createSource({ slug: "rot-none", scheme: "none" });
    expect((await api.call("POST", `/v1/sources/${open.id}/secrets`, {})).status).toBe(400);
    expect(
      (await api.call("POST", "/v1/sources/00000000-0000-7000-8000-000000000001/secrets", {})).status,
    ).toBe(404);
  });
});

describe("rejection log bounds", () => {
  it("keeps only the newest N per source and throttles writes per second", async () => {
    const src = await api.createSource({ slug: "flooded", scheme: "hmac-sha256", secret: "flood-secret" });
    const recorder = createRejectionRecorder(api.deps, { perSource: 5, maxAgeDays: 7, writesPerSecond: 100 });
    const tenantId = await sourceTenant(src.id);
    for (let i = 0; i < 12; i++) {
      recorder.record({ id: src.id, tenantId }, "signature_mismatch", new Headers({ "x-n": String(i) }), i);
      await new Promise((r) => setTimeout(r, 15));
    }
    const rows = await waitFor(async () => {
      const res = await api.call("GET", `/v1/sources/${src.id}/rejections?limit=100`);
      const data = ((await res.json()) as { data: { size: number }[] }).data;
      return data.length === 5 && data[0]?.size === 11 ? data : undefined;
    });
    expect(rows.map((r) => r.size)).toEqual([11, 10, 9, 8, 7]);

    const throttled = await api.createSource({
      slug: "throttled",
      scheme: "hmac-sha256",
      secret: "t-secret",
    });
    const slow = createRejectionRecorder(api.deps, { perSource: 100, maxAgeDays: 7, writesPerSecond: 3 });
    const throttledTenant = await sourceTenant(throttled.id);
    const second = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 10; i++)
      slow.record({ id: throttled.id, tenantId: throttledTenant }, "signature_mismatch", new Headers(), i);
    await new Promise((r) => setTimeout(r, 300));
    const res = await api.call("GET", `/v1/sources/${throttled.id}/rejections?limit=100`);
    const count = ((await res.json()) as { data: unknown[] }).data.length;
    // All ten were recorded within one or two wall-clock seconds: at most 3 per second were written.
    expect(count).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) === second ? 3 : 6);
    expect(count).toBeGreaterThanOrEqual(3);
  });
});

async function sourceTenant(id: string): Promise<string> {
  const [row] = await api.deps.sql<{ tenant_id: string }[]>`SELECT tenant_id FROM sources WHERE id = ${id}`;
  return row?.tenant_id ?? "";
}
