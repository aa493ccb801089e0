import { SCHEMES } from "@hookbox/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type TestApi } from "./helpers.ts";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi("test_deliveries");
});
afterAll(() => api.close());

type Answer = {
  deliveryId: string;
  status: number;
  answer: Record<string, unknown>;
  rejectionReason: string | null;
};

async function send(id: string, body: Record<string, unknown>) {
  const res = await api.call("POST", `/v1/sources/${id}/test-deliveries`, body);
  return { res, answer: res.status === 200 ? ((await res.json()) as Answer) : undefined };
}

const payloads: Record<string, { body: string; eventType?: string; type: string }> = {
  stripe: { body: JSON.stringify({ id: "evt_t1", type: "invoice.paid" }), type: "invoice.paid" },
  github: { body: JSON.stringify({ action: "opened" }), eventType: "pull_request", type: "pull_request" },
  shopify: { body: JSON.stringify({ id: 1 }), eventType: "orders/paid", type: "orders/paid" },
  slack: {
    body: JSON.stringify({ type: "event_callback", event_id: "Ev1", event: { type: "app_mention" } }),
    type: "app_mention",
  },
  "standard-webhooks": { body: JSON.stringify({ type: "user.created" }), type: "user.created" },
  hookbox: { body: JSON.stringify({ id: "ord_1", type: "order.paid" }), type: "order.paid" },
  "hmac-sha256": { body: JSON.stringify({ id: "ord_1" }), eventType: "order.paid", type: "order.paid" },
  token: { body: "{}", eventType: "ping", type: "ping" },
  none: { body: "{}", eventType: "ping", type: "ping" },
};

describe("POST /v1/sources/:id/test-deliveries", () => {
  it.each(SCHEMES.map((s) => [s]))(
    "signs as %s signs, with the real secret, through ingest",
    async (scheme) => {
      const p = payloads[scheme];
      if (!p) throw new Error(`no payload for ${scheme}`);
      const source = await api.createSource({ slug: `td-${scheme}`, scheme });
      const { res, answer } = await send(source.id, {
        body: p.body,
        ...(p.eventType ? { eventType: p.eventType } : {}),
      });
      expect(res.status).toBe(200);
      expect(answer?.status).toBe(202);
      const event = (await (await api.call("GET", `/v1/events/${answer?.answer.id}`)).json()) as {
        type: string;
        body: string;
        headers: Record<string, string>;
      };
      expect(event.type).toBe(p.type);
      expect(event.body).toBe(p.body);
      expect(event.headers["x-hookbox-test-delivery"]).toBe(answer?.deliveryId);
      // The answer never carries the secret.
      expect(JSON.stringify(answer)).not.toContain(source.secret ?? "no secret");
    },
  );

  it("each call is a new event (a fresh idempotency key)", async () => {
    const source = await api.createSource({ slug: "td-fresh", scheme: "github" });
    const a = await send(source.id, { body: "{}", eventType: "push" });
    const b = await send(source.id, { body: "{}", eventType: "push" });
    expect(a.answer?.answer.id).not.toBe(b.answer?.answer.id);
    expect(b.answer?.status).toBe(202);
  });

  it("tampered: 401 with signature_mismatch from the rejection log", async () => {
    const source = await api.createSource({ slug: "td-tampered", scheme: "stripe" });
    const { answer } = await send(source.id, { body: '{"id":"evt_x","type":"a"}', tampered: true });
    expect(answer).toMatchObject({ status: 401, rejectionReason: "signature_mismatch" });
  });

  it("stale: 401 with timestamp_out_of_tolerance; refused for schemes without a timestamp", async () => {
    const slack = await api.createSource({ slug: "td-stale", scheme: "slack" });
    const { answer } = await send(slack.id, { body: '{"type":"x"}', stale: true });
    expect(answer).toMatchObject({ status: 401, rejectionReason: "timestamp_out_of_tolerance" });
    const github = await api.createSource({ slug: "td-stale-gh", scheme: "github" });
    const { res } = await send(github.id, { body: "{}", stale: true });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { problems: string[] }).problems[0]).toMatch(/signs no timestamp/);
  });

  it("signs with the current secret after a rotation", async () => {
    const source = await api.createSource({ slug: "td-rotated", scheme: "hmac-sha256" });
    await api.call("POST", `/v1/sources/${source.id}/secrets`, { expiresPreviousInSeconds: 0 });
    const { answer } = await send(source.id, { body: "{}" });
    expect(answer?.status).toBe(202);
  });

  it("another tenant's source is a 404", async () => {
    const source = await api.createSource({ slug: "td-mine", scheme: "hmac-sha256" });
    const tenant = (await (await api.call("POST", "/v1/tenants", { name: "other" })).json()) as {
      id: string;
    };
    const key = (await (
      await api.call("POST", "/v1/api-keys", { name: "k", tenantId: tenant.id })
    ).json()) as {
      key: string;
    };
    const res = await api.call("POST", `/v1/sources/${source.id}/test-deliveries`, { body: "{}" }, key.key);
    expect(res.status).toBe(404);
  });
});
