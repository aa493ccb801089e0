import { createTestDatabase, signDelivery } from "@hookbox/shared/testing";
import { afterAll, expect, it } from "vitest";
import { startProcessStack, startReceiver, TEST_ADMIN_KEY, waitFor } from "../src/index.ts";

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

it("a full run at debug level writes no secret, signature or API key to any log line", async () => {
  const db = await createTestDatabase("secrets_in_logs");
  cleanups.push(() => db.drop());
  const receiver = await startReceiver((n) => (n === 1 ? 500 : 200));
  cleanups.push(() => receiver.close());
  const stack = await startProcessStack("secrets_in_logs", db.url, {
    SPAWN_LOG_LEVEL: "debug",
    MAX_ATTEMPTS: "2",
  });
  cleanups.push(() => stack.stop());
  const worker = await stack.startWorker({ SPAWN_LOG_LEVEL: "debug" });

  const SECRET = "whsec_c2VjcmV0LXRoYXQtbXVzdC1uZXZlci1iZS1sb2dnZWQ=";
  const created = await stack.call("POST", "/v1/sources", {
    slug: "quiet",
    scheme: "stripe",
    secret: SECRET,
    handlers: [
      {
        name: "forward",
        config: { url: receiver.url, headers: { authorization: "Bearer downstream-token-xyz" } },
      },
    ],
  });
  expect(created.status).toBe(201);
  const { id: sourceId } = (await created.json()) as { id: string };
  const keyRes = await stack.call("POST", "/v1/api-keys", { name: "ci" });
  const { key } = (await keyRes.json()) as { key: string };
  const rotated = (await (await stack.call("POST", `/v1/sources/${sourceId}/secrets`, {})).json()) as {
    secret: string;
  };

  const body = JSON.stringify({ id: "evt_quiet", type: "quiet.event" });
  const headers = signDelivery("stripe", { body, secret: SECRET });
  const signature = (headers["stripe-signature"] as string).split("v1=")[1] as string;
  const accepted = await fetch(`${stack.base}/in/quiet`, { method: "POST", headers, body });
  expect(accepted.status).toBe(202);
  const bad = await fetch(`${stack.base}/in/quiet`, {
    method: "POST",
    headers: { "stripe-signature": `t=1,v1=${"ab".repeat(32)}` },
    body,
  });
  expect(bad.status).toBe(401);
  await fetch(`${stack.base}/v1/events`, { headers: { authorization: `Bearer ${key}` } });
  await fetch(`${stack.base}/v1/events`, { headers: { authorization: "Bearer wrong-key-wrong-key" } });
  await fetch(`${stack.base}/admin/queues`, {
    headers: { authorization: `Basic ${Buffer.from(`admin:${TEST_ADMIN_KEY}`).toString("base64")}` },
  });
  await waitFor(() => (receiver.requests.length >= 2 ? true : undefined), {
    timeoutMs: 15_000,
    what: "the retry",
  });
  await new Promise((r) => setTimeout(r, 300));

  const lines = [...stack.api.output, ...worker.output];
  if (process.env.SHOW_LOGS) console.log(lines.join("\n"));
  expect(lines.length).toBeGreaterThan(10);
  expect(lines.some((l) => l.includes('"level":20'))).toBe(true); // debug lines were written
  const all = lines.join("\n");
  for (const secret of [SECRET, rotated.secret, key, TEST_ADMIN_KEY, signature, "downstream-token-xyz"]) {
    expect(all.includes(secret), `a log line contains ${secret.slice(0, 8)}…`).toBe(false);
  }
});
