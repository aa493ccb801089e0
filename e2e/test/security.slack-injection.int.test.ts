import { afterAll, beforeAll, expect, it } from "vitest";
import { createStack, type Stack, startReceiver, waitFor, waitForStatus } from "../src/index.ts";

// Attack: a sender (or a tenant) names an event `<!channel> <https://evil.example|Reset your
// password>`. The slack handler and the dead-letter alert paste the type into a Slack message,
// where `<!channel>` pings everyone and `<url|label>` dresses a phishing link — in the tenant's
// channel, and in the operator's alert channel, which no tenant should be able to write to.
// `&`, `<` and `>` of untrusted text are escaped as Slack documents.

const HOSTILE = "<!channel> <https://evil.example|Reset your password> & <@U0ADMIN>";
const ESCAPED = "&lt;!channel&gt; &lt;https://evil.example|Reset your password&gt; &amp; &lt;@U0ADMIN&gt;";

let stack: Stack;
let operator: Awaited<ReturnType<typeof startReceiver>>;
let channel: Awaited<ReturnType<typeof startReceiver>>;
let target: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  operator = await startReceiver();
  channel = await startReceiver();
  target = await startReceiver(() => 500);
  stack = await createStack("security_slack", { MAX_ATTEMPTS: "1", SLACK_ALERT_WEBHOOK_URL: operator.url });
  await stack.startWorker();
});
afterAll(async () => {
  await stack?.close();
  await Promise.all([operator, channel, target].map((r) => r?.close()));
});

const textOf = (request: { body: Buffer } | undefined) =>
  (JSON.parse(request?.body.toString() ?? "{}") as { text?: string }).text ?? "";

it("the slack handler escapes the event type", async () => {
  await stack.createSource({
    slug: "slack-notify",
    scheme: "hmac-sha256",
    secret: "slack-secret",
    handlers: [{ name: "slack", config: { url: channel.url } }],
  });
  const { id } = await stack.deliver("slack-notify", "slack-secret", JSON.stringify({ type: HOSTILE }));
  await waitForStatus(stack.sql, id, "completed");
  const text = textOf(channel.requests[0]);
  expect(text).toContain(`*${ESCAPED}* from \`slack-notify\``);
  expect(text).not.toMatch(/<[!@h]/);
});

it("the dead-letter alert to the operator's channel escapes the event type", async () => {
  await stack.createSource({
    slug: "slack-dead",
    scheme: "hmac-sha256",
    secret: "slack-secret",
    handlers: [{ name: "forward", config: { url: target.url } }],
  });
  const { id } = await stack.deliver("slack-dead", "slack-secret", JSON.stringify({ type: HOSTILE }));
  await waitForStatus(stack.sql, id, "dead");
  const request = await waitFor(() => operator.requests.find((r) => textOf(r).includes(id)), {
    what: "the alert on the operator's channel",
  });
  const text = textOf(request);
  expect(text).toContain(ESCAPED);
  expect(text).not.toMatch(/<[!@h]/);
});
