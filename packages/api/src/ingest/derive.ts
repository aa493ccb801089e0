import { createHash } from "node:crypto";
import type { ValueRule } from "@hookbox/shared";
import type { RequestHeaders } from "./types.ts";

/** JSON deeper than this is not parsed (it is still stored): parsers and serializers recurse. */
const MAX_JSON_DEPTH = 64;
/** Keys longer than this are stored as their hash so the unique index stays usable. */
const MAX_KEY_LENGTH = 200;
const MAX_TYPE_LENGTH = 200;

/** Parses the body as JSON at most once, and only if a rule needs it. Never throws. */
export function lazyJson(body: Buffer): () => unknown {
  let parsed: { value: unknown } | undefined;
  return () => {
    parsed ??= { value: parseGuarded(body) };
    return parsed.value;
  };
}

function parseGuarded(body: Buffer): unknown {
  const first = body[0];
  // Only objects and arrays can hold a path; skip anything else without decoding it.
  if (
    first !== 0x7b &&
    first !== 0x5b &&
    first !== 0x20 &&
    first !== 0x0a &&
    first !== 0x0d &&
    first !== 0x09
  ) {
    return undefined;
  }
  if (jsonDepthExceeds(body, MAX_JSON_DEPTH)) return undefined;
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Scans brackets outside strings; true as soon as nesting passes `max`. A body with no more than
 * `max` opening brackets in all cannot nest deeper: counting them (natively, `indexOf`) spares the
 * byte-by-byte scan for nearly every real payload.
 */
export function jsonDepthExceeds(body: Uint8Array, max: number): boolean {
  if (countByte(body, 0x7b, max) + countByte(body, 0x5b, max) <= max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === 0x5c) i++;
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x7b || byte === 0x5b) {
      if (++depth > max) return true;
    } else if (byte === 0x7d || byte === 0x5d) depth--;
  }
  return false;
}

/** Occurrences of `byte` in `body`, counted up to `limit + 1`. */
function countByte(body: Uint8Array, byte: number, limit: number): number {
  let n = 0;
  for (let i = body.indexOf(byte); i !== -1 && n <= limit; i = body.indexOf(byte, i + 1)) n++;
  return n;
}

/** `$.a.b[0].c` → ["a", "b", 0, "c"]; null for anything else. */
export function parseJsonPath(path: string): (string | number)[] | null {
  if (!path.startsWith("$")) return null;
  const segments: (string | number)[] = [];
  const re = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/gy;
  re.lastIndex = 1;
  while (re.lastIndex < path.length) {
    const m = re.exec(path);
    if (!m) return null;
    if (m[1] !== undefined) segments.push(m[1]);
    else if (m[2] !== undefined) segments.push(Number(m[2]));
    else segments.push(m[3] ?? m[4] ?? "");
  }
  return segments;
}

/**
 * Parsed paths by their text: the rules come from the schemes and the sources' settings, so the
 * same few are parsed on every delivery. Bounded in case sources are many.
 */
const parsedPaths = new Map<string, (string | number)[] | null>();
const MAX_PARSED_PATHS = 1_000;

function readPath(value: unknown, path: string): unknown {
  let segments = parsedPaths.get(path);
  if (segments === undefined) {
    segments = parseJsonPath(path);
    if (parsedPaths.size >= MAX_PARSED_PATHS) parsedPaths.clear();
    parsedPaths.set(path, segments);
  }
  if (!segments) return undefined;
  let current = value;
  for (const segment of segments) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/** The first value the rules find, as a string, or null. */
export function deriveValue(
  rules: readonly ValueRule[],
  headers: RequestHeaders,
  json: () => unknown,
): string | null {
  for (const rule of rules) {
    const raw = "header" in rule ? headers.get(rule.header) : readPath(json(), rule.jsonPath);
    if (typeof raw === "string" && raw.length > 0) return raw;
    if (typeof raw === "number" && Number.isFinite(raw)) return String(raw);
  }
  return null;
}

/**
 * Makes a derived key safe for a text column and a btree index: Postgres text refuses NUL,
 * and an index entry has a size limit. Such keys are replaced by their sha256 (still unique).
 */
export function normalizeKey(key: string | null): string | null {
  if (key === null) return null;
  if (key.length <= MAX_KEY_LENGTH && !key.includes("\u0000")) return key;
  return `sha256:${createHash("sha256").update(key).digest("hex")}`;
}

export function normalizeType(type: string | null): string | null {
  if (type === null) return null;
  const clean = type.replaceAll("\u0000", "").slice(0, MAX_TYPE_LENGTH);
  return clean.length > 0 ? clean : null;
}
