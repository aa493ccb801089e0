import type { ForwardOptions } from "./forward.ts";
import { escapeSlackText, sendSlackMessage } from "./http-post.ts";
import type { Handler } from "./types.ts";

/**
 * Posts a one-line summary of the event to a Slack incoming webhook (the alert sender too). The
 * event type is the sender's and the source name is not the channel owner's to vouch for: both
 * are escaped. The prefix is the tenant's own configuration and may use Slack's markup.
 */
export function createSlackHandler(options: ForwardOptions): Handler<"slack"> {
  return async ({ event, body, config, signal }) => {
    const type = escapeSlackText(event.type ?? "event");
    const text = `${config.prefix ?? "Webhook"}: *${type}* from \`${escapeSlackText(event.source)}\` (${body.length} bytes, id ${event.id})`;
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
