import { signDelivery } from "@hookbox/shared";
import { postBytes } from "./http-post.ts";
import type { Handler, HandlerEvent } from "./types.ts";

export interface ForwardOptions {
  allowPrivateDestinations: boolean;
  defaultTimeoutMs: number;
}

/**
 * POSTs the exact raw bytes with the original content type and `X-Hookbox-Event-Id`, signed the
 * Standard Webhooks way so the destination can tell Hookbox from a forger (see `signForward`).
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
        ...signForward(event, body),
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

/**
 * `webhook-id` (the event id: the same on every attempt and replay, so a receiver can dedupe),
 * `webhook-timestamp` (now, so the receiver's tolerance bounds replays of a captured request) and
 * `webhook-signature` with one `v1,` signature per valid forward secret of the source (during a
 * rotation, old and new both verify). Set after the configured headers: a config cannot forge them.
 */
export function signForward(event: HandlerEvent, body: Buffer): Record<string, string> {
  const timestamp = Math.floor(Date.now() / 1000);
  const signatures = event.signingSecrets.map(
    (secret) =>
      signDelivery("standard-webhooks", { body, secret, id: event.id, timestamp })["webhook-signature"],
  );
  if (signatures.length === 0) return {};
  return {
    "webhook-id": event.id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signatures.join(" "),
  };
}
