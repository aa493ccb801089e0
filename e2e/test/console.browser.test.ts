import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { haveBrowser, launchChromium } from "../src/browser.ts";
import { createStack, type Stack, startReceiver, TEST_ADMIN_KEY, waitFor } from "../src/index.ts";

// The console in real Chromium (Debian's; CI installs it with apt, nothing is downloaded).
const root = new URL("../../", import.meta.url).pathname;
// Screenshots go to test-artifacts/; UPDATE_SCREENSHOTS=1 writes the README's docs/images/ instead.
const images = process.env.UPDATE_SCREENSHOTS ? `${root}docs/images` : `${root}test-artifacts`;

let stack: Stack;
let server: ReturnType<typeof serve>;
let evil: Server;
let base: string;
let evilBase: string;
let browser: Browser;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let shop: { id: string; slug: string; secret: string };
const ids: string[] = [];

beforeAll(async () => {
  stack = await createStack("console_browser", { MAX_ATTEMPTS: "1" });
  receiver = await startReceiver(() => 500);
  shop = await stack.createSource({ slug: "shop", scheme: "hmac-sha256", handlers: [{ name: "log" }] });
  const flaky = await stack.createSource({
    slug: "billing",
    scheme: "hmac-sha256",
    handlers: [{ name: "forward", key: "erp", config: { url: receiver.url } }],
  });
  await stack.startWorker({ MAX_ATTEMPTS: "1" });
  const bodies = [
    { type: "invoice.paid", data: { object: { customer: "cus_123", amount: 4200 } } },
    { type: "invoice.created", data: { object: { customer: "cus_456", amount: 100 } } },
    { type: "charge.succeeded", data: { object: { customer: "cus_123", amount: 4200 } } },
  ];
  for (const [i, b] of bodies.entries()) {
    ids.push(
      (await stack.deliver(shop.slug, shop.secret, JSON.stringify(b), { "idempotency-key": `evt_${i}` })).id,
    );
  }
  // One that dies (the receiver answers 500, one attempt allowed): a dead letter and an alert.
  await stack.deliver(flaky.slug, flaky.secret, JSON.stringify({ type: "invoice.finalized" }), {
    "idempotency-key": "evt_dead",
  });
  // One rejected delivery: a wrong signature.
  await stack.app.request(`/in/${shop.slug}`, {
    method: "POST",
    headers: { "x-signature": "00" },
    body: "{}",
  });
  await waitFor(
    async () => {
      const [r] = await stack.sql`SELECT
      (SELECT count(*)::int FROM events WHERE status IN ('completed','dead')) AS settled,
      (SELECT count(*)::int FROM alerts) AS alerts, (SELECT count(*)::int FROM rejections) AS rejections`;
      return r?.settled === 4 && r.alerts === 1 && r.rejections === 1 ? r : undefined;
    },
    { timeoutMs: 20_000, what: "events settled, an alert and a rejection" },
  );

  server = serve({ fetch: stack.app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise((r) => server.once("listening", r));
  base = `http://localhost:${(server.address() as AddressInfo).port}`;
  // Another site: a page that POSTs to the console as soon as it loads.
  evil = createServer((_req, res) => {
    res
      .writeHead(200, { "content-type": "text/html" })
      .end(`<form id="f" method="post" action="${base}/console/alerts/ack">
<input name="ids" value="x"><input name="_csrf" value="guess"></form><script>document.getElementById("f").submit()</script>`);
  });
  await new Promise<void>((r) => evil.listen(0, "127.0.0.1", r));
  evilBase = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
  if (haveBrowser) {
    browser = await launchChromium();
  }
  mkdirSync(images, { recursive: true });
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await new Promise<void>((r) => evil?.close(() => r()));
  await new Promise<void>((r) => server?.close(() => r()));
  await receiver?.close();
  await stack?.close();
});

async function signedIn(key: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  await page.goto(`${base}/console`);
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Overview" }).waitFor();
  return page;
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: `${images}/console-${name}.png`, fullPage: true });

it.skipIf(!haveBrowser)(
  "an operator finds, understands and replays webhooks in the console",
  async () => {
    const page = await signedIn(TEST_ADMIN_KEY);
    await shot(page, "overview");

    // Filter by a type glob, then by a JSON-path value; the filter is the permalink.
    await page.getByRole("link", { name: "Events", exact: true }).click();
    await page.getByLabel("Type (glob)").fill("invoice.*");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/type=invoice\.\*/);
    await expect.poll(() => page.locator("#event-rows tr").count()).toBe(3);
    await page.getByLabel("Type (glob)").fill("");
    await page.getByLabel("Body path").fill("data.object.customer");
    await page.getByLabel("equals").fill("cus_123");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/value=cus_123/);
    await expect.poll(() => page.locator("#event-rows tr").count()).toBe(2);
    await expect.poll(() => page.locator("#event-rows").textContent()).toContain("charge.succeeded");
    await shot(page, "events");

    // Open an event, replay it, see the new run.
    await page.locator(`a[href="/console/events/${ids[0]}"]`).click();
    await page.getByRole("heading", { name: /Event/ }).waitFor();
    expect(await page.locator("#event-body").textContent()).toContain('"customer": "cus_123"');
    await page.getByRole("button", { name: "Replay", exact: true }).click();
    await page.getByText("Replay queued as run 1.").waitFor();
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.getByRole("heading", { name: "Run 1 (current)" }).count();
        },
        { timeout: 15_000 },
      )
      .toBe(1);
    await shot(page, "event");

    // Bulk replay: the dry run counts, the confirmation starts it, the progress page follows it.
    await page.goto(`${base}/console/events?type=invoice.*`);
    await page.getByRole("link", { name: "Bulk replay this filter…" }).click();
    expect(await page.locator("#replay-count").textContent()).toBe("3");
    await shot(page, "bulk-replay");
    await page.getByRole("button", { name: "Replay 3 events" }).click();
    await page.getByText(/completed: 3 replayed of 3/).waitFor({ timeout: 15_000 });

    // A forged cross-site POST (another origin's auto-submitting form) is refused and changes nothing.
    const openAlerts = async () =>
      (await stack.sql`SELECT count(*)::int AS n FROM alerts WHERE acknowledged_at IS NULL`)[0]?.n as number;
    const before = await openAlerts();
    const forged = page.waitForResponse((r) => r.url().endsWith("/console/alerts/ack"));
    await page.goto(evilBase);
    expect((await forged).status()).toBe(403);
    expect(before).toBeGreaterThan(0);
    expect(await openAlerts()).toBe(before);

    // Acknowledge the dead letter's alert.
    await page.goto(`${base}/console/alerts`);
    await shot(page, "alerts");
    await page.getByLabel("Select all alerts").check();
    await page.getByRole("button", { name: "Acknowledge selected" }).click();
    await page.getByText(`${before} alert(s) acknowledged.`).waitFor();
    expect(await openAlerts()).toBe(0);

    // A rejection's reason, then rotate the secret: the new one is shown once and verifies.
    await page.getByRole("link", { name: "Sources" }).click();
    await page.getByRole("link", { name: "shop" }).click();
    expect(await page.getByRole("table", { name: "Rejected deliveries" }).textContent()).toMatch(
      /(missing|malformed|mismatch)_signature|signature_mismatch/,
    );
    await page.getByRole("button", { name: "Rotate secret" }).click();
    const secret = (await page.locator("#new-secret").textContent()) ?? "";
    expect(secret.length).toBeGreaterThan(20);
    await shot(page, "source");
    expect((await stack.deliver(shop.slug, secret, JSON.stringify({ type: "after.rotation" }))).code).toBe(
      202,
    );
    await page.reload().catch(() => undefined);

    await page.getByRole("link", { name: "Handlers" }).click();
    expect(await page.getByRole("table", { name: "Handlers" }).textContent()).toContain("forward");
    await shot(page, "handlers");
  },
  120_000,
);

it.skipIf(!haveBrowser)("another tenant's event id answers 404 in the console", async () => {
  const tenant = (await (await stack.call("POST", "/v1/tenants", { name: "other" })).json()) as {
    id: string;
  };
  const key = (await (
    await stack.call("POST", "/v1/api-keys", { name: "o", tenantId: tenant.id })
  ).json()) as { key: string };
  const page = await signedIn(key.key);
  const res = await page.goto(`${base}/console/events/${ids[0]}`);
  expect(res?.status()).toBe(404);
  expect(await page.locator("body").textContent()).not.toContain("cus_123");
});
