import type { Provider } from "../types.ts";
import type { GitHubPayload } from "./github.ts";
import type { ShopifyPayload, SlackPayload, StandardWebhookPayload } from "./hand-typed.ts";
import type { StripePayload } from "./stripe.ts";

export type { GitHubEventName, GitHubPayload, GitHubWebhookPayload } from "./github.ts";
export type { ShopifyPayload, SlackPayload, StandardWebhookPayload } from "./hand-typed.ts";
export type { GlobMatches, SelectEventTypes } from "./select-events.ts";
export type { StripePayload } from "./stripe.ts";

/** `payload`'s type for a provider and an `events` list; `unknown` without a provider. */
export type PayloadOf<P extends Provider | undefined, Events extends readonly string[] | undefined> = [
  P,
] extends ["stripe"]
  ? StripePayload<Events>
  : [P] extends ["github"]
    ? GitHubPayload<Events>
    : [P] extends ["shopify"]
      ? ShopifyPayload
      : [P] extends ["slack"]
        ? SlackPayload
        : [P] extends ["standard-webhooks"]
          ? StandardWebhookPayload
          : unknown;
