import { fileURLToPath } from "node:url";
import type { RunningWorker } from "@hookbox/worker";
import { sign as githubSign } from "@octokit/webhooks-methods";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStack, type Stack, waitForStatus, workerMetric } from "../src/index.ts";
import { RETRY_AFTER_MS, retryAfterClock } from "./fixtures/handlers/retry-after.ts";
import { stepBodyRuns } from "./fixtures/handlers/two-steps.ts";

// Issue 12, "your code is the handler": code handlers from a HANDLERS_DIR (test/fixtures/handlers),
// loaded by the api and by a worker that runs in this process (so the fixtures' counters are
// readable here), on real Postgres and Redis.
const HANDLERS_DIR = fileURLToPath(new URL("./fixtures/handlers", import.meta.url));

let stack: Stack;
let worker: RunningWorker;
const secrets: Record<string, string> = {};

beforeAll(async () => {
  // MAX_ATTEMPTS high: nothing below dies of running out of attempts.
  stack = await createStack("code-handlers", { HANDLERS_DIR, MAX_ATTEMPTS: "10" });
  const sources: Record<string, unknown>[] = [
    {
      slug: "shop-stripe",
      scheme: "stripe",
      handlers: [
        { name: "stripe-invoice" },
        // The same handler again, attached only for failed payments: filtered for invoice.paid.
        { name: "stripe-invoice", key: "failed-payments", events: ["invoice.payment_failed"] },
      ],
    },
    { slug: "repo-github", scheme: "github", handlers: [{ name: "github-pr" }] },
    { slug: "steps", scheme: "hmac-sha256", secret: "steps-secret", handlers: [{ name: "two-steps" }] },
    {
      slug: "refused",
      scheme: "hmac-sha256",
      secret: "refused-secret",
      handlers: [{ name: "refuses-first-run" }],
    },
    { slug: "later", scheme: "hmac-sha256", secret: "later-secret", handlers: [{ name: "retry-after" }] },
  ];
  for (const body of sources) {
    const created = await stack.createSource(body);
    secrets[created.slug] = created.secret;
  }
  worker = await stack.startWorker();
});
afterAll(() => stack?.close());

async function post(slug: string, body: string, headers: Record<string, string>): Promise<string> {
  const { code, id } = await stack.post(slug, body, headers);
  expect(code).toBe(202);
  return id;
}

async function send(slug: string): Promise<string> {
  const { code, id } = await stack.deliver(
    slug,
    secrets[slug] as string,
    JSON.stringify({ type: "order.created", n: Math.random() }),
  );
  expect(code).toBe(202);
  return id;
}

const stepsOf = (id: string) =>
  stack.sql<{ handler: string; name: string; result: unknown }[]>`
    SELECT handler, name, result FROM steps WHERE event_id = ${id} ORDER BY handler, name`;

const attemptsOf = (id: string) =>
  stack.sql<
    {
      handler: string;
      attempt: number;
      outcome: string;
      error: string | null;
      started_at: Date;
      finished_at: Date;
      next_attempt_at: Date | null;
    }[]
  >`
    SELECT handler, attempt, outcome, error, started_at, finished_at, next_attempt_at
    FROM attempts WHERE event_id = ${id} ORDER BY id`;

interface EventDetail {
  status: string;
  attempts: { handler: string; attempt: number; outcome: string; error: string | null }[];
  handlers: { key: string; name: string; status: string; attempts: number; reason: string | null }[];
}

