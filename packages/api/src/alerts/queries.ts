import type { Sql } from "@hookbox/shared";

export type AlertStatus = "open" | "acknowledged";

export interface AlertRow {
  id: string;
  kind: string;
  eventId: string | null;
  source: string | null;
  message: string;
  createdAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
}

export const toAlertView = (r: AlertRow) => ({
  ...r,
  createdAt: r.createdAt.toISOString(),
  acknowledgedAt: r.acknowledgedAt?.toISOString() ?? null,
});

const columns = (sql: Sql) => sql`
  a.id, a.kind, a.event_id AS "eventId", s.slug AS source, a.message, a.created_at AS "createdAt",
  a.acknowledged_at AS "acknowledgedAt", a.acknowledged_by AS "acknowledgedBy"`;

/** The tenant's alerts, newest first, keyset on the id (`limit + 1` rows: see http/cursor's page()). */
export async function listAlerts(
  sql: Sql,
  tenantId: string,
  status: AlertStatus | undefined,
  limit: number,
  cursor: string | undefined,
): Promise<AlertRow[]> {
  return sql<AlertRow[]>`
      SELECT ${columns(sql)} FROM alerts a LEFT JOIN sources s ON s.id = a.source_id
      WHERE a.tenant_id = ${tenantId}
        ${status === "open" ? sql`AND a.acknowledged_at IS NULL` : status === "acknowledged" ? sql`AND a.acknowledged_at IS NOT NULL` : sql``}
        ${cursor ? sql`AND a.id < ${cursor}` : sql``}
      ORDER BY a.id DESC LIMIT ${limit + 1}`;
}

export async function getAlert(sql: Sql, tenantId: string, id: string): Promise<AlertRow | undefined> {
  const [row] = await sql<AlertRow[]>`
      SELECT ${columns(sql)} FROM alerts a LEFT JOIN sources s ON s.id = a.source_id
      WHERE a.id = ${id} AND a.tenant_id = ${tenantId}`;
  return row;
}

/** Acknowledges open alerts of the tenant among `ids`; returns how many changed. */
export async function acknowledgeAlerts(
  sql: Sql,
  tenantId: string,
  ids: string[],
  by: string,
): Promise<number> {
  const rows = await sql`
    UPDATE alerts SET acknowledged_at = now(), acknowledged_by = ${by}
    WHERE id = ANY(${sql.array(ids)}::uuid[]) AND tenant_id = ${tenantId} AND acknowledged_at IS NULL
    RETURNING id`;
  return rows.length;
}
