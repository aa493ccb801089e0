import { validateHandlerConfig } from "../config.ts";
import { HandlerDefinitionError, isNonRetriableError, isRetryAfterError } from "../errors.ts";
import { explainEventsFilter } from "../events-filter.ts";
import { parseHandlerDefinition } from "../parse-handler-definition.ts";
import { parsePayload } from "../payload.ts";
import { createStep } from "../step.ts";
import type { AnyHandlerDefinition, HandlerContext, Json } from "../types.ts";
import { type Fixture, parseFixture } from "./fixture.ts";
import { createCapturingLogger, createMemoryStepStore, type LogEntry } from "./memory.ts";

/** Used when neither the options nor the handler set `timeoutMs`. */
export const DEFAULT_TEST_TIMEOUT_MS = 30_000;

export interface RunHandlerOptions {
  /** The config a source would attach; validated with the handler's schema (absent = `{}`). */
  config?: unknown;
  /** Step results already stored, to simulate a later attempt of the same run. */
  steps?: Record<string, Json>;
  /** Default 1. */
  attempt?: number;
  /** Default: the fixture's run (0 when it has none). */
  run?: number;
  signal?: AbortSignal;
  /** Default: the handler's `timeoutMs`, else DEFAULT_TEST_TIMEOUT_MS. */
  timeoutMs?: number;
}

export interface RunHandlerResult {
  outcome: "success" | "error" | "filtered";
  /** What the handler threw (a non-Error wrapped in one). */
  error?: Error;
  /** Whether the worker would try again (false for NonRetriableError; attempts left are not counted). */
  retryable?: boolean;
  /** From a RetryAfterError. */
  retryAfterMs?: number;
  /** Why `events` excluded the event (`filtered` only). */
  reason?: string;
  /** Every stored step result after the attempt, the initial ones included. */
  steps: Record<string, Json>;
  logs: LogEntry[];
}

/** Rejects when `signal` aborts; `dispose` removes the listener. */
function whenAborted(signal: AbortSignal): { promise: Promise<never>; dispose: () => void } {
  let dispose = () => {};
  const promise = new Promise<never>((_, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    dispose = () => signal.removeEventListener("abort", onAbort);
  });
  return { promise, dispose };
}

/**
 * Runs one attempt of `handler` against a stored event, with steps in memory. Resolves with the
 * outcome (a handler failure is an `error` outcome, never a rejection); throws when the handler
 * definition, the fixture or the config is invalid.
 */
export async function runHandler(
  handler: AnyHandlerDefinition,
  fixture: Fixture,
  options: RunHandlerOptions = {},
): Promise<RunHandlerResult> {
  const definition = parseHandlerDefinition(handler);
  if (!definition.ok) throw new HandlerDefinitionError(`handler: ${definition.problem}`);
  const event = parseFixture(fixture);
  const config = await validateHandlerConfig(handler, options.config);
  if (!config.ok)
    throw new Error(`invalid config for handler "${handler.id}":\n  ${config.problems.join("\n  ")}`);

  const store = createMemoryStepStore(options.steps);
  const { log, lines } = createCapturingLogger();
  const reason = explainEventsFilter(handler.events, event.type);
  if (reason !== null) return { outcome: "filtered", reason, steps: store.entries(), logs: lines };

  const timeoutMs = options.timeoutMs ?? handler.timeoutMs ?? DEFAULT_TEST_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
  const body = Buffer.from(event.body, event.bodyEncoding);
  const ctx: HandlerContext = {
    event: {
      id: event.id,
      source: event.source,
      type: event.type,
      idempotencyKey: event.idempotencyKey,
      receivedAt: new Date(event.receivedAt),
      run: options.run ?? event.run,
      attempt: options.attempt ?? 1,
    },
    payload: parsePayload(body),
    body,
    headers: { ...event.headers },
    config: config.value,
    step: createStep(store),
    signal,
    log,
  };

  const aborted = whenAborted(signal);
  try {
    // A handler that ignores its signal still ends the attempt at the timeout, as in the worker.
    await Promise.race([Promise.resolve().then(() => handler.handle(ctx)), aborted.promise]);
    return { outcome: "success", steps: store.entries(), logs: lines };
  } catch (thrown) {
    const error =
      thrown === timeout.reason
        ? new Error(`handler "${handler.id}" timed out after ${timeoutMs} ms`, { cause: thrown })
        : thrown instanceof Error
          ? thrown
          : new Error(String(thrown));
    return {
      outcome: "error",
      error,
      retryable: !isNonRetriableError(error),
      ...(isRetryAfterError(error) ? { retryAfterMs: error.delayMs } : {}),
      steps: store.entries(),
      logs: lines,
    };
  } finally {
    aborted.dispose();
  }
}
