import type { EventJob } from "@hookbox/shared";
import type { Queue } from "bullmq";

export interface BacklogGauge {
  /** Jobs waiting, as of the last refresh (never a Redis call on the request path). */
  waiting(): number;
  stop(): void;
}

/**
 * Refreshes the events queue's waiting count in the background every `intervalMs`. While Redis
 * does not answer, the last known count stays (ingest still accepts: the rows are durable).
 */
export function createBacklogGauge(queue: Queue<EventJob>, intervalMs = 500): BacklogGauge {
  let waiting = 0;
  let inFlight = false;
  const refresh = async () => {
    if (inFlight) return;
    inFlight = true;
    try {
      waiting = await queue.getWaitingCount();
    } catch {
      // keep the last value
    } finally {
      inFlight = false;
    }
  };
  const timer = setInterval(refresh, intervalMs);
  timer.unref();
  void refresh();
  return { waiting: () => waiting, stop: () => clearInterval(timer) };
}
