import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { createApiDeps, createApp } from "@hookbox/api";
import {
  createLogger,
  createSecretBox,
  DEFAULT_TENANT_ID,
  encryptionKeyId,
  isSealed,
  migrate,
  parseEncryptionKey,
  uuidv7,
  warmUpDatabase,
} from "@hookbox/shared";
import { testConfig } from "@hookbox/shared/testing";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStack, type Stack, signDelivery, startReceiver, waitForStatus } from "../src/index.ts";

// Attack: a database dump (a backup, a replica, a read-only SQL injection) hands over every
// sender's signing secret (forge any tenant's webhooks) and every downstream credential in the
// forward headers. They are sealed with AES-256-GCM under ENCRYPTION_KEY: the dump holds none of
// them. Rows from before encryption are sealed at start, and a key rotation reseals everything.

const KEY_A = randomBytes(32).toString("base64");
const KEY_B = randomBytes(32).toString("hex");
const idOf = (key: string) => encryptionKeyId(parseEncryptionKey(key) as Buffer);
/** Migration files 0000–0007: the schema before 0008_encrypt_secrets. */
const PREVIOUS_SCHEMA = 8;

const HMAC_SECRET = "legacy-hmac-secret-0123456789";
const STRIPE_SECRET = `whsec_${randomBytes(24).toString("base64url")}`;
const DOWNSTREAM = "Bearer downstream-credential-0123456789";

let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver?.close());

const text = (headers: IncomingHttpHeaders) =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));

/** Every source row, every column, as one text: what a dump of the table holds. */
async function dump(stack: Stack): Promise<string> {
  const rows = await stack.sql<{ row: string }[]>`SELECT to_jsonb(s)::text AS row FROM sources s`;
  return rows.map((r) => r.row).join("\n");
}

/** Every secret value stored, as stored: source secrets, forward secrets, forward header values. */
async function storedValues(stack: Stack): Promise<string[]> {
  const rows = await stack.sql<{ v: string }[]>`
    SELECT x->>'secret' AS v FROM sources, jsonb_array_elements(secrets || forward_secrets) x
    UNION ALL
    SELECT hv.value FROM sources, jsonb_array_elements(handlers) h, jsonb_each_text(h->'config'->'headers') hv
    WHERE h->>'name' = 'forward'`;
  return rows.map((r) => r.v);
}

/** Delivers `body` (signed by `headers`) and waits until the destination has it; its headers. */
async function deliverAndForward(
  post: (body: string) => Promise<{ code: number; id: string }>,
  stack: Stack,
): Promise<{ body: string; headers: Record<string, string> }> {
  const body = JSON.stringify({ id: `evt_${uuidv7()}`, type: "invoice.paid" });
  const { code, id } = await post(body);
  expect(code).toBe(202);
  await waitForStatus(stack.sql, id, "completed");
  const request = receiver.requests.find((r) => r.body.toString() === body);
  if (!request) throw new Error("not forwarded");
  return { body, headers: text(request.headers) };
}

