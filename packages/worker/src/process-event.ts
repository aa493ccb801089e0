import {
  type AttemptRow,
  type CompletionMessage,
  EventJobSchema,
  type HandlerName,
  type HandlerSpec,
  type Logger,
  transitionEvent,
} from "@hookbox/shared";
import { type Job, UnrecoverableError } from "bullmq";
import type { ClaimedEvent } from "./claim-event.ts";
import type { WorkerDeps } from "./deps.ts";
import { type HandlerEvent, PermanentError } from "./handlers/index.ts";
import { RetryLaterError, retryDelayMs } from "./retry-policy.ts";
import { killEvent } from "./settle.ts";

/** A handler that hangs must not hold a worker slot forever. */
const HANDLER_HARD_TIMEOUT_MS = 5 * 60_000;

export type ProcessOutcome = "completed" | "skipped";

/**
 * The way out: load + mark processing → run each handler not yet done → settle → publish.
 * A failure settles the row (`retrying` or `dead`) and then throws, so BullMQ's own retry
 * bookkeeping and the row agree.
 */
export async function processEvent(deps: WorkerDeps, job: Job): Promise<ProcessOutcome> {
  const { eventId } = EventJobSchema.parse(job.data);
  const event = await deps.claimer.claim(eventId);
  if (!event) {
    deps.logger.debug({ eventId, jobId: job.id }, "event already settled or gone; nothing to do");
    return "skipped";
  }
  // Child loggers cost (bindings are serialized and redacted): made only when something logs.
  const log = lazyLogger(() =>
    deps.logger.child({ eventId, jobId: job.id, source: event.source, attempt: event.attemptCount }),
  );

  const pending = event.handlers.filter((h) => !event.done.includes(h.name));
  const failures: { handler: string; error: Error }[] = [];
  // Attempts are written with the settling transition: one statement per job, not one per handler.
  const attempts: AttemptRow[] = [];
  for (const spec of pending) {
    const { error, attempt } = await runHandler(deps, event, spec, log);
    attempts.push(attempt);
    if (error) failures.push({ handler: spec.name, error });
  }

  if (failures.length === 0) {
    const done = await deps.completer.complete(eventId, attempts);
    if (done?.completedAt) await settled(deps, event, "completed", done.completedAt);
    if (deps.logger.isLevelEnabled("debug")) log().debug({ handlers: pending.length }, "event completed");
    return "completed";
  }

  const lastError = failures
    .map((f) => `${f.handler}: ${f.error.message}`)
    .join("; ")
    .slice(0, 2000);
  const attemptsAllowed = job.opts.attempts ?? 1;
  const permanent = failures.every((f) => f.error instanceof PermanentError);
  if (permanent || job.attemptsMade + 1 >= attemptsAllowed) {
    // `dead` exactly once: the guarded transition lets only one caller through.
    const dead = await killEvent(deps.sql, event, lastError, attempts);
    if (dead) {
      log().warn({ lastError, alertId: dead.alertId }, "event dead-lettered");
      deps.metrics.deadEvents.inc({ source: event.source });
      await deps.notifyAlert(dead.alertId);
      await settled(deps, event, "dead", dead.completedAt);
    }
    throw new UnrecoverableError(lastError);
  }
  const delayMs = retryDelayMs(job.attemptsMade + 1, deps.retry);
  await transitionEvent(
    deps.sql,
    eventId,
    "retry",
    { lastError, nextAttemptAt: new Date(Date.now() + delayMs) },
    { attempts },
  );
  log().info({ lastError, delayMs }, "event will be retried");
  throw new RetryLaterError(lastError, delayMs);
}

/** Runs one handler; returns its error (instead of throwing) and the attempt row to record. */
async function runHandler(
  deps: WorkerDeps,
  event: ClaimedEvent,
  spec: HandlerSpec,
  logger: () => Logger,
): Promise<{ error: Error | null; attempt: AttemptRow }> {
  const name = spec.name as HandlerName;
  const handler = deps.handlers[name] as ((ctx: unknown) => Promise<void>) | undefined;
  const startedAt = new Date();
  let error: Error | null = null;
  try {
    if (!handler) throw new PermanentError(`unknown handler "${spec.name}"`);
    await handler({
      event: toHandlerEvent(event),
      body: event.body,
      config: spec.config,
      signal: AbortSignal.timeout(HANDLER_HARD_TIMEOUT_MS),
      logger: handlerLogger(deps.logger, spec.name),
    });
  } catch (caught) {
    error = caught instanceof Error ? caught : new Error(String(caught));
  }
  const finishedAt = new Date();
  const outcome = error ? "error" : "success";
  deps.metrics.handlerAttempts.inc({ handler: spec.name, outcome });
  deps.metrics.jobDuration.observe(
    { handler: spec.name, outcome },
    (finishedAt.getTime() - startedAt.getTime()) / 1000,
  );
  if (error) logger().info({ handler: spec.name, err: error.message }, "handler failed");
  return {
    error,
    attempt: {
      tenant_id: event.tenantId,
      event_id: event.id,
      handler: spec.name,
      attempt: event.attemptCount,
      run: event.run,
      started_at: startedAt,
      finished_at: finishedAt,
      outcome,
      error: error ? error.message.slice(0, 2000) : null,
      duration_ms: finishedAt.getTime() - startedAt.getTime(),
    },
  };
}

function toHandlerEvent(event: ClaimedEvent): HandlerEvent {
  return {
    id: event.id,
    tenantId: event.tenantId,
    source: event.source,
    type: event.eventType,
    idempotencyKey: event.idempotencyKey,
    receivedAt: event.receivedAt,
    contentType: event.contentType,
    headers: event.headers,
    attempt: event.attemptCount,
  };
}

/** Metrics and the completion message of a settled event. Publishing never fails the job. */
async function settled(
  deps: WorkerDeps,
  event: ClaimedEvent,
  status: "completed" | "dead",
  completedAt: Date,
): Promise<void> {
  const durationMs = completedAt.getTime() - event.receivedAt.getTime();
  deps.metrics.eventsSettled.inc({ source: event.source, status });
  if (status === "completed")
    deps.metrics.endToEndLatency.observe({ source: event.source }, durationMs / 1000);
  const message: CompletionMessage = {
    id: event.id,
    tenantId: event.tenantId,
    source: event.source,
    type: event.eventType,
    status,
    attempts: event.attemptCount,
    receivedAt: event.receivedAt.toISOString(),
    completedAt: completedAt.toISOString(),
    durationMs,
  };
  await deps.publisher
    .publish(message)
    .catch((error: unknown) =>
      deps.logger.warn(
        { eventId: event.id, err: error },
        "completion publish failed (pub/sub is best effort)",
      ),
    );
}

function lazyLogger(make: () => Logger): () => Logger {
  let logger: Logger | undefined;
  return () => {
    logger ??= make();
    return logger;
  };
}

const handlerLoggers = new WeakMap<Logger, Map<string, Logger>>();

/** One child logger per handler name, made once: per-event fields go into each log call. */
function handlerLogger(parent: Logger, handler: string): Logger {
  let byName = handlerLoggers.get(parent);
  if (!byName) {
    byName = new Map();
    handlerLoggers.set(parent, byName);
  }
  let logger = byName.get(handler);
  if (!logger) {
    logger = parent.child({ handler });
    byName.set(handler, logger);
  }
  return logger;
}
