import type { Sql, TerminalStatus } from "@hookbox/shared";

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

/** Whether the tenant has this event and it has settled (the catch-up mark exists). */
export async function hasCompletedEvent(sql: Sql, tenantId: string, id: string): Promise<boolean> {
  const [mark] = await sql`
    SELECT 1 FROM event_states WHERE id = ${id} AND tenant_id = ${tenantId} AND completed_at IS NOT NULL`;
  return mark !== undefined;
}

/**
 * One page of the tenant's settled events after event `after`, in settlement order
 * (settlements_tenant_settled_idx: append-only, one row per settled run, so the event states
 * need no index on their completion time). The position is compared in SQL against the mark's
 * own row: timestamps are microseconds in Postgres but milliseconds in a JS Date, so a round
 * trip would re-send the mark. A settlement whose run was since replayed again is skipped (its
 * event is no longer in that state); the newest settlement of each event is the one sent.
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
      FROM settlements x
      JOIN events e ON e.id = x.event_id AND e.run = x.run AND e.completed_at = x.settled_at
      JOIN sources s ON s.id = e.source_id
      WHERE x.tenant_id = ${tenantId}
        AND (x.settled_at, x.event_id) > (SELECT m.completed_at, m.id FROM event_states m WHERE m.id = ${after})
      ORDER BY x.settled_at, x.event_id
      LIMIT ${limit}`;
}
