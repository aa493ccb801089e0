import type { PayloadOf } from "./payloads/index.ts";
import type { Step } from "./step.ts";

/** Senders whose payloads the SDK types; the value only types `payload`, it changes nothing at run time. */
export const PROVIDERS = ["stripe", "github", "shopify", "slack", "standard-webhooks", "generic"] as const;
export type Provider = (typeof PROVIDERS)[number];

/** What a step result is stored as (and what `step()` gives back). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Overrides of the worker's retry policy for one handler (omitted fields keep the worker's defaults). */
export interface RetryOptions {
  /** Attempts of this handler in one run, the first included (1..100). */
  maxAttempts?: number;
  /** Delay before the second attempt; it doubles each attempt (full jitter). */
  baseDelayMs?: number;
  /** Upper bound of the delay. */
  maxDelayMs?: number;
}

/** The stored event a handler runs for. */
export interface HandlerEvent {
  id: string;
  /** Source slug. */
  source: string;
  type: string | null;
  idempotencyKey: string | null;
  receivedAt: Date;
  /** 0 for the original delivery, n after n replays. */
  run: number;
  /** This handler's attempt in this run, from 1. */
  attempt: number;
}

type LogFn = {
  (obj: object, msg?: string): void;
  (msg: string): void;
};

/** The subset of pino's logger a handler gets (its lines carry the event id and handler key). */
export interface HandlerLogger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

export interface HandlerContext<P = unknown, C = unknown> {
  event: HandlerEvent;
  /** The parsed JSON body; `undefined` at run time when the body is not JSON. */
  payload: P;
  /** The exact raw bytes received. */
  body: Buffer;
  /** Request headers, lower-case names, signature and auth headers removed. */
  headers: Record<string, string>;
  /** The source's config for this handler, parsed with the handler's `config` schema. */
  config: C;
  step: Step;
  /** Aborted when the attempt times out or the worker shuts down. */
  signal: AbortSignal;
  log: HandlerLogger;
}

/**
 * The Standard Schema interface (https://standardschema.dev), copied as its authors intend:
 * zod 4, valibot and arktype schemas all satisfy it.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (
      value: unknown,
    ) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}
export type StandardSchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | {
      readonly issues: ReadonlyArray<{
        readonly message: string;
        readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
      }>;
    };

export type ConfigSchema = StandardSchemaV1;

/** `config`'s output type; a handler without a schema gets an empty object. */
export type ConfigOf<S> = S extends StandardSchemaV1
  ? NonNullable<S["~standard"]["types"]>["output"]
  : Record<string, never>;

/** `"*"` or tenant ids; default (absent): only the default (operator) tenant may attach the handler. */
export type TenantsOption = "*" | readonly string[];

interface HandlerOptions {
  /** `[a-z0-9-]{1,64}`, unique in the deployment; sources refer to the handler by it. */
  id: string;
  retry?: RetryOptions;
  /** Time limit of one attempt (1..3 600 000 ms); the signal aborts when it passes. */
  timeoutMs?: number;
  tenants?: TenantsOption;
}

/**
 * A handler module's default export. Type parameters are inferred by `defineHandler`:
 * `provider` and `events` type `payload`, `config` types `config`.
 */
export interface HandlerDefinition<
  TProvider extends Provider | undefined = undefined,
  TEvents extends readonly string[] | undefined = undefined,
  TConfig extends ConfigSchema | undefined = undefined,
> extends HandlerOptions {
  provider?: TProvider;
  /** Event-type globs: `*` within a dot-separated segment, `**` across segments, `!x` excludes. */
  events?: TEvents;
  config?: TConfig;
  // Method syntax on purpose: its parameter is checked bivariantly, so every definition is an AnyHandlerDefinition.
  handle(ctx: HandlerContext<PayloadOf<TProvider, TEvents>, ConfigOf<TConfig>>): unknown;
}

/** Any handler definition, whatever its provider, events and config (what the worker holds). */
export interface AnyHandlerDefinition extends HandlerOptions {
  provider?: Provider;
  events?: readonly string[];
  config?: ConfigSchema;
  handle(ctx: HandlerContext<unknown, unknown>): unknown;
}
