import {
  annotateActiveSpan,
  contextFromCarrier,
  EVENTS_QUEUE,
  EventJobSchema,
  type HandlerSpec,
  handlerFilterReason,
  handlerKeyOf,
  inSpan,
  isOfferedTo,
  type Logger,
  readManifests,
  type Span,
  secretBoxOf,
} from "@hookbox/shared";
import { DelayedError, type Job, UnrecoverableError } from "bullmq";
import { type ClaimedEvent, openClaimedEvent } from "./claim-event.ts";
import type { WorkerDeps } from "./deps.ts";
import type { RunnableHandler } from "./handlers/index.ts";
import { RetryLaterError } from "./retry-policy.ts";
import { type AttemptResult, deadAttempt, filteredAttempt, runHandlerAttempt } from "./run-handler.ts";
import { completeEvent, killEvent, releaseEvent, retryEvent } from "./settle.ts";

/** How long a job waits before a worker that has its handler is asked again (rolling deploys). */
export const RELEASE_DELAY_MS = 5_000;

export type ProcessOutcome = "completed" | "skipped";

type Planned = { spec: HandlerSpec; key: string; handler: RunnableHandler; config: Record<string, unknown> };

/**
 * The way out: load + mark processing → for each handler key of the source that this run still
 * owes: filtered? not yet due? else run it → settle (completed | retrying | dead) → publish.
 * Keys run concurrently (fan-out); each keeps its own attempts, backoff and steps.
 */
export function processEvent(deps: WorkerDeps, job: Job, token?: string): Promise<ProcessOutcome> {
  const data = EventJobSchema.parse(job.data);
  // A child of the span that enqueued the job (the ingest or replay request): the job exists for
  // that one delivery, so its trace goes on through the queue. The claim is batched across jobs,
  // but each job keeps its own span; a retry's pass is one more child of the same parent.
  return inSpan(
    `process ${EVENTS_QUEUE}`,
    {
      kind: "consumer",
      parent: contextFromCarrier(data),
      attributes: {
        "messaging.system": "bullmq",
        "messaging.operation.type": "process",
        "messaging.destination.name": EVENTS_QUEUE,
        "messaging.message.id": job.id ?? "",
        "hookbox.event.id": data.eventId,
        "hookbox.job.pass": job.attemptsMade + 1,
      },
      // Retry later and hand back are how a job says "not yet", not failures; dead is one.
      failsOn: (error) => !(error instanceof RetryLaterError || error instanceof DelayedError),
    },
    (span) => processJob(deps, job, data.eventId, token, span),
  );
}

async function processJob(
  deps: WorkerDeps,
  job: Job,
  eventId: string,
  token: string | undefined,
  span: Span | undefined,
): Promise<ProcessOutcome> {
  const claimed = await deps.claimer.claim(eventId);
  if (!claimed) {
    deps.logger.debug({ eventId, jobId: job.id }, "event already settled or gone; nothing to do");
    span?.setAttribute("hookbox.job.outcome", "skipped");
    return "skipped";
  }
  try {
    return await processClaimed(deps, job, token, span, claimed);
  } finally {
    // Its body's bytes go back to the claim budget (WORKER_BODY_BUDGET_BYTES).
    deps.claimer.release(claimed);
  }
}

