import type { ForwardOptions } from "./forward.ts";
import { sendSlackMessage } from "./http-post.ts";
import type { Handler } from "./types.ts";

/** Posts a one-line summary of the event to a Slack incoming webhook (the alert sender too). */
export function createSlackHandler(options: ForwardOptions): Handler<"slack"> {
  return async ({ event, body, config, signal }) => {
    const text = `${config.prefix ?? "Webhook"}: *${event.type ?? "event"}* from \`${event.source}\` (${body.length} bytes, id ${event.id})`;
    await sendSlackMessage(
      config.url,
      { text },
      {
        timeoutMs: config.timeoutMs ?? options.defaultTimeoutMs,
        allowPrivateDestinations: options.allowPrivateDestinations,
        signal,
      },
    );
  };
}
