import { createRequire } from "node:module";
import { type Asset, asset } from "../http/assets.ts";

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
