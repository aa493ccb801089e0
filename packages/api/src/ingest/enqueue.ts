import {
  createBatcher,
  currentTraceCarrier,
  type EventQueues,
  enqueueEvents,
  type Logger,
  type Metrics,
  type Sql,
  type TraceCarrier,
  transitionEvents,
} from "@hookbox/shared";
import { INGEST_QUERY_TIMEOUT_MS } from "./persist.ts";

export type EnqueueResult = { queued: true } | { queued: false; error: unknown };

export interface EventEnqueuer {
  /**
   * Adds the job of a committed `queued` row. Never rejects: a failure has already moved the row
   * back to `received` (or left it to the reconciler) when the promise resolves `queued: false`.
   */
  enqueue(eventId: string): Promise<EnqueueResult>;
  /** Enqueues submitted and not yet settled (the caller of one just submitted included). */
  pending(): number;
  /** Resolves once every enqueue submitted so far has settled (shutdown, before Redis closes). */
  drain(): Promise<void>;
}

/**
 * Adds the events' jobs (jobId = event id, so a second add is a no-op) with one `addBulk` per
 * batch and shard, bounded by `timeoutMs`. Rows were inserted as `queued`; when Redis is slow or
 * away they are moved back to `received` (the reconciler's to-do list), counted and logged here:
 * ingest answers without waiting for this (docs/adr/0013-ack-without-redis.md). Each job carries
 * the trace context of the request that submitted it (taken at submit: the batch's flush runs in
 * one request's context, not each one's).
 */
export function createEventEnqueuer(
  deps: { sql: Sql; queues: EventQueues; metrics: Metrics; logger: Logger },
  options: { timeoutMs: number; maxItems: number; maxWaitMs: number },
): EventEnqueuer {
  const batcher = createBatcher<{ id: string; trace: TraceCarrier | undefined }, EnqueueResult>(
    async (items) => {
      const ids = items.map((item) => item.id);
      let timer: NodeJS.Timeout | undefined;
      try {
        // Freshly inserted rows are the original run (0): job id = event id.
        const add = enqueueEvents(
          deps.queues,
          items.map(({ id, trace }) => ({ id, run: 0, trace })),
        );
        add.catch(() => {}); // it may still settle after the timeout
        await Promise.race([
          add,
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`enqueue timed out after ${options.timeoutMs} ms`)),
              options.timeoutMs,
            );
          }),
        ]);
      } catch (error) {
        // Say what is true. If this update fails too, the reconciler still finds the rows: it
        // checks the job of every unsettled row, `queued` ones included.
        await transitionEvents(deps.sql, ids, "unqueue", {}, { timeoutMs: INGEST_QUERY_TIMEOUT_MS }).catch(
          () => [],
        );
        deps.metrics.enqueueFailures.inc(ids.length);
        deps.logger.warn(
          { eventIds: ids, count: ids.length, err: error },
          "enqueue failed; the reconciler will enqueue these events",
        );
        return ids.map(() => ({ queued: false, error }));
      } finally {
        clearTimeout(timer);
      }
      return ids.map(() => ({ queued: true }) as const);
    },
    options,
  );
  let pending = 0;
  let idle: { promise: Promise<void>; resolve: () => void } | undefined;
  const settled = () => {
    pending--;
    if (pending === 0 && idle) {
      idle.resolve();
      idle = undefined;
    }
  };
  return {
    enqueue(eventId) {
      pending++;
      return batcher
        .submit({ id: eventId, trace: currentTraceCarrier() })
        .catch((error: unknown): EnqueueResult => ({ queued: false, error }))
        .finally(settled);
    },
    pending: () => pending,
    drain() {
      if (pending === 0) return Promise.resolve();
      if (!idle) {
        let resolve = () => {};
        const promise = new Promise<void>((r) => {
          resolve = r;
        });
        idle = { promise, resolve };
      }
      return idle.promise;
    },
  };
}
