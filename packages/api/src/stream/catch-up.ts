import type { CompletionMessage, Sql } from "@hookbox/shared";

const PAGE = 500;

interface SettledRow {
  id: string;
  tenantId: string;
  source: string;
  type: string | null;
  status: "completed" | "dead";
  attempts: number;
  receivedAt: Date;
  completedAt: Date;
}

function toMessage(row: SettledRow): CompletionMessage {
  return {
    ...row,
    receivedAt: row.receivedAt.toISOString(),
    completedAt: row.completedAt.toISOString(),
    durationMs: row.completedAt.getTime() - row.receivedAt.getTime(),
  };
}

/**
 * Every completion of the tenant after the one with id `lastEventId`, in completion order,
 * read from Postgres page by page (events_tenant_completed_idx). Unknown id → nothing.
 */
export async function* completionsAfter(
  sql: Sql,
  tenantId: string,
  lastEventId: string,
): AsyncGenerator<CompletionMessage> {
  const [mark] = await sql`
    SELECT 1 FROM events WHERE id = ${lastEventId} AND tenant_id = ${tenantId} AND completed_at IS NOT NULL`;
  if (!mark) return;
  // The position is compared in SQL against the row itself: timestamps are microseconds in
  // Postgres but milliseconds in a JS Date, so a round trip would re-send the mark.
  let after = lastEventId;
  for (;;) {
    const rows = await sql<SettledRow[]>`
      SELECT e.id, e.tenant_id AS "tenantId", s.slug AS source, e.event_type AS type, e.status,
             e.attempt_count AS attempts, e.received_at AS "receivedAt", e.completed_at AS "completedAt"
      FROM events e JOIN sources s ON s.id = e.source_id
      WHERE e.tenant_id = ${tenantId} AND e.status IN ('completed', 'dead')
        AND (e.completed_at, e.id) > (SELECT m.completed_at, m.id FROM events m WHERE m.id = ${after})
      ORDER BY e.completed_at, e.id
      LIMIT ${PAGE}`;
    for (const row of rows) yield toMessage(row);
    const last = rows.at(-1);
    if (!last || rows.length < PAGE) return;
    after = last.id;
  }
}
