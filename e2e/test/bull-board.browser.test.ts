import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { haveBrowser, launchChromium, serveOnLoopback } from "../src/browser.ts";
import { createStack, type Stack, signDelivery, TEST_ADMIN_KEY } from "../src/index.ts";

const root = new URL("../../", import.meta.url).pathname;

let stack: Stack;
let server: Awaited<ReturnType<typeof serveOnLoopback>>;
let base: string;
let jobId: string;

beforeAll(async () => {
  stack = await createStack("bull_board");
  await stack.createSource({
    slug: "board",
    scheme: "hmac-sha256",
    secret: "board-secret",
    handlers: [{ name: "log" }],
  });
  // No worker: the job waits in the queue where the board shows it.
  const body = JSON.stringify({ type: "board.demo" });
  const res = await stack.app.request("/in/board", {
    method: "POST",
    headers: signDelivery("hmac-sha256", { body, secret: "board-secret" }),
    body,
  });
  jobId = ((await res.json()) as { id: string }).id;
  server = await serveOnLoopback(stack.app.fetch);
  base = server.base;
});
afterAll(async () => {
  await server?.close();
  await stack?.close();
});

it.skipIf(!haveBrowser)(
  "Bull Board: 401 without credentials; with them it lists the events queue and the job",
  async () => {
    const browser = await launchChromium();
    try {
      // Without credentials: 401 with a Basic challenge (a page navigation would open the
      // browser's login prompt, which headless Chromium turns into a navigation error).
      const anonymous = await browser.newContext();
      const denied = await anonymous.request.get(`${base}/admin/queues`);
      expect(denied.status()).toBe(401);
      expect(denied.headers()["www-authenticate"]).toContain("Basic");
      expect((await anonymous.request.get(`${base}/admin/queues/api/queues`)).status()).toBe(401);

      const context = await browser.newContext({
        httpCredentials: { username: "admin", password: TEST_ADMIN_KEY },
        viewport: { width: 1280, height: 800 },
      });
      const page = await context.newPage();
      const failed: string[] = [];
      page.on("response", (r) => {
        if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
      });
      const ok = await page.goto(`${base}/admin/queues`);
      expect(ok?.status()).toBe(200);
      await page.getByText("events", { exact: true }).first().waitFor({ timeout: 15_000 });
      await page.getByText("maintenance", { exact: true }).first().waitFor();

      await page.goto(`${base}/admin/queues/queue/events?status=waiting`);
      await page.getByText(jobId).first().waitFor({ timeout: 15_000 });
      mkdirSync(`${root}test-artifacts`, { recursive: true });
      await page.screenshot({ path: `${root}test-artifacts/bull-board.png`, fullPage: false });
      // Every asset and API call under the base path loaded behind the same basic auth.
      expect(failed).toEqual([]);

      // The board's own writes pass the same-origin check: Chromium names the page's origin in
      // `Origin` on every non-GET request (a cross-site form's would be refused, 403).
      const write = (action: string) =>
        page.evaluate(
          async (path) => (await fetch(path, { method: "PUT" })).status,
          `/admin/queues/api/queues/maintenance/${action}`,
        );
      expect(await write("pause")).toBeLessThan(300);
      expect(await stack.api.maintenance.isPaused()).toBe(true);
      expect(await write("resume")).toBeLessThan(300);
    } finally {
      await browser.close();
    }
  },
);
