import { type DefaultJobOptions, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";

/** The one queue events travel on. */
export const EVENTS_QUEUE = "events";

/** Payload of an events job: the id only; the worker loads the row. Never bodies or secrets. */
export const EventJobSchema = z.object({ eventId: z.uuid() });
export type EventJob = z.infer<typeof EventJobSchema>;

/** The job name (BullMQ's `name`), for Bull Board readers. */
export const EVENT_JOB_NAME = "deliver";

/**
 * The job id of an event's run: the event id for the original delivery, `<id>-r<n>` for the
 * n-th replay. BullMQ silently ignores an add whose id exists (even a failed job), so a replay
 * needs an id of its own; the same id for the same run keeps re-enqueues harmless. (Not
 * `<id>:<n>`: BullMQ refuses custom ids containing a colon.)
 */
export function eventJobId(eventId: string, run: number): string {
  return run === 0 ? eventId : `${eventId}-r${run}`;
}

/** Housekeeping jobs the worker runs: bulk replays and alert notifications. */
export const MAINTENANCE_QUEUE = "maintenance";

/** A bulk replay's filter, as JSON (dates as ISO strings). Only settled events are replayed. */
export const ReplayFilterSchema = z.object({
  source: z.string().optional(),
  status: z.enum(["completed", "dead"]).optional(),
  type: z.string().optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
});
export type ReplayFilter = z.infer<typeof ReplayFilterSchema>;

export const BulkReplayJobSchema = z.object({
  tenantId: z.uuid(),
  filter: ReplayFilterSchema,
  /** Only events that existed when the replay was asked for (ids are time-ordered). */
  maxId: z.uuid(),
  /** Progress: the last id handled, so a restarted job resumes. */
  afterId: z.uuid().nullable(),
});
export type BulkReplayJob = z.infer<typeof BulkReplayJobSchema>;

export const SlackAlertJobSchema = z.object({ alertId: z.uuid() });
export type SlackAlertJob = z.infer<typeof SlackAlertJobSchema>;

export type MaintenanceJob =
  | { name: "bulk-replay"; data: BulkReplayJob }
  | { name: "slack-alert"; data: SlackAlertJob };

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Backoff type name registered by the worker (full-jitter exponential, see worker retry policy). */
export const BACKOFF_TYPE = "hookbox-jitter";

/**
 * BullMQ's attempt limit of an event job. The row decides when an event is dead (per handler
 * key: its own `retry.maxAttempts`, else MAX_ATTEMPTS), and one job pass may run only some keys,
 * so BullMQ's count is only a backstop; a job that still reaches it leaves its row `retrying`,
 * and the reconciler enqueues it again.
 */
export const EVENT_JOB_MAX_PASSES = 10_000;

export function eventJobOptions(_policy: RetryPolicy): DefaultJobOptions {
  return {
    attempts: EVENT_JOB_MAX_PASSES,
    backoff: { type: BACKOFF_TYPE },
    // Bounded history in Redis; Postgres holds the full record.
    removeOnComplete: { count: 1_000 },
    removeOnFail: { count: 5_000, age: 7 * 24 * 3600 },
  };
}

export function createMaintenanceQueue(connection: Redis, prefix: string): Queue {
  const queue = new Queue(MAINTENANCE_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: 10,
      backoff: { type: "exponential", delay: 1_000 },
      removeOnComplete: { count: 1_000 },
      removeOnFail: { count: 1_000 },
    },
  });
  queue.on("error", () => {});
  return queue;
}

export function createEventsQueue(connection: Redis, prefix: string, policy: RetryPolicy): Queue<EventJob> {
  const queue = new Queue<EventJob>(EVENTS_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: eventJobOptions(policy),
    // Not skipWaitingForReady: BullMQ's one-time init (INFO, version check) must run on a ready
    // connection or it fails for good. Until then add() waits, and ingest's timeout bounds that.
  });
  queue.on("error", () => {});
  return queue;
}
