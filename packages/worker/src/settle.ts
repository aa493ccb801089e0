import { type AttemptRow, type Sql, transitionEvent, uuidv7 } from "@hookbox/shared";
import type { ClaimedEvent } from "./claim-event.ts";

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
