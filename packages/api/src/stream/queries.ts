import { type Sql, TERMINAL_STATUSES_SQL, type TerminalStatus } from "@hookbox/shared";

export interface SettledRow {
  id: string;
  tenantId: string;
  source: string;
  type: string | null;
  status: TerminalStatus;
  attempts: number;
  receivedAt: Date;
  completedAt: Date;
}

/** Whether the tenant has this event and it has completed (the catch-up mark exists). */
export async function hasCompletedEvent(sql: Sql, tenantId: string, id: string): Promise<boolean> {
  const [mark] = await sql`
    SELECT 1 FROM events WHERE id = ${id} AND tenant_id = ${tenantId} AND completed_at IS NOT NULL`;
  return mark !== undefined;
}

/**
 * One page of the tenant's settled events after event `after`, in completion order
 * (events_tenant_completed_idx). The position is compared in SQL against the row itself:
 * timestamps are microseconds in Postgres but milliseconds in a JS Date, so a round trip would
 * re-send the mark.
 */
export async function listSettledAfter(
  sql: Sql,
  tenantId: string,
  after: string,
  limit: number,
): Promise<SettledRow[]> {
  return sql<SettledRow[]>`
      SELECT e.id, e.tenant_id AS "tenantId", s.slug AS source, e.event_type AS type, e.status,
             e.attempt_count AS attempts, e.received_at AS "receivedAt", e.completed_at AS "completedAt"
      FROM events e JOIN sources s ON s.id = e.source_id
      WHERE e.tenant_id = ${tenantId} AND e.status IN (${sql.unsafe(TERMINAL_STATUSES_SQL)})
        AND (e.completed_at, e.id) > (SELECT m.completed_at, m.id FROM events m WHERE m.id = ${after})
      ORDER BY e.completed_at, e.id
      LIMIT ${limit}`;
}
