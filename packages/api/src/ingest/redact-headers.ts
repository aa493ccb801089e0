import type { RequestHeaders } from "./read-body.ts";

/** Headers that carry credentials or signatures: never stored, logged or returned. */
const SENSITIVE = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "x-signature",
  "x-webhook-token",
  "stripe-signature",
  "x-hub-signature",
  "x-hub-signature-256",
  "x-shopify-hmac-sha256",
  "x-slack-signature",
  "webhook-signature",
  "svix-signature",
  "x-api-key",
]);

export function isSensitiveHeader(name: string): boolean {
  return SENSITIVE.has(name.toLowerCase());
}

/** The request headers as a plain object, without sensitive ones. */
export function redactHeaders(headers: RequestHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (!SENSITIVE.has(name)) out[name] = value;
  });
  return out;
}
