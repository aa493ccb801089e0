import { EVENT_STATUSES, eventFilterSql, type Sql } from "@hookbox/shared";

/**
 * Everything is aggregated by Postgres; no event row is loaded. One read-only snapshot, so the
 * totals and the percentiles describe the same moment. Runs on the management pool, whose
 * statement timeout (MANAGEMENT_STATEMENT_TIMEOUT_MS) bounds a long range.
 */
export async function computeStats(db: Sql, tenantId: string, since: Date, until: Date) {
  const [byStatus, bySource, topTypes, summary] = await db.begin(
    "isolation level repeatable read read only",
    async (sql) => {
      const from = sql`FROM events e JOIN sources s ON s.id = e.source_id WHERE ${eventFilterSql(sql as unknown as Sql, tenantId, { since, until })}`;
      return Promise.all([
        sql<
          { status: string; count: number }[]
        >`SELECT e.status, count(*)::int AS count ${from} GROUP BY e.status`,
        sql<
          { source: string; count: number }[]
        >`SELECT s.slug AS source, count(*)::int AS count ${from} GROUP BY s.slug ORDER BY count DESC, s.slug`,
        sql<{ type: string | null; count: number }[]>`
      SELECT e.event_type AS type, count(*)::int AS count ${from} GROUP BY e.event_type ORDER BY count DESC, e.event_type LIMIT 10`,
        sql<{ first: Date | null; last: Date | null; p: (number | null)[] | null }[]>`
      SELECT min(e.received_at) AS first, max(e.received_at) AS last,
             percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (
               ORDER BY extract(epoch FROM e.completed_at - e.received_at) * 1000
             ) FILTER (WHERE e.status = 'completed') AS p
      ${from}`,
      ]);
    },
  );
  const counts = Object.fromEntries(EVENT_STATUSES.map((s) => [s, 0])) as Record<string, number>;
  for (const row of byStatus) counts[row.status] = row.count;
  const [p50, p95, p99] = summary[0]?.p ?? [null, null, null];
  const round = (v: number | null | undefined) =>
    v === null || v === undefined ? null : Math.round(v * 100) / 100;
  return {
    since: since.toISOString(),
    until: until.toISOString(),
    total: byStatus.reduce((n, r) => n + r.count, 0),
    byStatus: counts,
    bySource,
    topTypes,
    firstReceivedAt: summary[0]?.first?.toISOString() ?? null,
    lastReceivedAt: summary[0]?.last?.toISOString() ?? null,
    latencyMs: { p50: round(p50), p95: round(p95), p99: round(p99) },
  };
}
