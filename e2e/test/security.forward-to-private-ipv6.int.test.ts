import { afterAll, beforeAll, expect, it } from "vitest";
import { createStack, type Stack, waitForStatus } from "../src/index.ts";

// Attack: with private destinations refused, a tenant writes the loopback or metadata address
// as an IPv6 address that carries it — NAT64 (`64:ff9b::7f00:1`), 6to4 (`2002:7f00:1::`), the
// IPv4-compatible `::127.0.0.1`, site-local `fec0::` — which a NAT64 gateway or a 6to4 relay turns
// back into the private IPv4 address. Each is refused like the address it carries: dead at the
// first attempt, nothing sent.

let stack: Stack;
beforeAll(async () => {
  stack = await createStack("security_forward_ipv6", { ALLOW_PRIVATE_DESTINATIONS: "false" });
  await stack.startWorker();
});
afterAll(() => stack?.close());

it.each([
  ["NAT64 of 127.0.0.1", "http://[64:ff9b::7f00:1]/hook"],
  ["NAT64 of the metadata service", "http://[64:ff9b::a9fe:a9fe]/latest/meta-data"],
  ["6to4 of 127.0.0.1", "http://[2002:7f00:1::1]/hook"],
  ["IPv4-compatible loopback", "http://[::7f00:1]/hook"],
  ["site-local", "http://[fec0::1]/hook"],
])("%s is refused as private", async (_, url) => {
  const slug = `v6-${Math.random().toString(36).slice(2, 8)}`;
  await stack.createSource({
    slug,
    scheme: "hmac-sha256",
    secret: "v6-secret-1",
    handlers: [{ name: "forward", config: { url } }],
  });
  const { id } = await stack.deliver(slug, "v6-secret-1", "{}");
  const row = await waitForStatus(stack.sql, id, "dead");
  expect(row.attempt_count).toBe(1);
  expect(row.last_error).toContain("refused private destination");
});
