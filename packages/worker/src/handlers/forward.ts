import { postBytes } from "./http-post.ts";
import type { Handler } from "./types.ts";

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
    const status = await postBytes(
      url,
      body,
      {
        ...config.headers,
        "content-type": event.contentType ?? "application/octet-stream",
        "x-hookbox-event-id": event.id,
        "user-agent": "hookbox",
      },
      {
        timeoutMs: config.timeoutMs ?? options.defaultTimeoutMs,
        allowPrivateDestinations: options.allowPrivateDestinations,
        signal,
      },
    );
    if (status < 200 || status > 299) throw new Error(`forward to ${url.origin} answered ${status}`);
  };
}
