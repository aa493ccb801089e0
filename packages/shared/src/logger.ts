import { createRequire } from "node:module";
import { type DestinationStream, type Logger, pino } from "pino";
import { sanitizeErrorFields, serializeLogError, stripQueryParams } from "./sanitize-error.ts";
import { SCHEME_CREDENTIAL_HEADERS } from "./schemes.ts";
import { mergeTraceFields, traceLogFields } from "./tracing/spans.ts";

export { type SerializedError, sanitizeError } from "./sanitize-error.ts";
export type { Logger };

/**
 * Headers that carry credentials or signatures: never stored on an event, logged or returned.
 * The one list both ingest (what it stores) and the logger (what it redacts) use: the generic
 * credential headers and every header a scheme declares in `SCHEME_SPECS`.
 */
export const SENSITIVE_HEADERS: readonly string[] = [
  ...new Set([
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    ...SCHEME_CREDENTIAL_HEADERS,
  ]),
];

/**
 * Paths that may carry a secret, a signature or a key. pino replaces them before a line is
 * written, so even a careless `logger.info({ headers })` cannot leak one.
 */
export const REDACT_PATHS = [
  "secret",
  "secrets",
  "*.secret",
  "*.secrets",
  "key",
  "*.key",
  "apiKey",
  "*.apiKey",
  "adminApiKey",
  "*.adminApiKey",
  "authorization",
  "*.authorization",
  ...SENSITIVE_HEADERS.map((h) => `headers["${h}"]`),
  ...SENSITIVE_HEADERS.map((h) => `*.headers["${h}"]`),
];

/**
 * pino JSON to stdout (or `destination`, e.g. a test's capture stream), with redaction. Errors
 * (under `err`, `error` or any other top-level key, and the message pino takes from them) are
 * written without the parameters of a failed query: see sanitize-error.ts. A line written inside a
 * span (tracing on) carries its `traceId` and `spanId`.
 */
export function createLogger(
  level: string,
  bindings: Record<string, unknown> = {},
  destination?: DestinationStream,
): Logger {
  const options = {
    level,
    base: { ...bindings },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    serializers: { err: serializeLogError, error: serializeLogError, msg: stripMessage },
    formatters: { log: sanitizeErrorFields },
    mixin: traceLogFields,
    mixinMergeStrategy: mergeTraceFields,
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Where a process's lines go: `undefined` (pino's JSON on stdout) unless this is development on a
 * terminal, where pino-pretty turns each line into a readable, coloured one. Never in production
 * or tests, never into a pipe or a file (a log collector gets JSON). The lines are formatted
 * after createLogger's redaction and serializers, synchronously, so none is lost at exit.
 */
export function logDestination(
  nodeEnv: string,
  out: Pick<NodeJS.WriteStream, "isTTY" | "write"> = process.stdout,
): DestinationStream | undefined {
  if (nodeEnv !== "development" || !out.isTTY) return undefined;
  const prettyFactory = loadPrettyFactory();
  if (!prettyFactory) return undefined;
  const pretty = prettyFactory({ colorize: true, translateTime: "SYS:HH:MM:ss.l" });
  return { write: (line: string) => void out.write(pretty(line)) };
}

/** pino-pretty is a dev dependency: an install without it (the image) logs JSON. */
function loadPrettyFactory(): typeof import("pino-pretty").prettyFactory | undefined {
  try {
    return (createRequire(import.meta.url)("pino-pretty") as typeof import("pino-pretty")).prettyFactory;
  } catch {
    return undefined;
  }
}

/** `logger.error({ err })` without a message logs `err.message` as `msg`. */
function stripMessage(msg: unknown): unknown {
  return typeof msg === "string" ? stripQueryParams(msg) : msg;
}
