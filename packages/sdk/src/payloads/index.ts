import type Stripe from "stripe";
import type { Provider } from "../types.ts";
import type { GitHubEventName, GitHubPayload } from "./github.ts";
import type { ShopifyPayload, SlackPayload, StandardWebhookPayload } from "./hand-typed.ts";
import type { GlobMatches } from "./select-events.ts";
import type { StripePayload } from "./stripe.ts";

/** Stripe's types (`Stripe.Invoice`, …) without a dependency on `stripe` in the handler directory. */
export type { default as Stripe } from "stripe";
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

type KnownEventTypes<P> = [P] extends ["stripe"]
  ? Stripe.Event["type"]
  : [P] extends ["github"]
    ? GitHubEventName
    : never;

type Unmatched<All extends string, Events extends readonly string[]> = {
  [K in keyof Events]: Events[K] extends `!${string}`
    ? never
    : true extends (All extends All ? GlobMatches<All, Events[K] & string> : never)
      ? never
      : Events[K];
}[number];

/**
 * A positive `events` pattern that matches no event type the provider's types know would make
 * `payload` `never`: make it a compile error that names the pattern instead. (For an event type
 * newer than the installed types, widen the list: `events: [...] as string[]`.)
 */
export type EventsCheck<P, Events> = [KnownEventTypes<P>] extends [never]
  ? unknown
  : Events extends readonly string[]
    ? string extends Events[number]
      ? unknown
      : [Unmatched<KnownEventTypes<P>, Events>] extends [never]
        ? unknown
        : { "events: no known event type matches": Unmatched<KnownEventTypes<P>, Events> }
    : unknown;