async function detail(id: string): Promise<EventDetail> {
  const res = await stack.call("GET", `/v1/events/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as EventDetail;
}

describe("a code handler gets the parsed, typed payload of a signed delivery", () => {
  it("Stripe (signed by stripe-node): the handler reads the invoice; an attachment for other types is filtered", async () => {
    const filteredBefore = await workerMetric(worker.port, "hookbox_handler_attempts_total", {
      handler: "stripe-invoice",
      outcome: "filtered",
    });
    const body = JSON.stringify({
      id: "evt_1PaidInvoice",
      object: "event",
      type: "invoice.paid",
      data: {
        object: { id: "in_1Q2w3E", object: "invoice", amount_paid: 4200, customer_email: "ada@example.com" },
      },
    });
    const id = await post("shop-stripe", body, {
      "stripe-signature": Stripe.webhooks.generateTestHeaderString({
        payload: body,
        secret: secrets["shop-stripe"] as string,
      }),
    });
    await waitForStatus(stack.sql, id, "completed");

    expect(await stepsOf(id)).toEqual([
      {
        handler: "stripe-invoice",
        name: "seen",
        result: {
          type: "invoice.paid",
          eventType: "invoice.paid",
          invoiceId: "in_1Q2w3E",
          amountPaid: 4200,
          customerEmail: "ada@example.com",
        },
      },
    ]);
    const reason = 'source events: type "invoice.paid" matches none of invoice.payment_failed';
    const event = await detail(id);
    expect(event.status).toBe("completed");
    expect(
      event.attempts.map(({ handler, attempt, outcome, error }) => ({ handler, attempt, outcome, error })),
    ).toEqual(
      expect.arrayContaining([
        { handler: "stripe-invoice", attempt: 1, outcome: "success", error: null },
        { handler: "failed-payments", attempt: 1, outcome: "filtered", error: reason },
      ]),
    );
    expect(event.attempts).toHaveLength(2);
    expect(event.handlers).toEqual([
      { key: "stripe-invoice", name: "stripe-invoice", status: "succeeded", attempts: 1, reason: null },
      { key: "failed-payments", name: "stripe-invoice", status: "filtered", attempts: 0, reason },
    ]);
    expect(
      await workerMetric(worker.port, "hookbox_handler_attempts_total", {
        handler: "stripe-invoice",
        outcome: "filtered",
      }),
    ).toBe(filteredBefore + 1);
  });

  it("GitHub (signed by @octokit/webhooks-methods): the handler reads the pull request", async () => {
    const body = JSON.stringify({
      action: "closed",
      number: 42,
      pull_request: { number: 42, title: "Add code handlers", merged: true },
      repository: { full_name: "hookbox/hookbox" },
    });
    const id = await post("repo-github", body, {
      "x-hub-signature-256": await githubSign(secrets["repo-github"] as string, body),
      "x-github-event": "pull_request",
      "x-github-delivery": "9b2f6a40-1d1e-11ef-8e4a-0e0e0e0e0e0e",
    });
    await waitForStatus(stack.sql, id, "completed");
    expect(await stepsOf(id)).toEqual([
      {
        handler: "github-pr",
        name: "seen",
        result: {
          eventType: "pull_request",
          action: "closed",
          number: 42,
          title: "Add code handlers",
          merged: true,
          repository: "hookbox/hookbox",
        },
      },
    ]);
  });
});

describe("steps", () => {
  it("a retry after step one does not run step one again; both results are stored", async () => {
    const id = await send("steps");
    await waitForStatus(stack.sql, id, "completed");
    expect(stepBodyRuns.get(id)).toEqual({ one: 1, two: 1 });
    expect(await stepsOf(id)).toEqual([
      { handler: "two-steps", name: "one", result: { ranOnAttempt: 1 } },
      { handler: "two-steps", name: "two", result: { ranOnAttempt: 2, afterOne: 1 } },
    ]);
    expect((await attemptsOf(id)).map((a) => [a.attempt, a.outcome])).toEqual([
      [1, "error"],
      [2, "success"],
    ]);
  });
});

describe("errors that steer the retry", () => {
  it("NonRetriableError: dead after exactly one attempt, with a dead_letter alert", async () => {
    const id = await send("refused");
    const row = await waitForStatus(stack.sql, id, "dead");
    expect(row.last_error).toContain("the upstream refused this order");
    const attempts = await attemptsOf(id);
    expect(attempts.map((a) => [a.handler, a.attempt, a.outcome])).toEqual([
      ["refuses-first-run", 1, "error"],
    ]);
    const alerts = await stack.sql<{ kind: string; message: string }[]>`
      SELECT kind, message FROM alerts WHERE event_id = ${id}`;
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.kind).toBe("dead_letter");
    expect(alerts[0]?.message).toContain("the upstream refused this order");
  });

  it("RetryAfterError(ms): the next attempt starts no sooner than ms after the first, and at most 1.5 s later", async () => {
    const id = await send("later");
    await waitForStatus(stack.sql, id, "completed");
    const clock = retryAfterClock.get(id);
    expect(clock?.startedAt).toHaveLength(2);
    const threwAt = clock?.threwAt as number;
    const secondStartedAt = clock?.startedAt[1] as number;
    // The handler's own clock (same process as the worker): exact. The upper bound allows for
    // BullMQ promoting the delayed job and the claim round trip; the backoff (≤ 100 ms here)
    // cannot explain a wait of RETRY_AFTER_MS.
    expect(secondStartedAt - threwAt).toBeGreaterThanOrEqual(RETRY_AFTER_MS);
    expect(secondStartedAt - threwAt).toBeLessThanOrEqual(RETRY_AFTER_MS + 1_500);

    const [first, second, ...more] = await attemptsOf(id);
    expect(more).toEqual([]);
    expect([first?.outcome, second?.outcome]).toEqual(["error", "success"]);
    expect(first?.error).toBe("upstream answered 429");
    // The row says when it is due; the second attempt did not start before that.
    const due = first?.next_attempt_at?.getTime() as number;
    expect(due - (first?.finished_at.getTime() as number)).toBeGreaterThanOrEqual(RETRY_AFTER_MS - 5);
    expect(second?.started_at.getTime()).toBeGreaterThanOrEqual(due);
  });
});
