import { SCHEME_SPECS, SCHEMES, type Scheme } from "@hookbox/shared";
import { signDelivery, waitFor } from "@hookbox/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countEvents, createTestApi, type TestApi } from "./helpers.ts";

/** The injected clock: fixed, so timestamps are exact. */
const clockMs = Date.parse("2026-06-01T12:00:00Z");
const nowSeconds = () => Math.floor(clockMs / 1000);

let api: TestApi;
const SIGNED = SCHEMES.filter((s) => SCHEME_SPECS[s].verification === "hmac");
const TIMESTAMPED = SCHEMES.filter((s) => SCHEME_SPECS[s].timestamped);
const sources = new Map<Scheme, { id: string; slug: string; secret: string }>();

beforeAll(async () => {
  api = await createTestApi("schemes", {}, { now: () => clockMs });
  for (const scheme of [...SIGNED, "token"] as Scheme[]) {
    // Let Hookbox generate each secret in the scheme's own format (whsec_… for stripe and standard-webhooks).
    sources.set(scheme, await api.createSource({ slug: `s-${scheme}`, scheme }));
  }
});
afterAll(() => api.close());

let counter = 0;
function payload(scheme: Scheme) {
  counter++;
  return JSON.stringify({
    id: `evt_${scheme}_${counter}`,
    event_id: `Ev${counter}`,
    type: "thing.happened",
    event: { type: "message" },
  });
}

