import {
  type DefaultJobOptions,
  type Job,
  type JobsOptions,
  type JobType,
  Queue,
  type RepeatOptions,
  UnrecoverableError,
} from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { Config } from "../config/index.ts";
import { TERMINAL_STATUSES } from "../domain.ts";
import type { Logger } from "../logger.ts";
import { logConnectionErrors } from "../redis.ts";
import type { TraceCarrier } from "../tracing/spans.ts";
import { eventShardOf, eventShardPrefix } from "./shards.ts";

// ── Events: one job per run of an event ─────────────────────────────────────────────────────

/** The one queue events travel on. */
export const EVENTS_QUEUE = "events";

/**
 * Payload of an events job: the id (and maybe the tenant); the worker loads the row. Never bodies or secrets. With
 * tracing on, also the W3C trace context of the request that enqueued it, so the job's spans
 * join that request's trace (an invalid value is ignored by the propagator, never fatal).
 */
export const EventJobSchema = z.object({
  eventId: z.uuid(),
  /**
   * The event's tenant, when known: a worker that defers the job for its tenant's share of the
   * worker's slots writes it, so its next pass can defer it again without a query.
   */
  tenantId: z.uuid().optional(),
  traceparent: z.string().max(128).optional(),
  tracestate: z.string().max(512).optional(),
});
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

/** One run of an event to enqueue: `run` 0 is the original delivery, n the n-th replay. */
export interface EventRun {
  id: string;
  run: number;
  /** The trace the job's spans join (the enqueuing request's); none when tracing is off. */
  trace?: TraceCarrier | undefined;
}

function eventJob(event: EventRun): { name: typeof EVENT_JOB_NAME; data: EventJob; opts: { jobId: string } } {
  return {
    name: EVENT_JOB_NAME,
    data: event.trace ? { eventId: event.id, ...event.trace } : { eventId: event.id },
    opts: { jobId: eventJobId(event.id, event.run) },
  };
}

/** The event queues, shard n at index n (EVENT_QUEUE_SHARDS of them, at least one). */
export type EventQueues = readonly [Queue<EventJob>, ...Queue<EventJob>[]];

/** The queue of an event's shard (every run of an event goes to the same one). */
export function eventQueueOf(queues: EventQueues, eventId: string): Queue<EventJob> {
  return queues[eventShardOf(eventId, queues.length)] ?? queues[0];
}

/**
 * Enqueues a run of an event under its job id on its shard (the queue's default options apply).
 * While a job with that id exists this is a no-op, so racing producers enqueue it once.
 */
export function enqueueEvent(queues: EventQueues, event: EventRun): Promise<Job<EventJob>> {
  const { name, data, opts } = eventJob(event);
  return eventQueueOf(queues, event.id).add(name, data, opts);
}

/** `enqueueEvent` for many runs: one `addBulk` (one round trip) per shard. */
export async function enqueueEvents(
  queues: EventQueues,
  events: readonly EventRun[],
): Promise<Job<EventJob>[]> {
  if (queues.length === 1) return queues[0].addBulk(events.map(eventJob));
  const byShard = new Map<Queue<EventJob>, ReturnType<typeof eventJob>[]>();
  for (const event of events) {
    const queue = eventQueueOf(queues, event.id);
    const jobs = byShard.get(queue);
    if (jobs) jobs.push(eventJob(event));
    else byShard.set(queue, [eventJob(event)]);
  }
  const added = await Promise.all([...byShard].map(([queue, jobs]) => queue.addBulk(jobs)));
  return added.flat();
}

/**
 * The job of an event's run: on its shard, else on another one (a job enqueued before
 * EVENT_QUEUE_SHARDS changed still counts, so the reconciler does not run it twice).
 */
export async function findEventJob(
  queues: EventQueues,
  eventId: string,
  run: number,
): Promise<Job<EventJob> | undefined> {
  const jobId = eventJobId(eventId, run);
  const home = eventQueueOf(queues, eventId);
  const found = await home.getJob(jobId);
  if (found || queues.length === 1) return found;
  for (const queue of queues) {
    if (queue === home) continue;
    const job = await queue.getJob(jobId);
    if (job) return job;
  }
  return undefined;
}

/** Jobs by state, summed over every shard (the queue-count metric, the console). */
export async function countEventJobs(
  queues: EventQueues,
  ...states: JobType[]
): Promise<Record<string, number>> {
  const counts = await Promise.all(queues.map((queue) => queue.getJobCounts(...states)));
  const total: Record<string, number> = {};
  for (const byState of counts)
    for (const [state, n] of Object.entries(byState)) total[state] = (total[state] ?? 0) + n;
  return total;
}

/** Jobs waiting, summed over every shard (ingest's backlog limit, bulk replay's throttle). */
export async function countWaitingEvents(queues: EventQueues): Promise<number> {
  const counts = await Promise.all(queues.map((queue) => queue.getWaitingCount()));
  return counts.reduce((sum, n) => sum + n, 0);
}

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** The configured retry policy (MAX_ATTEMPTS, RETRY_BASE_DELAY_MS, RETRY_MAX_DELAY_MS). */
export function retryPolicyOf(
  config: Pick<Config, "maxAttempts" | "retryBaseDelayMs" | "retryMaxDelayMs">,
): RetryPolicy {
  return {
    maxAttempts: config.maxAttempts,
    baseDelayMs: config.retryBaseDelayMs,
    maxDelayMs: config.retryMaxDelayMs,
  };
}

