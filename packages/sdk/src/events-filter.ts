// `events` globs, shared by code handlers and a source's handler entries. `*` matches a run of
// characters within one dot-separated segment (`invoice.*` is `invoice.paid`, not
// `invoice.payment.x`), `**` matches across segments, a leading `!` excludes. No other syntax.
// payloads/select-events.ts is the same matcher for types; keep the two in step.

const MAX_PATTERN_LENGTH = 200;
const compiled = new Map<string, RegExp>();

/** Why `pattern` is not a valid events glob, or null when it is. */
export function eventPatternProblem(pattern: string): string | null {
  const glob = pattern.startsWith("!") ? pattern.slice(1) : pattern;
  if (glob === "") return `${JSON.stringify(pattern)} names no event type`;
  if (pattern.length > MAX_PATTERN_LENGTH) return `longer than ${MAX_PATTERN_LENGTH} characters`;
  if (/\s/.test(glob)) return `${JSON.stringify(pattern)} contains white space`;
  if (glob.includes("!")) return `${JSON.stringify(pattern)}: "!" is allowed only at the start`;
  if (glob.includes("***")) return `${JSON.stringify(pattern)}: use "*" or "**", not "***"`;
  return null;
}

function toRegExp(glob: string): RegExp {
  let re = compiled.get(glob);
  if (re === undefined) {
    const source = glob
      .split("**")
      .map((part) =>
        part
          .split("*")
          .map((literal) => literal.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
          .join("[^.]*"),
      )
      .join(".*");
    re = new RegExp(`^${source}$`, "s");
    if (compiled.size >= 1000) compiled.clear(); // patterns come from definitions and sources: few
    compiled.set(glob, re);
  }
  return re;
}

/**
 * Why `type` is excluded by `patterns`, or null when it passes. Empty or absent patterns let
 * everything through; otherwise a type passes when it matches a positive pattern (or there are
 * only `!` patterns) and no `!` pattern. An event without a type passes only when there is no
 * positive pattern.
 */
export function explainEventsFilter(
  patterns: readonly string[] | undefined,
  type: string | null,
): string | null {
  if (patterns === undefined || patterns.length === 0) return null;
  const positive = patterns.filter((p) => !p.startsWith("!"));
  if (type === null) {
    return positive.length === 0 ? null : `event has no type; the handler takes ${positive.join(", ")}`;
  }
  if (positive.length > 0 && !positive.some((p) => toRegExp(p).test(type))) {
    return `type ${JSON.stringify(type)} matches none of ${positive.join(", ")}`;
  }
  const exclusion = patterns.find((p) => p.startsWith("!") && toRegExp(p.slice(1)).test(type));
  return exclusion === undefined
    ? null
    : `type ${JSON.stringify(type)} excluded by ${JSON.stringify(exclusion)}`;
}

export function matchesEvents(patterns: readonly string[] | undefined, type: string | null): boolean {
  return explainEventsFilter(patterns, type) === null;
}
