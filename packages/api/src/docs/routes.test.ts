import { createHash } from "node:crypto";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { DOCS_PATH, docsRoutes } from "./routes.ts";

const app = new Hono().route(DOCS_PATH, docsRoutes());
const page = await app.request(DOCS_PATH);
const text = await page.text();
const linked = [...text.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1] as string);

describe("GET /docs (Swagger UI served by Hookbox, no CDN)", () => {
  it("is an HTML page whose every script and stylesheet is a path on this server", () => {
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(linked.filter((url) => url !== "data:,")).toHaveLength(3);
    for (const url of linked) expect(url, url).toMatch(/^(\/docs\/assets\/[\w.-]+|data:,)$/);
    expect(text).not.toMatch(/https?:|\/\/[a-z]/i);
  });

  it("forbids loading or calling anything outside this origin (CSP)", () => {
    const csp = page.headers.get("content-security-policy") ?? "";
    for (const directive of ["default-src 'self'", "script-src 'self'", "connect-src 'self'"])
      expect(csp).toContain(directive);
  });

  it.each([
    ["swagger-ui-bundle", "text/javascript"],
    ["swagger-ui", "text/css"],
    ["docs", "text/javascript"],
  ])("serves %s with its content type, its integrity and a long cache", async (name, type) => {
    const url = linked.find((u) => new RegExp(`/${name}\\.[0-9a-f]{16}\\.`).test(u)) as string;
    expect(url, `${name} is linked from the page`).toBeDefined();
    const res = await app.request(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(`${type}; charset=utf-8`);
    expect(res.headers.get("cache-control")).toContain("immutable");
    const body = Buffer.from(await res.arrayBuffer());
    const integrity = `sha384-${createHash("sha384").update(body).digest("base64")}`;
    expect(text).toContain(`integrity="${integrity}"`);
    expect(body.length).toBeGreaterThan(name === "docs" ? 50 : 10_000);
  });

  it("starts Swagger UI on /openapi.json without its public validator", async () => {
    const init = await (await app.request(linked.find((u) => u.includes("/docs.")) as string)).text();
    expect(init).toContain('url: "/openapi.json"');
    expect(init).toContain("validatorUrl: null");
  });
});
