import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { sign as githubSign } from "@octokit/webhooks-methods";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStack, type Stack, waitForStatus } from "../src/index.ts";

// Issue 12: the repository's own `handlers/` directory as HANDLERS_DIR (api and worker), fed the
// deliveries its fixtures hold, signed as the senders sign them.
const EXAMPLES = new URL("../../handlers/", import.meta.url);

let stack: Stack;
const secrets: Record<string, string> = {};

beforeAll(async () => {
  stack = await createStack("code-handlers-examples", { HANDLERS_DIR: fileURLToPath(EXAMPLES) });
  const stripe = await stack.createSource({
    slug: "shop",
    scheme: "stripe",
    handlers: [{ name: "fulfil-order", config: { warehouse: "ham-2" } }],
  });
  const github = await stack.createSource({
    slug: "acme-shop",
    scheme: "github",
    handlers: [{ name: "merged-pr" }],
  });
  secrets.stripe = stripe.secret;
  secrets.github = github.secret;
  await stack.startWorker();
});
afterAll(() => stack?.close());

async function fixture(name: string) {
  return JSON.parse(await readFile(new URL(`fixtures/${name}`, EXAMPLES), "utf8")) as {
    body: string;
    headers: Record<string, string>;
  };
}

async function post(slug: string, body: string, headers: Record<string, string>): Promise<string> {
  const { code, id } = await stack.post(slug, body, headers);
  expect(code).toBe(202);
  return id;
}

const stepsOf = (id: string) =>
  stack.sql<{ handler: string; name: string; result: Record<string, unknown> }[]>`
    SELECT handler, name, result FROM steps WHERE event_id = ${id} ORDER BY name DESC`;

describe("the example handlers in handlers/", () => {
  it("fulfil-order completes a Stripe invoice.paid, with the warehouse of its config", async () => {
    const { body } = await fixture("stripe-invoice-paid.json");
    const id = await post("shop", body, {
      "stripe-signature": Stripe.webhooks.generateTestHeaderString({
        payload: body,
        secret: secrets.stripe as string,
      }),
    });
    await waitForStatus(stack.sql, id, "completed");
    const steps = await stepsOf(id);
    expect(steps.map((s) => [s.handler, s.name])).toEqual([
      ["fulfil-order", "reserve-stock"],
      ["fulfil-order", "book-shipment"],
    ]);
    expect(steps[0]?.result).toMatchObject({
      orderId: "ord_in_1QnP4oLkdIwHu7ixk3Wl9xYb",
      warehouse: "ham-2",
    });
    expect(steps[1]?.result).toEqual({
      shipmentId: "shp_in_1QnP4oLkdIwHu7ixk3Wl9xYb",
      from: "ham-2",
      to: "10119 Berlin, DE",
    });
  });

  it("merged-pr completes a GitHub pull_request merge and stores its release note", async () => {
    const { body, headers } = await fixture("github-pull-request-merged.json");
    const id = await post("acme-shop", body, {
      "x-github-event": headers["x-github-event"] as string,
      "x-github-delivery": headers["x-github-delivery"] as string,
      "x-hub-signature-256": await githubSign(secrets.github as string, body),
    });
    await waitForStatus(stack.sql, id, "completed");
    const steps = await stepsOf(id);
    expect(steps.map((s) => [s.handler, s.name])).toEqual([["merged-pr", "release-note"]]);
    expect(steps[0]?.result).toMatchObject({ repository: "acme/shop", number: 42 });
  });
});
