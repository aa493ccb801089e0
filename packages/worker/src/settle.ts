import {
  type AttemptRow,
  type BatcherOptions,
  createBatcher,
  eachAlone,
  isDatabaseUnavailable,
  type Sql,
  type TransitionedEvent,
  transitionEvent,
  transitionEvents,
  uuidv7,
} from "@hookbox/shared";
import { BATCH_QUERY_TIMEOUT_MS, type ClaimedEvent } from "./claim-event.ts";

export interface EventCompleter {
  /**
   * processing → completed with this run's attempt rows; resolves once committed. Null when the
   * event was not `processing` any more (another worker settled it).
   */
  complete(eventId: string, attempts: readonly AttemptRow[]): Promise<TransitionedEvent | null>;
}

/**
 * Group settle: jobs that finish together share one statement (see `createBatcher`) that
 * records their attempts and completes their rows; each job still finishes only after its own
 * row is committed.
 */
export function createEventCompleter(sql: Sql, options: BatcherOptions): EventCompleter {
  type Item = { eventId: string; attempts: readonly AttemptRow[] };
  // Postgres returns ids in lowercase; a job may carry another spelling of the same uuid.
  const key = (item: Item) => item.eventId.toLowerCase();
  const completeAll = async (items: readonly Item[]) => {
    const moved = await transitionEvents(
      sql,
      items.map((i) => i.eventId),
      "complete",
      { lastError: null },
      { attempts: items.flatMap((i) => i.attempts), timeoutMs: BATCH_QUERY_TIMEOUT_MS },
    );
    return new Map(moved.map((m) => [m.id, m]));
  };
  const batcher = createBatcher<Item, TransitionedEvent | null>(async (items) => {
    let byId: Map<string, TransitionedEvent>;
    try {
      byId = await completeAll(items);
    } catch (error) {
      // One bad row must not fail its neighbours: settle them one by one (outages still fail fast).
      if (items.length === 1 || isDatabaseUnavailable(error)) throw error;
      return eachAlone(items, async (item) => (await completeAll([item])).get(key(item)) ?? null);
    }
    // The same event twice in one batch: only the first caller moved it.
    return items.map((item) => {
      const result = byId.get(key(item)) ?? null;
      byId.delete(key(item));
      return result;
    });
  }, options);
  return { complete: (eventId, attempts) => batcher.submit({ eventId, attempts }) };
}

/**
 * processing → dead, and its `dead_letter` alert, in one transaction: a worker that dies in
 * between leaves neither, so the re-run does both. The guarded transition lets exactly one
 * caller through, and the alert's unique (kind, event, run) index backs that up.
 */
export async function killEvent(
  sql: Sql,
  event: ClaimedEvent,
  lastError: string,
  attempts: readonly AttemptRow[],
): Promise<{ completedAt: Date; alertId: string } | null> {
  return sql.begin(async (tx) => {
    const moved = await transitionEvent(tx as unknown as Sql, event.id, "kill", { lastError }, { attempts });
    if (!moved?.completedAt) return null;
    const alertId = uuidv7();
    const message =
      `Event ${event.id} from source "${event.source}"${event.eventType ? ` (${event.eventType})` : ""} is dead after ${event.attemptCount} attempt${event.attemptCount === 1 ? "" : "s"}: ${lastError}`.slice(
        0,
        2000,
      );
    await tx`
      INSERT INTO alerts (id, tenant_id, kind, event_id, source_id, run, message)
      SELECT ${alertId}, tenant_id, 'dead_letter', id, source_id, run, ${message} FROM events WHERE id = ${event.id}
      ON CONFLICT DO NOTHING`;
    return { completedAt: moved.completedAt, alertId };
  });
}
