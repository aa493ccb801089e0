// Type tests: `pnpm typecheck` (tsc over src/**) fails when one of these assertions breaks.
// vitest does not run this file; expectTypeOf is checked by the compiler alone.
import type Stripe from "stripe";
import { expectTypeOf } from "vitest";
import { z } from "zod";
import { defineHandler } from "./define-handler.ts";
import type {
  GitHubEventName,
  GitHubWebhookPayload,
  GlobMatches,
  SelectEventTypes,
} from "./payloads/index.ts";
import type { Jsonified } from "./step.ts";
import { runHandler } from "./testing/run-handler.ts";
import type { AnyHandlerDefinition, HandlerDefinition } from "./types.ts";

// The glob matcher, at the type level, agrees with events-filter.test.ts.
expectTypeOf<GlobMatches<"invoice.paid", "invoice.*">>().toEqualTypeOf<true>();
expectTypeOf<GlobMatches<"invoice.payment.failed", "invoice.*">>().toEqualTypeOf<false>();
expectTypeOf<GlobMatches<"invoice.payment.failed", "invoice.**">>().toEqualTypeOf<true>();
expectTypeOf<GlobMatches<"invoice.paid", "*.paid">>().toEqualTypeOf<true>();
expectTypeOf<GlobMatches<"invoice.paid", "*">>().toEqualTypeOf<false>();
expectTypeOf<GlobMatches<"push", "*">>().toEqualTypeOf<true>();
expectTypeOf<GlobMatches<"invoice.paidx", "invoice.paid">>().toEqualTypeOf<false>();
expectTypeOf<SelectEventTypes<"a.x" | "a.y" | "b.x", ["a.*", "!a.y"]>>().toEqualTypeOf<"a.x">();
expectTypeOf<SelectEventTypes<"a.x" | "a.y" | "b.x", ["!a.y"]>>().toEqualTypeOf<"a.x" | "b.x">();
expectTypeOf<SelectEventTypes<"a.x" | "b.x", []>>().toEqualTypeOf<"a.x" | "b.x">();
expectTypeOf<SelectEventTypes<"a.x" | "b.x", undefined>>().toEqualTypeOf<"a.x" | "b.x">();
expectTypeOf<SelectEventTypes<"a.x" | "b.x", string[]>>().toEqualTypeOf<"a.x" | "b.x">();

// Stripe: `events` narrows Stripe.Event by `type`, without `as const`.
defineHandler({
  id: "invoices",
  provider: "stripe",
  events: ["invoice.*", "!invoice.upcoming"],
  handle({ payload }) {
    expectTypeOf(payload.type).toEqualTypeOf<
      Exclude<
        Extract<Stripe.Event["type"], `invoice.${string}`>,
        `invoice.${string}.${string}` | "invoice.upcoming"
      >
    >();
    expectTypeOf(payload.data.object).toEqualTypeOf<Stripe.Invoice>();
  },
});

defineHandler({
  id: "paid",
  provider: "stripe",
  events: ["invoice.paid", "invoice.payment_succeeded"],
  handle({ payload }) {
    expectTypeOf(payload).toEqualTypeOf<Stripe.InvoicePaidEvent | Stripe.InvoicePaymentSucceededEvent>();
  },
});

defineHandler({
  id: "two-segments",
  provider: "stripe",
  events: ["customer.subscription.*"],
  handle({ payload }) {
    expectTypeOf(payload.type).toExtend<`customer.subscription.${string}`>();
    expectTypeOf(payload.data.object).toEqualTypeOf<Stripe.Subscription>();
  },
});

defineHandler({
  id: "all-stripe",
  provider: "stripe",
  handle({ payload }) {
    expectTypeOf(payload).toEqualTypeOf<Stripe.Event>();
  },
});

// GitHub: the event name (X-GitHub-Event) selects the octokit payload type; `action` narrows further.
expectTypeOf<"pull_request" | "push" | "issue_comment" | "workflow_run">().toExtend<GitHubEventName>();
defineHandler({
  id: "prs",
  provider: "github",
  events: ["pull_request"],
  handle({ payload }) {
    expectTypeOf(payload).toEqualTypeOf<GitHubWebhookPayload<"pull_request">>();
    if (payload.action === "closed") {
      expectTypeOf(payload.pull_request.merged).toEqualTypeOf<boolean>();
    }
    // @ts-expect-error a pull_request payload has no `ref` (that is push)
    payload.ref;
  },
});

