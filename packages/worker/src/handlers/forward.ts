import http from "node:http";
import https from "node:https";
import { assertPublicLiteral, publicOnlyLookup } from "./destination.ts";
import type { Handler } from "./types.ts";
import { PermanentError } from "./types.ts";

export interface ForwardOptions {
  allowPrivateDestinations: boolean;
  defaultTimeoutMs: number;
}

/**
 * POSTs the exact raw bytes with the original content type and `X-Hookbox-Event-Id`.
 * A non-2xx answer, a timeout or a network error is a failed attempt (retried).
 */
export function createForwardHandler(options: ForwardOptions): Handler<"forward"> {
  return async ({ event, body, config, signal }) => {
    const url = new URL(config.url);
    if (!options.allowPrivateDestinations) assertPublicLiteral(url.hostname);
    const timeoutMs = config.timeoutMs ?? options.defaultTimeoutMs;
    const status = await postRaw(
      url,
      body,
      {
        ...config.headers,
        "content-type": event.contentType ?? "application/octet-stream",
        "content-length": String(body.length),
        "x-hookbox-event-id": event.id,
        "user-agent": "hookbox",
      },
      {
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        lookup: options.allowPrivateDestinations ? undefined : publicOnlyLookup,
      },
    );
    if (status < 200 || status > 299) throw new Error(`forward to ${url.origin} answered ${status}`);
  };
}

function postRaw(
  url: URL,
  body: Buffer,
  headers: Record<string, string>,
  options: { signal: AbortSignal; lookup: typeof publicOnlyLookup | undefined },
): Promise<number> {
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: "POST",
        headers,
        signal: options.signal,
        ...(options.lookup ? { lookup: options.lookup } : {}),
      },
      (response) => {
        response.resume(); // the answer's body is not needed; drain it so the socket is freed
        response.on("end", () => resolve(response.statusCode ?? 0));
        response.on("error", reject);
      },
    );
    request.on("error", (error) => {
      if (error instanceof PermanentError) reject(error);
      else if (options.signal.aborted) reject(new Error(`forward to ${url.origin} timed out`));
      else reject(new Error(`forward to ${url.origin} failed: ${error.message}`));
    });
    request.end(body);
  });
}
