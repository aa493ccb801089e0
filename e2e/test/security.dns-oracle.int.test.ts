import { afterAll, describe, expect, it } from "vitest";
import { createStack, type Stack, startReceiver, waitForStatus } from "../src/index.ts";

// Attack: a tenant points a `forward` handler at an internal name (`db.internal`, `localhost`,
// whatever the operator's resolver knows) and reads the attempt's error. If the error names the
// address the name resolved to, the forward handler is a DNS oracle for the operator's network.
// The error must keep the reason and drop the address.

const ADDRESSES = /\b127\.0\.0\.1\b|::1\b|\b\d{1,3}(\.\d{1,3}){3}\b/;

const stacks: Stack[] = [];
afterAll(async () => {
  await Promise.all(stacks.map((s) => s.close()));
});

/** Delivers one event to a source forwarding to `url`; waits until it is dead; every error text a tenant can read. */
async function errorsOfDeadForward(stack: Stack, slug: string, url: string): Promise<string[]> {
  await stack.createSource({
    slug,
    scheme: "hmac-sha256",
    secret: "oracle-secret",
    handlers: [{ name: "forward", config: { url } }],
  });
  const { id } = await stack.deliver(slug, "oracle-secret", "{}");
  const row = await waitForStatus(stack.sql, id, "dead");
  const detail = (await (await stack.call("GET", `/v1/events/${id}`)).json()) as {
    lastError: string | null;
    attempts: { error: string | null }[];
  };
  return [row.last_error, detail.lastError, ...detail.attempts.map((a) => a.error)].filter(
    (e): e is string => typeof e === "string",
  );
}

describe("private destinations refused", () => {
  it("a name that resolves to a private address is refused with the reason, not the address", async () => {
    const stack = await createStack("security_dns_oracle", { ALLOW_PRIVATE_DESTINATIONS: "false" });
    stacks.push(stack);
    const receiver = await startReceiver();
    try {
      await stack.startWorker();
      const url = receiver.url.replace("127.0.0.1", "localhost");
      const errors = await errorsOfDeadForward(stack, "oracle-name", url);
      expect(errors.length).toBeGreaterThanOrEqual(2);
      for (const error of errors) {
        expect(error).toContain("refused private destination localhost");
        expect(error).not.toMatch(ADDRESSES);
      }
      expect(receiver.requests).toHaveLength(0);
    } finally {
      await receiver.close();
    }
  });
});

describe("private destinations allowed", () => {
  it("a connection that fails names the failure, not the address it tried", async () => {
    const stack = await createStack("security_dns_oracle_allowed", {
      ALLOW_PRIVATE_DESTINATIONS: "true",
      MAX_ATTEMPTS: "1",
    });
    stacks.push(stack);
    await stack.startWorker();
    // Port 1 on loopback: nothing listens, the connection is refused.
    const errors = await errorsOfDeadForward(stack, "oracle-refused", "http://localhost:1/hook");
    expect(errors.length).toBeGreaterThanOrEqual(2);
    for (const error of errors) {
      expect(error).toContain("ECONNREFUSED");
      expect(error).not.toMatch(ADDRESSES);
    }
  });
});
