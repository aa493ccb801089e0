import {
  type Attributes,
  type Context,
  context,
  isSpanContextValid,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";

export type { Span };

/**
 * What the code paths use: `@opentelemetry/api` only, and nothing at all while tracing is off.
 * `startTracing` (start.ts) flips `active` once it has registered a provider; until then every
 * helper returns at its first line, so ingest and the worker pay one boolean test per call.
 */
let active = false;

/** Whether a tracer provider is running in this process (see `startTracing`). */
export function tracingActive(): boolean {
  return active;
}

/** For start.ts only. */
export function setTracingActive(on: boolean): void {
  active = on;
}

/** W3C trace context carried with a job (its only tracing fields). */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/** The active span's W3C trace context, to carry with a job; undefined when tracing is off. */
export function currentTraceCarrier(): TraceCarrier | undefined {
  if (!active) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  const { traceparent, tracestate } = carrier;
  if (!traceparent) return undefined;
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/** A context whose span is the carried one (a remote parent); the root context when none is carried. */
export function contextFromCarrier(carrier: TraceCarrier): Context {
  if (!active || !carrier.traceparent) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/** A link to the carried span, if it is a valid one (for a trace that must not adopt it as parent). */
export function linkFromCarrier(carrier: TraceCarrier): Link[] {
  if (!active || !carrier.traceparent) return [];
  const spanContext = trace.getSpanContext(contextFromCarrier(carrier));
  return spanContext && isSpanContextValid(spanContext) ? [{ context: spanContext }] : [];
}

/** Adds `traceparent` (and `tracestate`) of the active span to outgoing request headers. */
export function injectTraceHeaders(headers: Record<string, string>): void {
  if (active) propagation.inject(context.active(), headers);
}

const KINDS = {
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  consumer: SpanKind.CONSUMER,
  internal: SpanKind.INTERNAL,
} as const;

export interface SpanOptions {
  kind?: keyof typeof KINDS;
  attributes?: Attributes;
  /** The parent; default the active context. `ROOT_CONTEXT` (or `root: true`) starts a new trace. */
  parent?: Context;
  root?: boolean;
  links?: Link[];
  /** Whether a thrown error fails the span (default: every error). Control-flow errors say no. */
  failsOn?: (error: unknown) => boolean;
}

/**
 * Runs `fn` in a new active span, ended when `fn` settles; an error it throws is recorded on the
 * span (unless `failsOn` says it is not a failure) and rethrown. Tracing off: `fn(undefined)`.
 */
export function inSpan<T>(
  name: string,
  options: SpanOptions,
  fn: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (!active) return fn(undefined);
  const parent = options.parent ?? context.active();
  const span = trace.getTracer("hookbox").startSpan(
    name,
    {
      kind: KINDS[options.kind ?? "internal"],
      ...(options.attributes ? { attributes: options.attributes } : {}),
      ...(options.links ? { links: options.links } : {}),
      ...(options.root ? { root: true } : {}),
    },
    parent,
  );
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      return await fn(span);
    } catch (error) {
      if (options.failsOn?.(error) ?? true) failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Marks a span failed with the error (or message) that failed it. */
export function failSpan(span: Span | undefined, error: unknown): void {
  if (!span) return;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** Sets attributes on the active span (e.g. a route's outcome on the request's span). */
export function annotateActiveSpan(attributes: Attributes): void {
  if (active) trace.getActiveSpan()?.setAttributes(attributes);
}

/** Returned while there is no span: pino's merge below passes the line through untouched. */
const NO_TRACE: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** pino `mixin`: the active span's `traceId` and `spanId` on every line written inside it. */
export function traceLogFields(): Record<string, string> {
  if (!active) return NO_TRACE;
  const spanContext = trace.getSpanContext(context.active());
  if (!spanContext || !isSpanContextValid(spanContext)) return NO_TRACE;
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}

/** pino `mixinMergeStrategy`: no allocation for a line outside any span; the line's own fields win. */
export function mergeTraceFields(line: object, fields: object): object {
  return fields === NO_TRACE ? line : Object.assign(fields, line);
}