export function createEventsQueue(
  connection: Redis,
  prefix: string,
  policy: RetryPolicy,
  logger: Logger,
): Queue<EventJob> {
  const queue = new Queue<EventJob>(EVENTS_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: eventJobOptions(policy),
    // Not skipWaitingForReady: BullMQ's one-time init (INFO, version check) must run on a ready
    // connection or it fails for good. Until then add() waits, and ingest's timeout bounds that.
  });
  return logConnectionErrors(queue, logger, "events queue");
}

/**
 * Every shard's queue (`connections[n]` carries shard n; see queue/shards.ts for the prefix
 * rule). One shard is the single queue under `prefix`, as before sharding.
 */
export function createEventQueues(
  connections: readonly [Redis, ...Redis[]],
  prefix: string,
  policy: RetryPolicy,
  logger: Logger,
): EventQueues {
  const [first, ...rest] = connections;
  return [
    createEventsQueue(first, prefix, policy, logger),
    ...rest.map((connection, i) =>
      createEventsQueue(connection, eventShardPrefix(prefix, i + 1), policy, logger),
    ),
  ];
}

// ── Maintenance: housekeeping jobs the worker runs, by name ─────────────────────────────────

/** Housekeeping jobs the worker runs: bulk replays, alert notifications, retention. */
export const MAINTENANCE_QUEUE = "maintenance";

/** A bulk replay's filter, as JSON (dates as ISO strings). Only settled events are replayed. */
export const ReplayFilterSchema = z.object({
  source: z.string().optional(),
  status: z.enum(TERMINAL_STATUSES).optional(),
  type: z.string().optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  // The console's filters (see EventFilter); /v1's bulk replay does not take them.
  idempotencyKey: z.string().optional(),
  typeGlob: z.string().optional(),
  handler: z.string().optional(),
  bodyPath: z.string().optional(),
  bodyValue: z.string().optional(),
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

/** The retention run carries nothing: it works from the clock and the config. */
export const JanitorJobSchema = z.object({});
export type JanitorJob = z.infer<typeof JanitorJobSchema>;

/** Every maintenance job: its name (BullMQ's `name`) → the schema of its payload. */
export const MAINTENANCE_JOBS = {
  "bulk-replay": BulkReplayJobSchema,
  "slack-alert": SlackAlertJobSchema,
  janitor: JanitorJobSchema,
} as const;
export type MaintenanceJobName = keyof typeof MAINTENANCE_JOBS;
export type MaintenancePayload<N extends MaintenanceJobName> = z.infer<(typeof MAINTENANCE_JOBS)[N]>;
/** A maintenance job as its processor sees it: the name narrows the payload. */
export type MaintenanceJob<N extends MaintenanceJobName = MaintenanceJobName> = Job<
  MaintenancePayload<N>,
  unknown,
  N
>;

/** Adds a named maintenance job with its typed payload (the queue's default options apply). */
export function addMaintenanceJob<N extends MaintenanceJobName>(
  queue: Queue,
  name: N,
  payload: MaintenancePayload<N>,
  opts?: JobsOptions,
): Promise<Job> {
  return queue.add(name, payload, opts);
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

/**
 * Schedules a maintenance job (one schedule per name, its scheduler id): upserting is
 * idempotent, so every replica may call it, and BullMQ runs each occurrence once.
 */
export function scheduleMaintenanceJob<N extends MaintenanceJobName>(
  queue: Queue,
  name: N,
  repeat: Omit<RepeatOptions, "key">,
  payload: MaintenancePayload<N>,
): Promise<Job> {
  return queue.upsertJobScheduler(name, repeat, { name, data: payload });
}

/** One processor per maintenance job name: the compiler insists on all of them. */
export type MaintenanceProcessors = {
  [N in MaintenanceJobName]: (job: MaintenanceJob<N>) => Promise<unknown>;
};

function isMaintenanceJobName(name: string): name is MaintenanceJobName {
  return Object.hasOwn(MAINTENANCE_JOBS, name);
}

/**
 * Runs the processor of the job's name after checking its payload. An unknown name can never
 * succeed (UnrecoverableError, no retries); a payload that does not parse throws zod's error.
 */
export async function dispatchMaintenanceJob(job: Job, processors: MaintenanceProcessors): Promise<unknown> {
  const { name } = job;
  if (!isMaintenanceJobName(name)) throw new UnrecoverableError(`unknown maintenance job "${name}"`);
  MAINTENANCE_JOBS[name].parse(job.data);
  // The payload was just checked against the schema of `name`, which is what the processor takes.
  const run = processors[name] as (job: Job) => Promise<unknown>;
  return run(job);
}

export function createMaintenanceQueue(connection: Redis, prefix: string, logger: Logger): Queue {
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
  return logConnectionErrors(queue, logger, "maintenance queue");
}
