import { signDelivery } from "@hookbox/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countEvents, createTestApi, type TestApi } from "./helpers.ts";

// Attack: capture one delivery (a log, a proxy, a debugging dump) and send it again. Under
// `hmac-sha256` (likewise github, shopify, token) the signature covers the body only and the
// idempotency key comes from an unsigned header: the copy is accepted again under a new key, at
// any time, and a copy sent ahead under the sender's next (predictable) key makes the real
// delivery a "duplicate". The `hookbox` scheme signs `{id}.{timestamp}.{body}`: a new id needs
// the secret, an old or future timestamp is refused, and within the tolerance the same id is a
// duplicate — the copy never becomes a second event, and cannot take a future id.

let clockMs = Date.parse("2026-06-01T12:00:00Z");
let api: TestApi;
let hookbox: { id: string; slug: string; secret: string };
let hmac: { slug: string; secret: string };

beforeAll(async () => {
  api = await createTestApi("security_replay", {}, { now: () => clockMs });
  hookbox = await api.createSource({ slug: "own-sender", scheme: "hookbox", toleranceSeconds: 300 });
  hmac = await api.createSource({ slug: "legacy-sender", scheme: "hmac-sha256" });
});
afterAll(() => api?.close());

const seconds = () => Math.floor(clockMs / 1000);
const body = JSON.stringify({ id: "ord_1", type: "order.paid", total: "12.50" });

function post(slug: string, headers: Record<string, string>) {
  return api.app.request(`/in/${slug}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
}

describe("the limit of an untimestamped scheme (hmac-sha256), documented in docs/security.md", () => {
  it("a captured delivery resent under a new Idempotency-Key is a second event", async () => {
    const captured = signDelivery("hmac-sha256", { body, secret: hmac.secret });
    expect((await post(hmac.slug, { ...captured, "idempotency-key": "k-1" })).status).toBe(202);
    clockMs += 86_400_000;
    expect((await post(hmac.slug, { ...captured, "idempotency-key": "k-2" })).status).toBe(202);
  });
});

describe("the hookbox scheme", () => {
  it("a captured delivery resent as it was: a duplicate within the tolerance, 401 after it", async () => {
    const captured = signDelivery("hookbox", {
      body,
      secret: hookbox.secret,
      id: "dlv_1",
      timestamp: seconds(),
    });
    const first = await post(hookbox.slug, captured);
    expect(first.status).toBe(202);
    const again = await post(hookbox.slug, captured);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicate: true });
    clockMs += 301_000;
    expect((await post(hookbox.slug, captured)).status).toBe(401);
  });

  it("resent under a new id (the attacker has no secret) → 401", async () => {
    const captured = signDelivery("hookbox", {
      body,
      secret: hookbox.secret,
      id: "dlv_2",
      timestamp: seconds(),
    });
    expect((await post(hookbox.slug, captured)).status).toBe(202);
    expect((await post(hookbox.slug, { ...captured, "hookbox-id": "dlv_2b" })).status).toBe(401);
  });

  it("sent ahead under the sender's next id: refused, and the real delivery is then accepted", async () => {
    const before = await countEvents(api, hookbox.id);
    const captured = signDelivery("hookbox", {
      body,
      secret: hookbox.secret,
      id: "dlv_3",
      timestamp: seconds(),
    });
    expect((await post(hookbox.slug, { ...captured, "hookbox-id": "dlv_4" })).status).toBe(401);
    const real = signDelivery("hookbox", { body, secret: hookbox.secret, id: "dlv_4", timestamp: seconds() });
    const res = await post(hookbox.slug, real);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ duplicate: false });
    expect(await countEvents(api, hookbox.id)).toBe(before + 1);
  });

  it.each([
    ["10 minutes ahead", 600],
    ["10 minutes late", -600],
  ])("a timestamp %s → 401 (tolerance both ways)", async (_, offset) => {
    const headers = signDelivery("hookbox", {
      body,
      secret: hookbox.secret,
      id: `dlv_t${offset}`,
      timestamp: seconds() + offset,
    });
    expect((await post(hookbox.slug, headers)).status).toBe(401);
  });

  it("a signed timestamp cannot be moved: a fresh Hookbox-Timestamp on a stale signature → 401", async () => {
    const stale = signDelivery("hookbox", {
      body,
      secret: hookbox.secret,
      id: "dlv_5",
      timestamp: seconds() - 3600,
    });
    expect((await post(hookbox.slug, { ...stale, "hookbox-timestamp": String(seconds()) })).status).toBe(401);
  });

  it("the id and type come from signed content; the signature headers are not stored", async () => {
    const headers = signDelivery("hookbox", {
      body,
      secret: hookbox.secret,
      id: "dlv_6",
      timestamp: seconds(),
    });
    const res = await post(hookbox.slug, headers);
    const { id } = (await res.json()) as { id: string };
    const event = (await (await api.call("GET", `/v1/events/${id}`)).json()) as {
      idempotencyKey: string;
      type: string;
      headers: Record<string, string>;
    };
    expect(event).toMatchObject({ idempotencyKey: "dlv_6", type: "order.paid" });
    expect(event.headers["hookbox-signature"]).toBeUndefined();
  });
});
