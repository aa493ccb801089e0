import { createStep, isNonRetriableError, isRetryAfterError } from "@hookbox/sdk";
import {
  type AttemptRow,
  failSpan,
  type HandlerSpec,
  inSpan,
  type Logger,
  type RetryPolicy,
  type Span,
} from "@hookbox/shared";
import type { ClaimedEvent } from "./claim-event.ts";
import type { WorkerDeps } from "./deps.ts";
import { PermanentError, type RunnableHandler } from "./handlers/index.ts";
import { retryDelayMs } from "./retry-policy.ts";
import { createStepStore } from "./steps.ts";

/** Longest wait a `RetryAfterError` may ask for. */
export const MAX_RETRY_AFTER_MS = 7 * 24 * 3600_000;

/** What one handler key's attempt came to. */
export type AttemptResult =
  | { kind: "success"; attempt: AttemptRow }
  | { kind: "filtered"; attempt: AttemptRow }
  /** Failed; runs again not before `retryAt`. */
  | { kind: "retry"; attempt: AttemptRow; error: string; retryAt: Date }
  /** Failed for good: NonRetriableError, or its attempts are used up. */
  | { kind: "dead"; attempt: AttemptRow; error: string };

export function policyOf(handler: RunnableHandler, defaults: RetryPolicy): RetryPolicy {
  return { ...defaults, ...handler.entry.retry };
}

function attemptRow(
  event: ClaimedEvent,
  key: string,
  attempt: number,
  startedAt: Date,
  outcome: AttemptRow["outcome"],
  error: string | null,
  nextAttemptAt: Date | null,
): AttemptRow {
  const finishedAt = new Date();
  return {
    tenant_id: event.tenantId,
    event_id: event.id,
    handler: key,
    attempt,
    run: event.run,
    started_at: startedAt,
    finished_at: finishedAt,
    outcome,
    error: error ? error.slice(0, 2000) : null,
    duration_ms: finishedAt.getTime() - startedAt.getTime(),
    next_attempt_at: nextAttemptAt,
  };
}

/** The `filtered` record of a key whose `events` exclude this event: it never runs in this run. */
export function filteredAttempt(
  event: ClaimedEvent,
  key: string,
  attempt: number,
  reason: string,
): AttemptResult {
  return { kind: "filtered", attempt: attemptRow(event, key, attempt, new Date(), "filtered", reason, null) };
}

/** A key that must not run at all (e.g. a handler no longer offered to the tenant): dead now. */
export function deadAttempt(event: ClaimedEvent, key: string, attempt: number, error: string): AttemptResult {
  return { kind: "dead", error, attempt: attemptRow(event, key, attempt, new Date(), "error", error, null) };
}

/**
 * Runs one handler key once, under its timeout and the worker's shutdown signal, and classifies
 * the outcome. Never throws for a handler's failure.
 */
export async function runHandlerAttempt(
  deps: WorkerDeps,
  event: ClaimedEvent,
  spec: HandlerSpec,
  handler: RunnableHandler,
  config: Record<string, unknown>,
  attempt: number,
  logger: Logger,
): Promise<AttemptResult> {
  const { entry } = handler;
  const timeoutMs = entry.timeoutMs ?? deps.config.handlerTimeoutMs;
  // One controller per attempt, its timer cleared and its shutdown listener removed when the
  // attempt ends: nothing of a finished attempt stays alive (AbortSignal.timeout would keep
  // every attempt's signal, and whatever listens on it, until its timer fired minutes later).
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  const onShutdown = () => controller.abort(new Error("interrupted: the worker is shutting down"));
  if (deps.shutdownSignal.aborted) onShutdown();
  else deps.shutdownSignal.addEventListener("abort", onShutdown, { once: true });
  const { signal } = controller;
  const startedAt = new Date();
  // The attempt's span is the active one while the handler runs: its calls (forward) are children.
  let error: unknown = null;
  try {
    error = await inSpan(
      `handler ${spec.key}`,
      {
        attributes: {
          "hookbox.handler.name": entry.name,
          "hookbox.handler.key": spec.key,
          "hookbox.handler.attempt": attempt,
        },
      },
      (span) => callHandler(deps, event, spec, handler, { config, attempt, signal, logger }, span),
    );
  } finally {
    clearTimeout(timer);
    deps.shutdownSignal.removeEventListener("abort", onShutdown);
  }
  const outcome = error ? "error" : "success";
  deps.metrics.handlerAttempts.inc({ handler: entry.name, outcome });
  deps.metrics.jobDuration.observe(
    { handler: entry.name, outcome },
    (Date.now() - startedAt.getTime()) / 1000,
  );
  if (!error)
    return {
      kind: "success",
      attempt: attemptRow(event, spec.key, attempt, startedAt, "success", null, null),
    };

  const message = error instanceof Error ? error.message : String(error);
  logger.info({ eventId: event.id, handlerKey: spec.key, attempt, err: message }, "handler failed");
  const policy = policyOf(handler, deps.retry);
  const permanent = isNonRetriableError(error) || error instanceof PermanentError;
  if (permanent || attempt >= policy.maxAttempts) {
    const why = permanent ? message : `${message} (attempt ${attempt} of ${policy.maxAttempts})`;
    return {
      kind: "dead",
      error: why,
      attempt: attemptRow(event, spec.key, attempt, startedAt, "error", why, null),
    };
  }
  const delayMs = isRetryAfterError(error)
    ? Math.min(Math.max(0, error.delayMs), MAX_RETRY_AFTER_MS)
    : retryDelayMs(attempt, policy);
  const retryAt = new Date(Date.now() + delayMs);
  return {
    kind: "retry",
    error: message,
    retryAt,
    attempt: attemptRow(event, spec.key, attempt, startedAt, "error", message, retryAt),
  };
}

/** One call of the handler under `signal`: resolves with what failed it, null when it succeeded. */
async function callHandler(
  deps: WorkerDeps,
  event: ClaimedEvent,
  spec: HandlerSpec,
  handler: RunnableHandler,
  call: { config: Record<string, unknown>; attempt: number; signal: AbortSignal; logger: Logger },
  span: Span | undefined,
): Promise<unknown> {
  const { signal } = call;
  try {
    const step = createStep(
      createStepStore(deps.sql, {
        tenantId: event.tenantId,
        eventId: event.id,
        run: event.run,
        handler: spec.key,
      }),
    );
    const running = handler.run({ event, key: spec.key, step, ...call });
    running.catch(() => {}); // a late failure after a timeout must not become an unhandled rejection
    // A handler that ignores its signal is no longer waited for (it may go on in the background).
    await Promise.race([running, aborted(signal)]);
    return null;
  } catch (caught) {
    // Aborted (timeout or shutdown): the reason says which, whatever the handler threw with it.
    const error: unknown = signal.aborted ? signal.reason : caught;
    if (error) failSpan(span, error);
    return error;
  }
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}