describe("upgrade: plaintext secrets of the previous schema are sealed at start", () => {
  let stack: Stack;
  const ids = { hmac: uuidv7(), stripe: uuidv7() };

  beforeAll(async () => {
    stack = await createStack("secrets_upgrade", { ENCRYPTION_KEY: KEY_A }, { upTo: PREVIOUS_SCHEMA });
    // As the previous code wrote them: secrets and header values in plaintext.
    const forward = [
      { name: "forward", key: "fwd", config: { url: receiver.url, headers: { authorization: DOWNSTREAM } } },
    ];
    const secret = (s: string) => [{ secret: s, createdAt: new Date().toISOString(), expiresAt: null }];
    for (const [id, slug, scheme, value] of [
      [ids.hmac, "legacy-hmac", "hmac-sha256", HMAC_SECRET],
      [ids.stripe, "legacy-stripe", "stripe", STRIPE_SECRET],
    ] as const) {
      await stack.sql`INSERT INTO sources (id, tenant_id, slug, name, scheme, secrets, handlers)
        VALUES (${id}, ${DEFAULT_TENANT_ID}, ${slug}, ${slug}, ${scheme}, ${stack.sql.json(secret(value))}, ${stack.sql.json(forward)})`;
    }
    expect(await dump(stack)).toContain(DOWNSTREAM);
    await stack.startWorker(); // its start: migrations, then the sealing step
  });
  afterAll(() => stack?.close());

  it("after start no secret and no header value is in the database in plaintext", async () => {
    const all = await dump(stack);
    for (const plaintext of [HMAC_SECRET, STRIPE_SECRET, DOWNSTREAM, "downstream-credential"])
      expect(all).not.toContain(plaintext);
    const values = await storedValues(stack);
    expect(values).toHaveLength(6); // 2 secrets, 2 new forward signing secrets, 2 header values
    for (const value of values) {
      expect(isSealed(value)).toBe(true);
      expect(value).toContain(`:${idOf(KEY_A)}:`);
    }
  });

  it("every delivery still verifies and every forward still carries its header, now signed", async () => {
    const hmac = await deliverAndForward((body) => stack.deliver("legacy-hmac", HMAC_SECRET, body), stack);
    const stripe = await deliverAndForward(
      (body) => stack.post("legacy-stripe", body, signDelivery("stripe", { body, secret: STRIPE_SECRET })),
      stack,
    );
    for (const forwarded of [hmac, stripe]) expect(forwarded.headers.authorization).toBe(DOWNSTREAM);
    // An upgraded source's signing secret was never shown: rotating it shows one.
    const res = await stack.call("POST", `/v1/sources/${ids.hmac}/forward-secret`, {
      expiresPreviousInSeconds: 0,
    });
    const { forwardSecret } = (await res.json()) as { forwardSecret: string };
    const signed = await deliverAndForward((body) => stack.deliver("legacy-hmac", HMAC_SECRET, body), stack);
    expect(new Webhook(forwardSecret).verify(signed.body, signed.headers)).toBeTruthy();
  });

  it("reads mask the header values; a PATCH that sends the mask back keeps the stored value", async () => {
    const read = await (await stack.call("GET", "/v1/sources")).text();
    expect(read).not.toContain("downstream-credential");
    const source = (await (await stack.call("GET", `/v1/sources/${ids.hmac}`)).json()) as {
      handlers: { name: string; key: string; config: { headers: Record<string, string> } }[];
    };
    expect(source.handlers[0]?.config.headers).toEqual({ authorization: "***" });
    const patched = await stack.call("PATCH", `/v1/sources/${ids.hmac}`, {
      handlers: [{ ...source.handlers[0], config: { ...source.handlers[0]?.config, timeoutMs: 5000 } }],
    });
    expect(patched.status).toBe(200);
    expect(await dump(stack)).not.toContain("downstream-credential");
    const again = await deliverAndForward((body) => stack.deliver("legacy-hmac", HMAC_SECRET, body), stack);
    expect(again.headers.authorization).toBe(DOWNSTREAM);
  });
});

describe("key rotation: ENCRYPTION_KEY = new key, ENCRYPTION_KEYS_PREVIOUS = old key", () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await createStack("secrets_rotation", { ENCRYPTION_KEY: KEY_A });
  });
  afterAll(() => stack?.close());

  it("reseals everything at start; then the old key is not needed, and a process with only it refuses to start", async () => {
    const workerA = await stack.startWorker();
    const created = (await (
      await stack.call("POST", "/v1/sources", {
        slug: "rotating",
        scheme: "hmac-sha256",
        secret: HMAC_SECRET,
        handlers: [
          { name: "forward", config: { url: receiver.url, headers: { authorization: DOWNSTREAM } } },
        ],
      })
    ).json()) as { forwardSecret: string };
    const before = await deliverAndForward((body) => stack.deliver("rotating", HMAC_SECRET, body), stack);
    expect(before.headers.authorization).toBe(DOWNSTREAM);
    for (const value of await storedValues(stack)) expect(value).toContain(`:${idOf(KEY_A)}:`);

    // Step 1: the new key is current, the old one previous; a start reseals.
    await workerA.stop();
    const workerAB = await stack.startWorker({ ENCRYPTION_KEY: KEY_B, ENCRYPTION_KEYS_PREVIOUS: KEY_A });
    const resealed = await storedValues(stack);
    expect(resealed).toHaveLength(3);
    for (const value of resealed) expect(value).toContain(`:${idOf(KEY_B)}:`);
    await workerAB.stop();

    // Step 2: the old key is dropped. An api and a worker with only the new key verify and forward.
    const worker = await stack.startWorker({ ENCRYPTION_KEY: KEY_B });
    const config = testConfig(
      { databaseUrl: stack.pg.url, redisUrl: stack.config.redisUrl, redisPrefix: stack.config.redisPrefix },
      { ...stack.env, ENCRYPTION_KEY: KEY_B },
    );
    const deps = createApiDeps(config, { logger: createLogger("silent") });
    try {
      await warmUpDatabase(deps.sql);
      const app = createApp(deps);
      const after = await deliverAndForward(async (body) => {
        const res = await app.request("/in/rotating", {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...signDelivery("hmac-sha256", { body, secret: HMAC_SECRET }),
          },
          body,
        });
        return { code: res.status, id: ((await res.json()) as { id: string }).id };
      }, stack);
      expect(after.headers.authorization).toBe(DOWNSTREAM);
      expect(new Webhook(created.forwardSecret).verify(after.body, after.headers)).toBeTruthy();
    } finally {
      await deps.close();
      await worker.stop();
    }

    // A process configured with only the retired key stops at start, naming the key it lacks.
    await expect(
      migrate(stack.pg.url, { secretBox: createSecretBox(parseEncryptionKey(KEY_A) as Buffer) }),
    ).rejects.toThrow(`key id ${idOf(KEY_B)}`);
  });
});
