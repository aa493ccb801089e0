import type { IncomingHttpHeaders } from "node:http";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStack, type Stack, signDelivery, startReceiver, waitForStatus } from "../src/index.ts";

// Attack: anyone who learns a destination's URL POSTs a forged "Hookbox delivery" to it. Every
// forward is signed the Standard Webhooks way with a per-source secret (`whsec_…`, shown once
// at create, rotatable), so the destination verifies with the `standardwebhooks` package and
// refuses what Hookbox did not send.

let stack: Stack;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  stack = await createStack("forged_forward");
  receiver = await startReceiver();
  await stack.startWorker();
});
afterAll(async () => {
  await receiver?.close();
  await stack?.close();
});

const text = (headers: IncomingHttpHeaders) =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));

/** Delivers one event to `slug` and returns what the destination received for it. */
async function forwardOne(slug: string, type: string) {
  const body = JSON.stringify({ type, n: Math.random() });
  const { id, code } = await stack.deliver(slug, "src-secret-0123456789", body);
  expect(code).toBe(202);
  await waitForStatus(stack.sql, id, "completed");
  const request = receiver.requests.find((r) => r.body.toString() === body);
  if (!request) throw new Error("the destination got nothing");
  return { id, body, headers: text(request.headers) };
}

describe("what forward sends is signed", () => {
  let source: { id: string; forwardSecret: string };

  beforeAll(async () => {
    source = (await stack.createSource({
      slug: "signed",
      scheme: "hmac-sha256",
      secret: "src-secret-0123456789",
      // A config cannot put its own signature in: Hookbox's headers are set last.
      handlers: [
        {
          name: "forward",
          config: {
            url: receiver.url,
            headers: { "webhook-signature": "v1,Zm9yZ2Vk", "x-tenant-token": "t" },
          },
        },
      ],
    })) as unknown as { id: string; forwardSecret: string };
  });

  it("the create answer shows the signing secret once; reads never show it", async () => {
    expect(source.forwardSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const read = (await (await stack.call("GET", `/v1/sources/${source.id}`)).json()) as Record<
      string,
      unknown
    >;
    expect(read).not.toHaveProperty("forwardSecret");
    const [row] = await stack.sql<
      { row: string }[]
    >`SELECT to_jsonb(s)::text AS row FROM sources s WHERE id = ${source.id}`;
    expect(row?.row).not.toContain(source.forwardSecret.slice("whsec_".length));
  });

  it("a destination verifies a forward with the standardwebhooks package, and refuses a forgery", async () => {
    const { id, body, headers } = await forwardOne("signed", "order.paid");
    expect(headers["webhook-id"]).toBe(id);
    expect(headers["x-tenant-token"]).toBe("t");
    expect(new Webhook(source.forwardSecret).verify(body, headers)).toMatchObject({ type: "order.paid" });

    // The forger has the URL and a captured request, not the secret.
    const forgedBody = body.replace("order.paid", "refund.issued");
    expect(() => new Webhook(source.forwardSecret).verify(forgedBody, headers)).toThrow();
    const selfSigned = signDelivery("standard-webhooks", {
      body: forgedBody,
      secret: `whsec_${Buffer.alloc(32, 1).toString("base64")}`,
      id,
    });
    expect(() =>
      new Webhook(source.forwardSecret).verify(forgedBody, { ...headers, ...selfSigned }),
    ).toThrow();
    // Unsigned, as every forward was before.
    const { "webhook-signature": _s, ...unsigned } = headers;
    expect(() => new Webhook(source.forwardSecret).verify(body, unsigned)).toThrow();
  });

  it("rotation: a new secret is shown once; old and new both verify until the old expires", async () => {
    const first = source.forwardSecret;
    const res = await stack.call("POST", `/v1/sources/${source.id}/forward-secret`, {
      expiresPreviousInSeconds: 3600,
    });
    expect(res.status).toBe(201);
    const rotated = (await res.json()) as { forwardSecret: string; previousExpireAt: string | null };
    expect(rotated.forwardSecret).toMatch(/^whsec_/);
    expect(rotated.forwardSecret).not.toBe(first);
    expect(rotated.previousExpireAt).not.toBeNull();

    const during = await forwardOne("signed", "during.rotation");
    expect(during.headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    for (const secret of [first, rotated.forwardSecret])
      expect(new Webhook(secret).verify(during.body, during.headers)).toBeTruthy();

    const again = (await (
      await stack.call("POST", `/v1/sources/${source.id}/forward-secret`, { expiresPreviousInSeconds: 0 })
    ).json()) as { forwardSecret: string };
    const after = await forwardOne("signed", "after.rotation");
    expect(new Webhook(again.forwardSecret).verify(after.body, after.headers)).toBeTruthy();
    for (const retired of [first, rotated.forwardSecret])
      expect(() => new Webhook(retired).verify(after.body, after.headers)).toThrow();
  });

  it("another tenant cannot rotate (or learn) a source's signing secret", async () => {
    const tenant = (await (await stack.call("POST", "/v1/tenants", { name: "other" })).json()) as {
      id: string;
    };
    const key = (await (
      await stack.call("POST", "/v1/api-keys", { name: "other", tenantId: tenant.id })
    ).json()) as { key: string };
    const res = await stack.app.request(`/v1/sources/${source.id}/forward-secret`, {
      method: "POST",
      headers: { authorization: `Bearer ${key.key}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain("whsec_");
  });
});
