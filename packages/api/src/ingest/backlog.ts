import { countWaitingEvents, type EventQueues } from "@hookbox/shared";

export interface BacklogGauge {
  /** Jobs waiting, as of the last refresh (never a Redis call on the request path). */
  waiting(): number;
  stop(): void;
}

/**
 * Refreshes the event queues' waiting count (summed over the shards) in the background every `intervalMs`. While Redis
 * does not answer, the last known count stays (ingest still accepts: the rows are durable).
 */
export function createBacklogGauge(queues: EventQueues, intervalMs = 500): BacklogGauge {
  let waiting = 0;
  let inFlight = false;
  const refresh = async () => {
    if (inFlight) return;
    inFlight = true;
    try {
      waiting = await countWaitingEvents(queues);
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
