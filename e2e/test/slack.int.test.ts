import { afterAll, beforeAll, expect, it } from "vitest";
import { createStack, type Stack, startReceiver, waitFor, waitForStatus } from "../src/index.ts";

let stack: Stack;
let slack: Awaited<ReturnType<typeof startReceiver>>;
let target: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  // Slack is down for the first two posts.
  slack = await startReceiver((n) => (n <= 2 ? 500 : 200));
  target = await startReceiver(() => 500);
  stack = await createStack("slack", { MAX_ATTEMPTS: "1", SLACK_ALERT_WEBHOOK_URL: slack.url });
  await stack.startWorker();
});
afterAll(async () => {
  await stack?.close();
  await slack?.close();
  await target?.close();
});

async function send(slug: string, secret: string, type: string) {
  return (await stack.deliver(slug, secret, JSON.stringify({ type }))).id;
}

it("a Slack failure never blocks processing; the alert message is retried until Slack takes it", async () => {
  await stack.createSource({
    slug: "sl-dead",
    scheme: "hmac-sha256",
    secret: "sl-secret",
    handlers: [{ name: "forward", config: { url: target.url } }],
  });
  const started = Date.now();
  const id = await send("sl-dead", "sl-secret", "boom");
  await waitForStatus(stack.sql, id, "dead");
  expect(Date.now() - started).toBeLessThan(2_000); // dead-lettering did not wait for Slack
  await waitFor(() => (slack.requests.length >= 3 ? true : undefined), {
    timeoutMs: 20_000,
    what: "the third Slack post",
  });
  const bodies = slack.requests.map((r) => JSON.parse(r.body.toString()) as { text: string });
  expect(bodies.every((b) => b.text.includes(id))).toBe(true);
  await new Promise((r) => setTimeout(r, 1_500));
  expect(slack.requests).toHaveLength(3); // delivered once it succeeded, not again
});

it("the built-in slack handler posts a summary of each event with the same sender", async () => {
  const channel = await startReceiver();
  try {
    await stack.createSource({
      slug: "sl-notify",
      scheme: "hmac-sha256",
      secret: "n-secret",
      handlers: [{ name: "slack", config: { url: channel.url, prefix: "Shop" } }],
    });
    const id = await send("sl-notify", "n-secret", "order.paid");
    await waitForStatus(stack.sql, id, "completed");
    const message = JSON.parse(channel.requests[0]?.body.toString() ?? "{}") as { text: string };
    expect(message.text).toContain("Shop: *order.paid* from `sl-notify`");
    expect(message.text).toContain(id);
    expect(channel.requests[0]?.headers["content-type"]).toBe("application/json");
  } finally {
    await channel.close();
  }
});