defineHandler({
  id: "pushes",
  provider: "github",
  events: ["push", "!pull_request"],
  handle({ payload }) {
    expectTypeOf(payload.ref).toEqualTypeOf<string>();
    expectTypeOf(payload.commits).toBeArray();
  },
});

// Without a provider the payload is unknown (it may be undefined: the body need not be JSON).
defineHandler({
  id: "untyped",
  events: ["invoice.*"],
  handle({ payload }) {
    expectTypeOf(payload).toBeUnknown();
  },
});

// config: the schema's output type; without a schema, an empty object.
defineHandler({
  id: "configured",
  config: z.object({ warehouse: z.string(), retries: z.number().default(3) }),
  handle({ config }) {
    expectTypeOf(config).toEqualTypeOf<{ warehouse: string; retries: number }>();
  },
});
defineHandler({
  id: "unconfigured",
  handle({ config }) {
    expectTypeOf(config).toEqualTypeOf<Record<string, never>>();
  },
});

// The rest of the context.
defineHandler({
  id: "context",
  async handle({ event, body, headers, step, signal, log }) {
    expectTypeOf(event.type).toEqualTypeOf<string | null>();
    expectTypeOf(event.receivedAt).toEqualTypeOf<Date>();
    expectTypeOf(body).toEqualTypeOf<Buffer>();
    expectTypeOf(headers).toEqualTypeOf<Record<string, string>>();
    expectTypeOf(signal).toEqualTypeOf<AbortSignal>();
    expectTypeOf(await step("order", () => ({ id: "ord_1", at: new Date() }))).toEqualTypeOf<{
      id: string;
      at: string;
    }>();
    expectTypeOf(await step("nothing", () => {})).toEqualTypeOf<null>();
    log.info("plain");
    log.info({ orderId: 1 }, "with fields");
    // @ts-expect-error log lines are (obj, msg?) or (msg)
    log.info(42);
  },
});

// Step results are what JSON holds.
expectTypeOf<
  Jsonified<{ a?: number; b: undefined; c: () => void; d: Date; e: [1, undefined] }>
>().toEqualTypeOf<{
  a?: number;
  d: string;
  e: [1, null];
}>();
expectTypeOf<Jsonified<undefined>>().toEqualTypeOf<null>();

// Every typed definition is an AnyHandlerDefinition: the worker and runHandler take it.
const typed = defineHandler({
  id: "typed",
  provider: "stripe",
  events: ["invoice.paid"],
  config: z.object({ warehouse: z.string() }),
  handle() {},
});
expectTypeOf(typed).toExtend<AnyHandlerDefinition>();
expectTypeOf<HandlerDefinition<"github", ["push"]>>().toExtend<AnyHandlerDefinition>();
void runHandler(typed, {} as Parameters<typeof runHandler>[1]);

// Mistakes the compiler catches.
defineHandler({
  id: "mistakes",
  // @ts-expect-error not a provider
  provider: "paypal",
  handle() {},
});
defineHandler({
  id: "wrong-object",
  provider: "stripe",
  events: ["invoice.paid"],
  handle({ payload }) {
    // @ts-expect-error an invoice event carries an Invoice, not a Charge
    expectTypeOf(payload.data.object).toEqualTypeOf<Stripe.Charge>();
  },
});
// @ts-expect-error "invoice.piad" matches no Stripe event type (the payload would be never)
defineHandler({
  id: "typo",
  provider: "stripe",
  events: ["invoice.piad", "invoice.paid"],
  handle() {},
});
// @ts-expect-error the GitHub event is pull_request
defineHandler({
  id: "typo-github",
  provider: "github",
  events: ["pull_requests"],
  handle() {},
});
// A list TypeScript cannot read is no error: the payload is the whole union.
defineHandler({
  id: "widened",
  provider: "stripe",
  events: ["invoice.brand_new_event"] as string[],
  handle({ payload }) {
    expectTypeOf(payload).toEqualTypeOf<Stripe.Event>();
  },
});
