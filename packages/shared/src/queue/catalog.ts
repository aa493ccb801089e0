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

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Backoff type name registered by the worker (full-jitter exponential, see worker retry policy). */
export const BACKOFF_TYPE = "hookbox-jitter";

export function eventJobOptions(policy: RetryPolicy): DefaultJobOptions {
  return {
    attempts: policy.maxAttempts,
    backoff: { type: BACKOFF_TYPE },
    // Bounded history in Redis; Postgres holds the full record.
    removeOnComplete: { count: 1_000 },
    removeOnFail: { count: 5_000, age: 7 * 24 * 3600 },
  };
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