async function processClaimed(
  deps: WorkerDeps,
  job: Job,
  token: string | undefined,
  span: Span | undefined,
  claimed: ClaimedEvent,
): Promise<ProcessOutcome> {
  // Opened before the configs are parsed: a sealed header value is longer than its limit.
  const event = openClaimedEvent(secretBoxOf(deps.config), claimed);
  span?.setAttributes({ "hookbox.source": event.source, "hookbox.event.run": event.run });

  const owed = event.handlers
    .map((spec) => ({ ...spec, key: handlerKeyOf(spec) }))
    .filter(
      (spec) => !event.state[spec.key]?.done && (!event.runHandlers || event.runHandlers.includes(spec.key)),
    );
  const planned: Planned[] = [];
  /** Keys whose stored config no deployed version of their handler takes: dead with the reason. */
  const refused: { key: string; reason: string }[] = [];
  for (const spec of owed) {
    const handler = deps.handlers.get(spec.name);
    if (!handler) {
      // Not deployed here: another worker may have it (a rolling deploy).
      return release(
        deps,
        job,
        token,
        event,
        `handler "${spec.name}" is not deployed on worker ${deps.workerId}`,
      );
    }
    const config = handler.entry.parseConfig(spec.config);
    if (!config.ok) {
      const reason = `the config of key "${spec.key}" is refused by handler "${spec.name}" (version ${handler.entry.version}): ${config.problems.join("; ")}`;
      // Another version of it runs elsewhere (a rolling deploy): that one may take the config.
      if (await otherVersionIsLive(deps, handler)) return release(deps, job, token, event, reason);
      refused.push({ key: spec.key, reason });
      continue;
    }
    planned.push({ spec, key: spec.key, handler, config: config.config });
  }

  const now = Date.now();
  const waiting: Date[] = [];
  const results = await Promise.all(
    planned.map(async ({ spec, key, handler, config }): Promise<AttemptResult | null> => {
      const state = event.state[key];
      const attempt = (state?.failures ?? 0) + 1;
      const reason = handlerFilterReason(handler.entry, spec, event.eventType);
      if (reason) {
        deps.metrics.handlerAttempts.inc({ handler: spec.name, outcome: "filtered" });
        return filteredAttempt(event, key, attempt, reason);
      }
      if (state?.notBefore && Date.parse(state.notBefore) > now) {
        waiting.push(new Date(state.notBefore));
        return null;
      }
      if (!isOfferedTo(handler.entry, event.tenantId)) {
        return deadAttempt(event, key, attempt, `handler "${spec.name}" is not offered to this tenant`);
      }
      return runHandlerAttempt(deps, event, spec, handler, config, attempt, handlerLogger(deps, spec.name));
    }),
  );

  const ran = [
    ...refused.map((r) => deadAttempt(event, r.key, (event.state[r.key]?.failures ?? 0) + 1, r.reason)),
    ...results.filter((r): r is AttemptResult => r !== null),
  ];
  const attempts = ran.map((r) => r.attempt);
  const failed = ran.filter((r) => r.kind === "retry" || r.kind === "dead");
  const lastError = failed
    .map((r) => `${r.attempt.handler}: ${r.error}`)
    .join("; ")
    .slice(0, 2000);

  if (ran.some((r) => r.kind === "dead")) {
    // One key has failed for good: the event is dead; the other keys' successes are kept.
    await killEvent(deps, event, lastError, attempts);
    span?.setAttribute("hookbox.job.outcome", "dead");
    throw new UnrecoverableError(lastError);
  }
  const next = [...failed.map((r) => (r.kind === "retry" ? r.retryAt : new Date(now))), ...waiting];
  if (next.length === 0) {
    await completeEvent(deps, event, attempts);
    span?.setAttribute("hookbox.job.outcome", "completed");
    return "completed";
  }
  const retryAt = new Date(Math.min(...next.map((d) => d.getTime())));
  await retryEvent(deps, event, failed.length > 0 ? lastError : undefined, retryAt, attempts);
  const delayMs = Math.max(0, retryAt.getTime() - Date.now());
  if (failed.length > 0) deps.logger.info({ eventId: event.id, lastError, delayMs }, "event will be retried");
  span?.setAttribute("hookbox.job.outcome", "retrying");
  throw new RetryLaterError(lastError || "waiting for a handler's next attempt", delayMs);
}

/** Whether a live worker announces a different version of this code handler than ours. */
async function otherVersionIsLive(deps: WorkerDeps, handler: RunnableHandler): Promise<boolean> {
  if (handler.entry.kind !== "code") return false;
  const manifests = await readManifests(deps.redis, deps.config.redisPrefix).catch(() => []);
  return manifests.some((m) =>
    m.handlers.some((h) => h.name === handler.entry.name && h.version !== handler.entry.version),
  );
}

/** Hands the event back (see `releaseEvent`) and moves its job to later, without using an attempt. */
async function release(
  deps: WorkerDeps,
  job: Job,
  token: string | undefined,
  event: ClaimedEvent,
  reason: string,
): Promise<never> {
  await releaseEvent(deps, event, reason);
  annotateActiveSpan({ "hookbox.job.outcome": "released" });
  deps.metrics.handlerUnavailable.inc();
  deps.logger.warn(
    { eventId: event.id, jobId: job.id, reason },
    "handler not available here; job handed back",
  );
  await job.moveToDelayed(Date.now() + RELEASE_DELAY_MS, token);
  throw new DelayedError();
}

const handlerLoggers = new WeakMap<WorkerDeps, Map<string, Logger>>();

/** One child logger per handler name, made once: per-event fields go into each log call. */
function handlerLogger(deps: WorkerDeps, handler: string): Logger {
  let byName = handlerLoggers.get(deps);
  if (!byName) {
    byName = new Map();
    handlerLoggers.set(deps, byName);
  }
  let logger = byName.get(handler);
  if (!logger) {
    logger = deps.logger.child({ handler }) as Logger;
    byName.set(handler, logger);
  }
  return logger;
}
