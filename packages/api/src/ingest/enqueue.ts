import { EVENT_JOB_NAME, type EventJob, type Sql, transitionEvents } from "@hookbox/shared";
import type { Queue } from "bullmq";
import { createBatcher } from "./batcher.ts";
import { INGEST_QUERY_TIMEOUT_MS } from "./persist.ts";

export type EnqueueResult = { queued: true } | { queued: false; error: unknown };

export interface EventEnqueuer {
  enqueue(eventId: string): Promise<EnqueueResult>;
}

/**
 * Adds the events' jobs (jobId = event id, so a second add is a no-op) with one `addBulk` per
 * batch, bounded by `timeoutMs`: a slow or absent Redis moves the rows back to `received` for
 * the reconciler and never holds the sender's request.
 */
export function createEventEnqueuer(
  deps: { sql: Sql; queue: Queue<EventJob> },
  options: { timeoutMs: number; maxItems: number; maxWaitMs: number },
): EventEnqueuer {
  const batcher = createBatcher<string, EnqueueResult>(async (ids) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const add = deps.queue.addBulk(
        ids.map((eventId) => ({ name: EVENT_JOB_NAME, data: { eventId }, opts: { jobId: eventId } })),
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
      return ids.map(() => ({ queued: false, error }));
    } finally {
      clearTimeout(timer);
    }
    void transitionEvents(deps.sql, ids, "enqueue", {}, { timeoutMs: INGEST_QUERY_TIMEOUT_MS }).catch(
      () => [],
    );
    return ids.map(() => ({ queued: true }) as const);
  }, options);
  return { enqueue: (eventId) => batcher.submit(eventId) };
}
