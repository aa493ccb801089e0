import {
  type AttemptRow,
  type BatcherOptions,
  type CompletionMessage,
  createBatcher,
  eachAlone,
  isDatabaseUnavailable,
  type Sql,
  type TerminalStatus,
  type TransitionedEvent,
  transitionEvent,
  transitionEvents,
  uuidv7,
} from "@hookbox/shared";
import { BATCH_QUERY_TIMEOUT_MS, type ClaimedEvent } from "./claim-event.ts";
import type { WorkerDeps } from "./deps.ts";

/**
 * Where an event's run ends up after one pass over its handlers. This module owns every way out:
 * complete, retry, kill (dead + alert), release (handed back for another worker), and the
 * metrics and completion message of a settled event. `process-event.ts` only decides which.
 */

export interface EventCompleter {
  /**
   * processing → completed with this pass's attempt rows; resolves once committed. Null when the
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

/** Every handler that applies has succeeded (or was filtered): completed, published. */
export async function completeEvent(
  deps: WorkerDeps,
  event: ClaimedEvent,
  attempts: readonly AttemptRow[],
): Promise<void> {
  const done = await deps.completer.complete(event.id, attempts);
  if (done?.completedAt) await settled(deps, event, "completed", done.completedAt);
}

/** Some handler will run again at `retryAt`: retrying, with this pass's attempts recorded. */
export async function retryEvent(
  deps: WorkerDeps,
  event: ClaimedEvent,
  lastError: string | undefined,
  retryAt: Date,
  attempts: readonly AttemptRow[],
): Promise<void> {
  // `undefined`: nothing failed in this pass (a key was not due yet); the last error stays.
  await transitionEvent(deps.sql, event.id, "retry", { lastError, nextAttemptAt: retryAt }, { attempts });
}

/**
 * processing → dead, and its `dead_letter` alert, in one transaction: a worker that dies in
 * between leaves neither, so the re-run does both. The guarded transition lets exactly one
 * caller through, and the alert's unique (kind, event, run) index backs that up. Then the
 * metric, the Slack notification and the completion message, once.
 */
export async function killEvent(
  deps: WorkerDeps,
  event: ClaimedEvent,
  lastError: string,
  attempts: readonly AttemptRow[],
): Promise<boolean> {
  const dead = await deps.sql.begin(async (tx) => {
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
  if (!dead) return false;
  deps.logger.warn(
    { eventId: event.id, source: event.source, lastError, alertId: dead.alertId },
    "event dead-lettered",
  );
  deps.metrics.deadEvents.inc({ source: event.source });
  await deps.notifyAlert(dead.alertId);
  await settled(deps, event, "dead", dead.completedAt);
  return true;
}

/**
 * This worker cannot run one of the event's handlers (not deployed here, or this version
 * refuses its config): the claim is undone — back to `queued`, the attempt not counted — so a
 * worker that has it takes the job. `reason` is shown as the event's last error meanwhile.
 */
export async function releaseEvent(deps: WorkerDeps, event: ClaimedEvent, reason: string): Promise<void> {
  await transitionEvent(deps.sql, event.id, "release", { lastError: reason, undoAttempt: true });
}

/**
 * The event's tenant holds its share of this worker's slots (see tenant-share.ts): the claim is
 * undone, as by `releaseEvent`, but the last error stays: nothing failed, the event waits its turn.
 */
export async function deferEvent(deps: WorkerDeps, event: ClaimedEvent): Promise<void> {
  await transitionEvent(deps.sql, event.id, "release", { undoAttempt: true });
}

/** Metrics and the completion message of a settled event. Publishing never fails the job. */
async function settled(deps: WorkerDeps, event: ClaimedEvent, status: TerminalStatus, completedAt: Date) {
  const durationMs = completedAt.getTime() - event.receivedAt.getTime();
  deps.metrics.eventsSettled.inc({ source: event.source, status });
  if (status === "completed")
    deps.metrics.endToEndLatency.observe({ source: event.source }, durationMs / 1000);
  const message: CompletionMessage = {
    id: event.id,
    tenantId: event.tenantId,
    source: event.source,
    type: event.eventType,
    status,
    attempts: event.attemptCount,
    receivedAt: event.receivedAt.toISOString(),
    completedAt: completedAt.toISOString(),
    durationMs,
  };
  await deps.publisher
    .publish(message)
    .catch((error: unknown) =>
      deps.logger.warn(
        { eventId: event.id, err: error },
        "completion publish failed (pub/sub is best effort)",
      ),
    );
}