async function post(scheme: Scheme, body: string | Buffer, headers: Record<string, string>) {
  const source = sources.get(scheme);
  if (!source) throw new Error(scheme);
  return api.app.request(`/in/${source.slug}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
}

async function rejections(scheme: Scheme): Promise<{ reason: string; headers: Record<string, string> }[]> {
  const source = sources.get(scheme);
  const res = await api.call("GET", `/v1/sources/${source?.id}/rejections`);
  return ((await res.json()) as { data: { reason: string; headers: Record<string, string> }[] }).data;
}

describe.each(SIGNED)("%s", (scheme) => {
  const signatureHeader = SCHEME_SPECS[scheme].signatureHeader as string;
  const sign = (body: string | Buffer, overrides: { secret?: string; timestamp?: number } = {}) =>
    signDelivery(scheme, {
      body,
      secret: overrides.secret ?? (sources.get(scheme)?.secret as string),
      timestamp: overrides.timestamp ?? nowSeconds(),
    });

  it("a correctly signed delivery → 202, default idempotency key and event type derived", async () => {
    const body = payload(scheme);
    const res = await post(scheme, body, sign(body));
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const [row] = await api.deps.sql<{ idempotency_key: string | null; event_type: string | null }[]>`
      SELECT idempotency_key, event_type FROM events WHERE id = ${id}`;
    expect(row?.event_type).not.toBeNull();
    if (scheme !== "hmac-sha256") expect(row?.idempotency_key).not.toBeNull();
  });

  it.each([
    ["tampered body", (b: string) => ({ body: `${b} `, headers: sign(b) })],
    [
      "another secret",
      (b: string) => ({
        body: b,
        headers: sign(b, { secret: "whsec_b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldA==" }),
      }),
    ],
    ["missing signature header", (b: string) => ({ body: b, headers: withoutSignature(sign(b)) })],
    ["wrong-length signature", (b: string) => ({ body: b, headers: truncateSignature(sign(b)) })],
    ["wrong-encoding signature", (b: string) => ({ body: b, headers: reencodeSignature(sign(b)) })],
  ])("%s → 401, no event, a rejection row without the signature", async (_name, make) => {
    const source = sources.get(scheme);
    const before = await countEvents(api, source?.id as string);
    const rejectedBefore = (await rejections(scheme)).length;
    const { body, headers } = make(payload(scheme));
    const res = await post(scheme, body, headers);
    expect(res.status).toBe(401);
    expect(await countEvents(api, source?.id as string)).toBe(before);
    const rows = await waitFor(async () => {
      const all = await rejections(scheme);
      return all.length === rejectedBefore + 1 ? all : undefined;
    });
    expect(rows[0]?.headers).not.toHaveProperty(signatureHeader);
    expect(JSON.stringify(rows[0])).not.toContain(sources.get(scheme)?.secret as string);
  });

  function withoutSignature(h: Record<string, string>) {
    const { [signatureHeader]: _gone, ...rest } = h;
    return rest;
  }
  function truncateSignature(h: Record<string, string>) {
    return { ...h, [signatureHeader]: (h[signatureHeader] as string).slice(0, -8) };
  }
  function reencodeSignature(h: Record<string, string>) {
    const value = h[signatureHeader] as string;
    // hex schemes get base64 of the same bytes; base64 schemes get hex.
    const swap = (s: string) =>
      /^[0-9a-f]+$/.test(s)
        ? Buffer.from(s, "hex").toString("base64")
        : Buffer.from(s, "base64").toString("hex");
    return { ...h, [signatureHeader]: value.replace(/([0-9a-f]{64}|[A-Za-z0-9+/]{43}=)$/, (m) => swap(m)) };
  }
});

describe.each(TIMESTAMPED)("%s timestamps", (scheme) => {
  const secret = () => sources.get(scheme)?.secret as string;
  it.each([
    [-301, 401],
    [301, 401],
    [-299, 202],
    [299, 202],
  ])("signed %i s from now → %i", async (offset, status) => {
    const body = payload(scheme);
    const headers = signDelivery(scheme, { body, secret: secret(), timestamp: nowSeconds() + offset });
    const res = await post(scheme, body, headers);
    expect(res.status).toBe(status);
  });

  it("reason timestamp_out_of_tolerance is recorded", async () => {
    const body = payload(scheme);
    await post(
      scheme,
      body,
      signDelivery(scheme, { body, secret: secret(), timestamp: nowSeconds() + 3600 }),
    );
    await waitFor(async () =>
      (await rejections(scheme)).some((r) => r.reason === "timestamp_out_of_tolerance") ? true : undefined,
    );
  });
});

describe("several signatures in one header", () => {
  it("stripe: any v1 may match", async () => {
    const body = payload("stripe");
    const good = signDelivery("stripe", {
      body,
      secret: sources.get("stripe")?.secret as string,
      timestamp: nowSeconds(),
    });
    const v1 = (good["stripe-signature"] as string).split(",v1=")[1];
    const header = `t=${nowSeconds()},v1=${"0".repeat(64)},v0=${"1".repeat(64)},v1=${v1}`;
    expect((await post("stripe", body, { "stripe-signature": header })).status).toBe(202);
  });

  it("standard-webhooks: any space-separated v1 may match", async () => {
    const body = payload("standard-webhooks");
    const good = signDelivery("standard-webhooks", {
      body,
      secret: sources.get("standard-webhooks")?.secret as string,
      timestamp: nowSeconds(),
      id: "msg_multi",
    });
    const header = `v1,${Buffer.alloc(32).toString("base64")} v2,abc ${good["webhook-signature"]}`;
    expect((await post("standard-webhooks", body, { ...good, "webhook-signature": header })).status).toBe(
      202,
    );
  });
});

describe("slack url_verification", () => {
  it("a signed challenge is answered 200 with the challenge and not stored", async () => {
    const source = sources.get("slack");
    const before = await countEvents(api, source?.id as string);
    const body = JSON.stringify({
      type: "url_verification",
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
      token: "x",
    });
    const res = await post(
      "slack",
      body,
      signDelivery("slack", { body, secret: source?.secret as string, timestamp: nowSeconds() }),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" });
    expect(await countEvents(api, source?.id as string)).toBe(before);
  });

  it("an unsigned challenge is 401", async () => {
    const res = await post("slack", JSON.stringify({ type: "url_verification", challenge: "c" }), {});
    expect(res.status).toBe(401);
  });
});

describe("per-source rules", () => {
  it("a header or JSON path overrides the scheme's default key and type; unparsable bodies are still stored", async () => {
    const src = await api.createSource({
      slug: "ruled",
      scheme: "github",
      secret: "ruled-secret",
      idempotency: { jsonPath: "$.delivery.uuid" },
      eventType: { header: "X-Custom-Kind" },
    });
    const body = JSON.stringify({ delivery: { uuid: "u-77" } });
    const headers = {
      ...signDelivery("github", { body, secret: "ruled-secret" }),
      "x-custom-kind": "custom.kind",
    };
    const res = await api.app.request(`/in/${src.slug}`, { method: "POST", headers, body });
    const { id } = (await res.json()) as { id: string };
    const [row] = await api.deps.sql<{ idempotency_key: string; event_type: string }[]>`
      SELECT idempotency_key, event_type FROM events WHERE id = ${id}`;
    expect(row).toEqual({ idempotency_key: "u-77", event_type: "custom.kind" });

    const garbage = "{{not json";
    const res2 = await api.app.request(`/in/${src.slug}`, {
      method: "POST",
      headers: signDelivery("github", { body: garbage, secret: "ruled-secret" }),
      body: garbage,
    });
    expect(res2.status).toBe(202);
  });
});

describe("hostile bodies are stored and never a 500", () => {
  it.each([
    ["invalid UTF-8", Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0x00, 0x80])],
    ["JSON nested 100k deep", Buffer.from(`${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`)],
    [
      "JSON with \\u0000 in the key and type",
      Buffer.from(JSON.stringify({ id: "a\u0000b", type: "t\u0000y", x: "\ud800" })),
    ],
  ])("%s → 202, stored byte for byte", async (_name, body) => {
    const secret = sources.get("stripe")?.secret as string;
    const res = await post("stripe", body, signDelivery("stripe", { body, secret, timestamp: nowSeconds() }));
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const event = (await (await api.call("GET", `/v1/events/${id}`)).json()) as {
      body: string;
      bodyEncoding: "utf8" | "base64";
    };
    expect(Buffer.from(event.body, event.bodyEncoding).equals(body)).toBe(true);
  });

  it("invalid UTF-8 comes back as base64", async () => {
    const body = Buffer.from([0xff, 0xfe, 0xfd]);
    const res = await post(
      "hmac-sha256",
      body,
      signDelivery("hmac-sha256", { body, secret: sources.get("hmac-sha256")?.secret as string }),
    );
    const { id } = (await res.json()) as { id: string };
    const event = (await (await api.call("GET", `/v1/events/${id}`)).json()) as {
      bodyEncoding: string;
      body: string;
    };
    expect(event).toMatchObject({ bodyEncoding: "base64", body: "//79" });
  });
});
