import { annotateActiveSpan } from "@hookbox/shared";
import { DelayedError, type Job } from "bullmq";
import type { ClaimedEvent } from "./claim-event.ts";
import type { WorkerDeps } from "./deps.ts";
import { deferEvent, releaseEvent } from "./settle.ts";
import type { TenantAdmission } from "./tenant-share.ts";

/**
 * The two ways a job goes back to later without spending an attempt: released (a handler is
 * not available here) and deferred (its tenant holds its share of this worker's slots). Both
 * throw BullMQ's DelayedError after moving the job, as BullMQ asks.
 */

/** How long a job waits before a worker that has its handler is asked again (rolling deploys). */
export const RELEASE_DELAY_MS = 5_000;

/** Hands the event back (see `releaseEvent`) and moves its job to later, without using an attempt. */
export async function releaseJob(
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

/**
 * Moves the job to later without using an attempt: its tenant holds its share. A claimed event
 * is handed back first, and the job learns its tenant (the next pass defers it without a query).
 */
export async function deferJob(
  deps: WorkerDeps,
  job: Job,
  token: string | undefined,
  eventId: string,
  admission: Extract<TenantAdmission, { admitted: false }>,
  claimed?: ClaimedEvent,
): Promise<never> {
  if (claimed) {
    await deferEvent(deps, claimed);
    // Best effort: without it the next pass claims the event to learn its tenant.
    await job.updateData({ ...job.data, tenantId: claimed.tenantId }).catch(() => {});
  }
  annotateActiveSpan({ "hookbox.job.outcome": "deferred" });
  deps.metrics.jobsDeferred.inc({ reason: admission.reason });
  deps.logger.debug(
    { eventId, jobId: job.id, reason: admission.reason, delayMs: admission.delayMs },
    "tenant holds its share of worker slots; job deferred",
  );
  await job.moveToDelayed(Date.now() + admission.delayMs, token);
  throw new DelayedError();
}
