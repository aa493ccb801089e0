import { readFileSync } from "node:fs";

/**
 * The node flags of a package's `start` script (the heap tuning), so `./hookbox start`,
 * process-level tests and the bench run the api and worker the way `pnpm start` does.
 */
export function startFlags(pkg: "api" | "worker"): string[] {
  const manifest = new URL(`../../../${pkg}/package.json`, import.meta.url);
  const { scripts } = JSON.parse(readFileSync(manifest, "utf8")) as { scripts: { start: string } };
  return scripts.start.split(/\s+/).filter((arg) => arg.startsWith("--"));
}
