import {
  contextFromCarrier,
  EVENTS_QUEUE,
  type EventJob,
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
import { deferJob, releaseJob } from "./hand-back.ts";
import type { RunnableHandler } from "./handlers/index.ts";
import { RetryLaterError } from "./retry-policy.ts";
import { type AttemptResult, deadAttempt, filteredAttempt, runHandlerAttempt } from "./run-handler.ts";
import { completeEvent, killEvent, retryEvent } from "./settle.ts";
import type { TenantAdmission, TenantShareGate } from "./tenant-share.ts";

export type ProcessOutcome = "completed" | "skipped";

type Planned = { spec: HandlerSpec; key: string; handler: RunnableHandler; config: Record<string, unknown> };

/**
 * The way out: load + mark processing → for each handler key of the source that this run still
 * owes: filtered? not yet due? else run it → settle (completed | retrying | dead) → publish.
 * Keys run concurrently (fan-out); each keeps its own attempts, backoff and steps.
 */
export function processEvent(
  deps: WorkerDeps,
  job: Job,
  token?: string,
  gate?: TenantShareGate,
): Promise<ProcessOutcome> {
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
    (span) => processJob(deps, job, data, token, gate, span),
  );
}

/**
 * The tenant's share of this worker's slots (WORKER_TENANT_SHARE): past it, while another tenant
 * has work, the job waits its turn instead of taking one more slot. A job deferred before carries
 * its tenant, so the gate decides before the claim; otherwise after it.
 */
async function processJob(
  deps: WorkerDeps,
  job: Job,
  data: EventJob,
  token: string | undefined,
  gate: TenantShareGate | undefined,
  span: Span | undefined,
): Promise<ProcessOutcome> {
  const early = gate && data.tenantId ? await gate.admit(data.tenantId) : undefined;
  if (early && !early.admitted) return deferJob(deps, job, token, data.eventId, early);
  try {
    return await claimAndRun(deps, job, data.eventId, token, early ? { held: early } : { gate }, span);
  } finally {
    if (early?.admitted) early.done();
  }
}

type Admitted = Extract<TenantAdmission, { admitted: true }>;

async function claimAndRun(
  deps: WorkerDeps,
  job: Job,
  eventId: string,
  token: string | undefined,
  share: { gate?: TenantShareGate | undefined; held?: Admitted },
  span: Span | undefined,
): Promise<ProcessOutcome> {
  const claimed = await deps.claimer.claim(eventId);
  if (!claimed) {
    deps.logger.debug({ eventId, jobId: job.id }, "event already settled or gone; nothing to do");
    span?.setAttribute("hookbox.job.outcome", "skipped");
    return "skipped";
  }
  try {
    return await processClaimed(deps, job, token, share, span, claimed);
  } finally {
    // Its body's bytes go back to the claim budget (WORKER_BODY_BUDGET_BYTES).
    deps.claimer.release(claimed);
  }
}

async function processClaimed(
  deps: WorkerDeps,
  job: Job,
  token: string | undefined,
  share: { gate?: TenantShareGate | undefined; held?: Admitted },
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
      return releaseJob(
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
      if (await otherVersionIsLive(deps, handler)) return releaseJob(deps, job, token, event, reason);
      refused.push({ key: spec.key, reason });
      continue;
    }
    planned.push({ spec, key: spec.key, handler, config: config.config });
  }

  const admission = share.held ?? (share.gate ? await share.gate.admit(event.tenantId) : undefined);
  if (admission && !admission.admitted) return deferJob(deps, job, token, event.id, admission, event);
  try {
    const handlersDone = () => {
      if (admission?.admitted) admission.done();
    };
    return await runPlanned(deps, event, planned, refused, span, handlersDone);
  } finally {
    if (admission?.admitted) admission.done();
  }
}

/** Runs the planned keys (the refused ones are dead) and settles the event with their outcomes. */
async function runPlanned(
  deps: WorkerDeps,
  event: ClaimedEvent,
  planned: readonly Planned[],
  refused: readonly { key: string; reason: string }[],
  span: Span | undefined,
  handlersDone: () => void,
): Promise<ProcessOutcome> {
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

  // The tenant's share counts running handlers; settling is bounded and not the tenant's doing.
  handlersDone();
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
