import { SENSITIVE_HEADERS } from "@hookbox/shared";
import type { RequestHeaders } from "./types.ts";

const SENSITIVE = new Set(SENSITIVE_HEADERS);

/** The request headers as a plain object, without sensitive ones. */
export function redactHeaders(headers: RequestHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (!SENSITIVE.has(name)) out[name] = value;
  });
  return out;
}
