import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Hono } from "hono";

/** A file Hookbox serves itself (the console's and /docs' scripts and styles): nothing from a CDN. */
export interface Asset {
  /** Content-addressed: the path changes when the bytes do, so it may be cached for a year. */
  path: string;
  /** Subresource Integrity value for the tag that loads it. */
  integrity: string;
  body: Buffer;
  type: string;
}

/** Reads `file` once; `name` gives the served path its stem and extension. */
export function asset(name: string, file: string, type: string): Asset {
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

/** One GET route per asset, at its content-addressed path under wherever the app is mounted. */
export function assetRoutes(assets: Iterable<Asset>) {
  const app = new Hono();
  for (const a of assets) {
    app.get(a.path, (c) => {
      c.header("content-type", `${a.type}; charset=utf-8`);
      c.header("cache-control", "public, max-age=31536000, immutable");
      return c.body(new Uint8Array(a.body));
    });
  }
  return app;
}
