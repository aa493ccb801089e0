import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { haveBrowser, launchChromium, serveOnLoopback } from "../src/browser.ts";
import { createStack, type Stack } from "../src/index.ts";

const root = new URL("../../", import.meta.url).pathname;
let stack: Stack;
let server: Awaited<ReturnType<typeof serveOnLoopback>>;
let base: string;

beforeAll(async () => {
  stack = await createStack("docs_browser");
  server = await serveOnLoopback(stack.app.fetch);
  base = server.base;
});
afterAll(async () => {
  await server?.close();
  await stack?.close();
});

it.skipIf(!haveBrowser)("/docs renders the API with no request outside Hookbox (works offline)", async () => {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // Offline as far as the page can tell: any request elsewhere is recorded and refused.
    const elsewhere: string[] = [];
    await context.route(
      (url) => url.origin !== base && url.protocol !== "data:",
      (route) => {
        elsewhere.push(route.request().url());
        return route.abort();
      },
    );
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(m.text()); // a CSP violation is logged as an error
    });
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });
    expect((await page.goto(`${base}/docs`))?.status()).toBe(200);
    await page.getByText("Hookbox", { exact: false }).first().waitFor({ timeout: 20_000 });
    await page.locator(".opblock-summary-path", { hasText: "/in/{source}" }).first().waitFor();
    expect(await page.locator(".opblock").count()).toBeGreaterThan(20);
    mkdirSync(`${root}test-artifacts`, { recursive: true });
    await page.screenshot({ path: `${root}test-artifacts/docs.png` });
    expect(elsewhere).toEqual([]);
    expect(problems).toEqual([]);
  } finally {
    await browser.close();
  }
});
