import { afterAll, beforeAll, expect, it } from "vitest";
import { createStack, type Stack, startReceiver, waitForStatus } from "../src/index.ts";

let stack: Stack;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  stack = await createStack("forward_private", { ALLOW_PRIVATE_DESTINATIONS: "false" });
  receiver = await startReceiver();
  await stack.startWorker();
});
afterAll(async () => {
  await receiver?.close();
  await stack?.close();
});

it("refuses a loopback destination without retrying when private destinations are not allowed", async () => {
  for (const url of [receiver.url, receiver.url.replace("127.0.0.1", "localhost")]) {
    const slug = url.includes("localhost") ? "private-name" : "private-ip";
    await stack.createSource({
      slug,
      scheme: "hmac-sha256",
      secret: "s-secret-1",
      handlers: [{ name: "forward", config: { url } }],
    });
    const { id } = await stack.deliver(slug, "s-secret-1", "{}");
    const row = await waitForStatus(stack.sql, id, "dead");
    expect(row.attempt_count).toBe(1);
    expect(row.last_error).toContain("refused private destination");
  }
  expect(receiver.requests).toHaveLength(0);
});
