import type Stripe from "stripe";
import type { SelectEventTypes } from "./select-events.ts";

/** Stripe's own `Stripe.Event` union (from the `stripe` package), narrowed by `events`. */
export type StripePayload<Events extends readonly string[] | undefined> = Extract<
  Stripe.Event,
  { type: SelectEventTypes<Stripe.Event["type"], Events> }
>;
