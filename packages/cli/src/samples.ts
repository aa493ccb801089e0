import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { usageError } from "./errors.ts";

const SAMPLES_DIR = new URL("../samples/", import.meta.url).pathname;

/** Which sample folder a scheme's senders match; the house formats share `hookbox`. */
export function sampleProvider(scheme: string): string {
  return ["stripe", "github", "shopify", "slack", "standard-webhooks"].includes(scheme) ? scheme : "hookbox";
}

/** The event types with a shipped sample, per provider folder (`orders/create` for Shopify's topics). */
export function listSamples(dir = SAMPLES_DIR): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const walk = (provider: string, path: string) => {
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(provider, full);
      else if (name.endsWith(".json")) {
        out[provider] ??= [];
        out[provider].push(relative(join(dir, provider), full).slice(0, -".json".length));
      }
    }
  };
  for (const provider of readdirSync(dir).sort()) walk(provider, join(dir, provider));
  return out;
}

type Json = Record<string, unknown>;
const rand = (n: number) => randomBytes(n).toString("hex");

/** A minimal payload of the provider's shape when no sample ships for the type. */
function fallback(provider: string, type: string): Json {
  switch (provider) {
    case "stripe":
      return { id: "", object: "event", type, created: 0, livemode: false, data: { object: {} } };
    case "slack":
      return { type: "event_callback", event_id: "", event_time: 0, event: { type } };
    case "github":
    case "shopify":
      return {};
    default:
      return { type, data: {} };
  }
}

/**
 * The payload a trigger sends: the shipped sample of (provider, type) (or a minimal one), with the
 * fields a provider makes unique per delivery renewed, so each trigger is a new event, and the type
 * set where the provider's payload carries it.
 */
export function samplePayload(
  provider: string,
  type: string,
  dir = SAMPLES_DIR,
): { payload: Json; shipped: boolean } {
  const file = join(dir, provider, `${type}.json`);
  const shipped = !type.includes("..") && existsSync(file);
  const payload = shipped ? (JSON.parse(readFileSync(file, "utf8")) as Json) : fallback(provider, type);
  const now = Math.floor(Date.now() / 1000);
  switch (provider) {
    case "stripe":
      Object.assign(payload, { id: `evt_${rand(12)}`, created: now, type });
      break;
    case "slack":
      Object.assign(payload, { event_id: `Ev${rand(6).toUpperCase()}`, event_time: now });
      payload.event = { ...(payload.event as Json), type };
      break;
    case "standard-webhooks":
      Object.assign(payload, { type, timestamp: new Date().toISOString() });
      break;
    case "hookbox":
      Object.assign(payload, { id: `${String(payload.id ?? "evt").split("_")[0]}_${rand(6)}`, type });
      break;
  }
  return { payload, shipped };
}

/** `--data '{"a":1}'` or `--data @file.json`: replaces the sample (parsed, so --set still applies). */
export function readData(value: string): Json {
  const text = value.startsWith("@") ? readFileSync(value.slice(1), "utf8") : value;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Json;
  } catch {}
  throw usageError(`--data ${value}: a JSON object (or @file.json holding one)`);
}

/** `--set data.object.amount=4200`: the value as JSON when it parses (numbers, true, null, {…}), else a string. */
export function setPath(payload: Json, assignment: string): void {
  const eq = assignment.indexOf("=");
  if (eq <= 0) throw usageError(`--set ${assignment}: use path=value (e.g. data.object.amount=4200)`);
  const path = assignment.slice(0, eq).split(".");
  const raw = assignment.slice(eq + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {}
  let node: Record<string, unknown> = payload;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== "object") node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1) as string] = value;
}
