import {
  createBatcher,
  currentTraceCarrier,
  type EventQueues,
  enqueueEvents,
  type Sql,
  type TraceCarrier,
  transitionEvents,
} from "@hookbox/shared";
import { INGEST_QUERY_TIMEOUT_MS } from "./persist.ts";

export type EnqueueResult = { queued: true } | { queued: false; error: unknown };

export interface EventEnqueuer {
  enqueue(eventId: string): Promise<EnqueueResult>;
}

/**
 * Adds the events' jobs (jobId = event id, so a second add is a no-op) with one `addBulk` per
 * batch and shard, bounded by `timeoutMs`. Rows were inserted as `queued`; when Redis is slow or away they
 * are moved back to `received` (the reconciler's to-do list) and the sender still gets its 202
 * within the timeout. Each job carries the trace context of the request that submitted it (taken
 * at submit: the batch's flush runs in one request's context, not each one's).
 */
export function createEventEnqueuer(
  deps: { sql: Sql; queues: EventQueues },
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
        return ids.map(() => ({ queued: false, error }));
      } finally {
        clearTimeout(timer);
      }
      return ids.map(() => ({ queued: true }) as const);
    },
    options,
  );
  return { enqueue: (eventId) => batcher.submit({ id: eventId, trace: currentTraceCarrier() }) };
}
