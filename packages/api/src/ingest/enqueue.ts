import { EVENT_JOB_NAME, type EventJob, type Sql, transitionEvent } from "@hookbox/shared";
import type { Queue } from "bullmq";
import { INGEST_QUERY_TIMEOUT_MS } from "./persist.ts";

/**
 * Adds the event's job (jobId = event id, so a second add is a no-op) and marks the row
 * `queued`. Bounded by `timeoutMs`: a slow or absent Redis leaves the row `received` for the
 * reconciler and never holds the sender's request.
 */
export async function enqueueEvent(
  deps: { sql: Sql; queue: Queue<EventJob> },
  eventId: string,
  timeoutMs: number,
): Promise<{ queued: true } | { queued: false; error: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`enqueue timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const add = deps.queue.add(EVENT_JOB_NAME, { eventId }, { jobId: eventId });
    add.catch(() => {}); // it may still settle after the timeout
    await Promise.race([add, timeout]);
  } catch (error) {
    return { queued: false, error };
  } finally {
    clearTimeout(timer);
  }
  // The job exists; if this update fails the reconciler finds a `received` row with a live job
  // and only marks it. The worker also accepts `received`, so nothing waits on this.
  await transitionEvent(deps.sql, eventId, "enqueue", {}, { timeoutMs: INGEST_QUERY_TIMEOUT_MS }).catch(
    () => null,
  );
  return { queued: true };
}
