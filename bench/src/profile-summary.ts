// Self time of a .cpuprofile (node --cpu-prof) by function and by owner: node bench/src/profile-summary.ts
// <file.cpuprofile> [top N]. Owners: ours (packages/), hono, postgres, bullmq, ioredis, node:http and
// the other node internals, GC, idle, other.
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error("usage: profile-summary.ts <file.cpuprofile> [top]");
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => {
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});

function ownerOf(url: string, name: string): string {
  if (name === "(garbage collector)") return "gc";
  if (name === "(idle)") return "idle";
  if (name === "(program)") return "program";
  if (url.startsWith("node:http") || url.startsWith("node:_http")) return "node:http";
  if (url.startsWith("node:net") || url.startsWith("node:stream") || url.startsWith("node:internal/stream"))
    return "node:net/stream";
  if (url.startsWith("node:")) return "node:other";
  if (url.includes("/postgres/")) return "postgres";
  if (url.includes("/bullmq/")) return "bullmq";
  if (url.includes("/ioredis/")) return "ioredis";
  if (url.includes("/@hono/node-server/")) return "@hono/node-server";
  if (url.includes("/hono/") || url.includes("/@hono/")) return "hono";
  if (url.includes("/pino")) return "pino";
  if (url.includes("/prom-client/")) return "prom-client";
  if (url.includes("/zod/")) return "zod";
  if (url.includes("/packages/")) return `ours:${url.replace(/.*\/packages\//, "").split("/")[0]}`;
  if (url === "") return "native/builtin";
  return "other";
}

const total = [...self.values()].reduce((a, b) => a + b, 0);
const idle = [...self.entries()]
  .filter(([id]) => byId.get(id)?.callFrame.functionName === "(idle)")
  .reduce((a, [, t]) => a + t, 0);
const busy = total - idle;
const owners = new Map<string, number>();
const fns = new Map<string, number>();
for (const [id, t] of self) {
  const node = byId.get(id);
  if (!node) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const owner = ownerOf(url, functionName);
  owners.set(owner, (owners.get(owner) ?? 0) + t);
  const key = `${functionName || "(anonymous)"} ${url.replace(/.*node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, "").replace(/.*\/packages\//, "")}:${lineNumber + 1}`;
  fns.set(key, (fns.get(key) ?? 0) + t);
}
const pct = (t: number) => `${((100 * t) / busy).toFixed(1)}%`;
console.log(
  `busy ${(busy / 1e6).toFixed(1)} s of ${(total / 1e6).toFixed(1)} s sampled (idle excluded below)`,
);
console.log("\nby owner (self time, % of busy):");
for (const [owner, t] of [...owners].sort((a, b) => b[1] - a[1]))
  if (owner !== "idle") console.log(`  ${pct(t).padStart(6)}  ${owner}`);
console.log("\ntop functions (self time, % of busy):");
for (const [key, t] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 40)))
  if (!key.startsWith("(idle)")) console.log(`  ${pct(t).padStart(6)}  ${key}`);
