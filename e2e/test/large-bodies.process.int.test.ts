import { randomBytes } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@hookbox/shared/testing";
import { afterEach, describe, expect, it } from "vitest";
import { signDelivery, startProcessStack, startReceiver, waitFor } from "../src/index.ts";

// The api and worker run with their `start` flags (heap tuning). A burst of large bodies is
// batched into single statements on both sides (postgres.js sends bytea as hex text), so this
// checks that such a burst is accepted and processed byte for byte, with no process dying.
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

describe("a burst of 40 concurrent 1 MB deliveries", () => {
  it("answers each 202 (or 503 when Postgres is too slow), forwards every accepted one byte for byte, and no process exits", async () => {
    const db: TestDatabase = await createTestDatabase("large_bodies");
    cleanups.push(() => db.drop());
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    const stack = await startProcessStack("large_bodies", db.url);
    cleanups.push(() => stack.stop());
    await stack.call("POST", "/v1/sources", {
      slug: "big",
      scheme: "hmac-sha256",
      secret: "big-secret",
      handlers: [{ name: "forward", config: { url: receiver.url } }],
    });
    // The default concurrency: the whole burst can be claimed in one statement.
    const worker = await stack.startWorker({ WORKER_CONCURRENCY: "128" });

    const bodies = Array.from({ length: 40 }, () => randomBytes(1_000_000));
    const answers = await Promise.all(
      bodies.map((body) =>
        fetch(`${stack.base}/in/big`, {
          method: "POST",
          headers: {
            "content-type": "application/octet-stream",
            ...signDelivery("hmac-sha256", { body, secret: "big-secret" }),
          },
          body,
        }).then((r) => r.status),
      ),
    );
    // 503 is the documented answer when Postgres is slower than the ingest deadline (the sender
    // retries); anything else, or a dropped connection, is a failure.
    expect(answers.every((s) => s === 202 || s === 503)).toBe(true);
    const accepted = answers.flatMap((s, i) => (s === 202 ? [bodies[i] as Buffer] : []));
    expect(accepted.length).toBeGreaterThan(0);

    // A 503 is "not acknowledged", but when Postgres was slow rather than gone the INSERT may
    // still have committed before the cancel reached it: such a row is processed too (the
    // sender's retry is then a duplicate — recognised by its idempotency key, which every
    // provider sends). So: every accepted delivery completes, and no row is not one of the sent.
    await waitFor(
      async () => {
        const [row] = await db.database.sql<{ done: number; open: number }[]>`
          SELECT count(*) FILTER (WHERE status = 'completed')::int AS done,
                 count(*) FILTER (WHERE status <> 'completed')::int AS open FROM events`;
        return row && row.open === 0 && row.done >= accepted.length ? true : undefined;
      },
      { timeoutMs: 90_000, what: "every accepted delivery completed" },
    );
    const [stored] = await db.database.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM events`;
    expect(stored?.n).toBeLessThanOrEqual(bodies.length);
    const received = new Set(receiver.requests.map((r) => r.body.toString("base64")));
    for (const body of accepted) expect(received.has(body.toString("base64"))).toBe(true);
    expect(worker.child.exitCode).toBeNull();
    expect(stack.api.child.exitCode).toBeNull();
  }, 120_000); // 40 MB through api, Postgres, worker and receiver, next to the other test files
});
