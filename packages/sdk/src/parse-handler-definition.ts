import { eventPatternProblem } from "./events-filter.ts";
import { type AnyHandlerDefinition, PROVIDERS } from "./types.ts";

export type ParsedHandlerDefinition =
  | { ok: true; handler: AnyHandlerDefinition }
  | { ok: false; problem: string };

const ID = /^[a-z0-9-]{1,64}$/;
const MAX_TIMEOUT_MS = 3_600_000;
const KNOWN_KEYS = ["id", "provider", "events", "config", "retry", "timeoutMs", "tenants", "handle"];
const RETRY_KEYS = ["maxAttempts", "baseDelayMs", "maxDelayMs"];

/** A short rendering of a bad value for a problem line. */
function got(value: unknown): string {
  if (typeof value === "string")
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === "number" || typeof value === "boolean" || value === undefined || value === null) {
    return String(value);
  }
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isInteger = (v: unknown, min: number, max: number) =>
  typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;

function isSchema(value: unknown): boolean {
  if (typeof value !== "object" && typeof value !== "function") return false;
  if (value === null) return false;
  const v = value as { safeParse?: unknown; "~standard"?: { validate?: unknown } };
  return typeof v.safeParse === "function" || typeof v["~standard"]?.validate === "function";
}

function eventsProblem(events: unknown): string | null {
  if (!Array.isArray(events)) return `events: must be an array of event-type patterns (got ${got(events)})`;
  for (const [i, pattern] of events.entries()) {
    if (typeof pattern !== "string" || pattern === "") {
      return `events[${i}]: must be a non-empty string (got ${got(pattern)})`;
    }
    const problem = eventPatternProblem(pattern);
    if (problem !== null) return `events[${i}]: ${problem}`;
  }
  return null;
}

function retryProblem(retry: unknown): string | null {
  if (!isObject(retry)) return `retry: must be an object (got ${got(retry)})`;
  const unknown = Object.keys(retry).find((k) => !RETRY_KEYS.includes(k));
  if (unknown !== undefined) return `retry.${unknown}: not a retry option (known: ${RETRY_KEYS.join(", ")})`;
  const { maxAttempts, baseDelayMs, maxDelayMs } = retry;
  if (maxAttempts !== undefined && !isInteger(maxAttempts, 1, 100)) {
    return `retry.maxAttempts: must be an integer from 1 to 100 (got ${got(maxAttempts)})`;
  }
  for (const [name, value] of [
    ["baseDelayMs", baseDelayMs],
    ["maxDelayMs", maxDelayMs],
  ] as const) {
    if (value !== undefined && !isInteger(value, 1, Number.MAX_SAFE_INTEGER)) {
      return `retry.${name}: must be a positive integer (got ${got(value)})`;
    }
  }
  if (typeof baseDelayMs === "number" && typeof maxDelayMs === "number" && baseDelayMs > maxDelayMs) {
    return `retry: baseDelayMs (${baseDelayMs}) is greater than maxDelayMs (${maxDelayMs})`;
  }
  return null;
}

function tenantsProblem(tenants: unknown): string | null {
  if (tenants === "*") return null;
  if (!Array.isArray(tenants)) return `tenants: must be "*" or an array of tenant ids (got ${got(tenants)})`;
  const i = tenants.findIndex((t) => typeof t !== "string" || t === "");
  return i === -1 ? null : `tenants[${i}]: must be a non-empty string (got ${got(tenants[i])})`;
}

function problemOf(value: unknown): string | null {
  if (!isObject(value)) return `the default export must be a handler definition object (got ${got(value)})`;
  const unknown = Object.keys(value).find((k) => !KNOWN_KEYS.includes(k));
  if (unknown !== undefined) return `${unknown}: not a handler option (known: ${KNOWN_KEYS.join(", ")})`;
  const { id, provider, events, config, retry, timeoutMs, tenants, handle } = value;
  if (typeof id !== "string" || !ID.test(id)) return `id: must match [a-z0-9-]{1,64} (got ${got(id)})`;
  if (provider !== undefined && !(PROVIDERS as readonly unknown[]).includes(provider)) {
    return `provider: must be one of ${PROVIDERS.join(", ")} (got ${got(provider)})`;
  }
  if (events !== undefined) {
    const problem = eventsProblem(events);
    if (problem !== null) return problem;
  }
  if (config !== undefined && !isSchema(config)) {
    return `config: must be a zod schema or a Standard Schema (got ${got(config)})`;
  }
  if (retry !== undefined) {
    const problem = retryProblem(retry);
    if (problem !== null) return problem;
  }
  if (timeoutMs !== undefined && !isInteger(timeoutMs, 1, MAX_TIMEOUT_MS)) {
    return `timeoutMs: must be an integer from 1 to ${MAX_TIMEOUT_MS} (got ${got(timeoutMs)})`;
  }
  if (tenants !== undefined) {
    const problem = tenantsProblem(tenants);
    if (problem !== null) return problem;
  }
  if (typeof handle !== "function") return `handle: must be a function (got ${got(handle)})`;
  return null;
}

/** The worker's check of a handler module's default export (made by defineHandler or a plain object). */
export function parseHandlerDefinition(value: unknown): ParsedHandlerDefinition {
  const problem = problemOf(value);
  return problem === null ? { ok: true, handler: value as AnyHandlerDefinition } : { ok: false, problem };
}
