import { sign as githubSign } from "@octokit/webhooks-methods";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStack, type Stack, signDelivery, waitForStatus } from "../src/index.ts";

// Deliveries signed by the senders' own libraries (Stripe, GitHub, Standard Webhooks), and
// Shopify and Slack by the tests' signer (node:crypto exactly as their documentation describes).
let stack: Stack;

/** The signature headers of the senders that publish a library, made by that library. */
const librarySigners = {
  stripe: async (body: string, secret: string) => ({
    "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload: body, secret }),
  }),
  github: async (body: string, secret: string) => ({ "x-hub-signature-256": await githubSign(secret, body) }),
  "standard-webhooks": async (body: string, secret: string, id = "msg_x", at = new Date()) => ({
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, at, body),
  }),
};
const secrets: Record<string, string> = {};

beforeAll(async () => {
  stack = await createStack("senders");
  for (const scheme of ["stripe", "github", "shopify", "slack", "standard-webhooks"]) {
    const source = await stack.createSource({ slug: `from-${scheme}`, scheme, handlers: [{ name: "log" }] });
    secrets[scheme] = source.secret;
  }
  await stack.startWorker();
});
afterAll(() => stack?.close());

async function deliverAndComplete(slug: string, body: string, headers: Record<string, string>) {
  const res = await stack.app.request(`/in/${slug}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  await waitForStatus(stack.sql, id, "completed");
  const [row] = await stack.sql<{ idempotency_key: string; event_type: string }[]>`
    SELECT idempotency_key, event_type FROM events WHERE id = ${id}`;
  return row;
}

describe("accepted end to end when signed by the sender", () => {
  it("Stripe (stripe-node generateTestHeaderString)", async () => {
    const body = JSON.stringify({
      id: "evt_1QxYz",
      object: "event",
      type: "invoice.paid",
      data: { object: {} },
    });
    const headers = await librarySigners.stripe(body, secrets.stripe as string);
    const row = await deliverAndComplete("from-stripe", body, headers);
    expect(row).toEqual({ idempotency_key: "evt_1QxYz", event_type: "invoice.paid" });
  });

  it("GitHub (@octokit/webhooks-methods sign)", async () => {
    const body = JSON.stringify({ action: "closed", pull_request: { merged: true } });
    const row = await deliverAndComplete("from-github", body, {
      ...(await librarySigners.github(body, secrets.github as string)),
      "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
      "x-github-event": "pull_request",
    });
    expect(row).toEqual({
      idempotency_key: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
      event_type: "pull_request",
    });
  });

  it("Standard Webhooks (standardwebhooks Webhook#sign)", async () => {
    const body = JSON.stringify({ type: "user.created", data: { id: "u_1" } });
    const id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
    const headers = await librarySigners["standard-webhooks"](
      body,
      secrets["standard-webhooks"] as string,
      id,
    );
    const row = await deliverAndComplete("from-standard-webhooks", body, headers);
    expect(row).toEqual({ idempotency_key: id, event_type: "user.created" });
  });

  it("Shopify (base64 HMAC-SHA256 of the raw body, per Shopify's docs)", async () => {
    const body = JSON.stringify({ id: 820982911946154500, email: "jon@example.com", total_price: "403.00" });
    const headers = signDelivery("shopify", {
      body,
      secret: secrets.shopify as string,
      id: "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
    });
    const row = await deliverAndComplete("from-shopify", body, headers);
    expect(row).toEqual({
      idempotency_key: "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
      event_type: "orders/create",
    });
  });

  it("Slack (v0 signature over v0:timestamp:body, per Slack's docs)", async () => {
    const body = JSON.stringify({
      type: "event_callback",
      event_id: "Ev08MFMKH6",
      event: { type: "app_mention", text: "hi" },
    });
    const headers = signDelivery("slack", { body, secret: secrets.slack as string });
    const row = await deliverAndComplete("from-slack", body, headers);
    expect(row).toEqual({ idempotency_key: "Ev08MFMKH6", event_type: "app_mention" });
  });
});

describe("refused when not signed by the sender's secret", () => {
  it.each(Object.keys(librarySigners) as (keyof typeof librarySigners)[])(
    "%s signed with another secret → 401",
    async (scheme) => {
      const body = JSON.stringify({ id: "evt_x", type: "t" });
      const other = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
      const headers: Record<string, string> = await librarySigners[scheme](body, other);
      const res = await stack.app.request(`/in/from-${scheme}`, { method: "POST", headers, body });
      expect(res.status).toBe(401);
    },
  );
});
