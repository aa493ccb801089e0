import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Hono } from "hono";

export interface Asset {
  /** Content-addressed: the path changes when the bytes do, so it may be cached for a year. */
  path: string;
  /** Subresource Integrity value for the tag that loads it. */
  integrity: string;
  body: Buffer;
  type: string;
}

function asset(name: string, file: string, type: string): Asset {
  const body = readFileSync(file);
  const digest = createHash("sha384").update(body).digest();
  const ext = name.slice(name.lastIndexOf("."));
  const stem = name.slice(0, name.lastIndexOf("."));
  return {
    path: `/assets/${stem}.${digest.toString("hex").slice(0, 16)}${ext}`,
    integrity: `sha384-${digest.toString("base64")}`,
    body,
    type,
  };
}

export interface ConsoleAssets {
  htmx: Asset;
  css: Asset;
  js: Asset;
}

/** Read once when the app is built: htmx from its npm package, the rest from this folder. */
export function loadAssets(): ConsoleAssets {
  const require = createRequire(import.meta.url);
  return {
    htmx: asset("htmx.js", require.resolve("htmx.org/dist/htmx.min.js"), "text/javascript"),
    css: asset("console.css", new URL("./console.css", import.meta.url).pathname, "text/css"),
    js: asset("console.js", new URL("./console.js", import.meta.url).pathname, "text/javascript"),
  };
}

export function assetRoutes(assets: ConsoleAssets) {
  const app = new Hono();
  for (const a of Object.values(assets)) {
    app.get(a.path, (c) => {
      c.header("content-type", `${a.type}; charset=utf-8`);
      c.header("cache-control", "public, max-age=31536000, immutable");
      return c.body(new Uint8Array(a.body));
    });
  }
  return app;
}
