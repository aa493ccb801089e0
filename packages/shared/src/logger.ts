import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger };

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
  'headers["authorization"]',
  'headers["x-signature"]',
  'headers["x-webhook-token"]',
  'headers["stripe-signature"]',
  'headers["x-hub-signature-256"]',
  'headers["x-shopify-hmac-sha256"]',
  'headers["x-slack-signature"]',
  'headers["webhook-signature"]',
  "*.headers.authorization",
];

/** pino JSON to stdout (or `destination`, e.g. a test's capture stream), with redaction. */
export function createLogger(
  level: string,
  bindings: Record<string, unknown> = {},
  destination?: DestinationStream,
): Logger {
  const options = {
    level,
    base: { ...bindings },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
