import {
  type EventFilter,
  hasScanFilter,
  indexedFilterSql,
  type Sql,
  scanFilterSql,
  TRANSITIONS,
} from "@hookbox/shared";
import { listEvents, type SummaryRow, summaryColumns, toSummary } from "../events/queries.ts";
import type { EventSummary } from "../events/schemas.ts";

/**
 * How many events of the indexed part of a filter one page examines for the row-by-row
 * conditions (type glob, handler, body path): the bound that keeps a page fast on a big inbox.
 * A page that found fewer matches says where it stopped and continues from there.
 */
export const SCAN_WINDOW = 25_000;

export interface EventPage {
  data: EventSummary[];
  /** Id to continue before (keyset), or null at the end. */
  nextBefore: string | null;
  /** Set when the window ran out before the page filled: the oldest event examined. */
  scannedTo: { id: string; receivedAt: string } | null;
}

/** The console's event list: /v1's listEvents, or, with row-by-row filters, a bounded scan. */
export async function listEventPage(
  sql: Sql,
  tenantId: string,
  filter: EventFilter,
  limit: number,
  before: string | undefined,
): Promise<EventPage> {
  if (!hasScanFilter(filter)) {
    const rows = await listEvents(sql, tenantId, filter, limit, before);
    const data = rows.slice(0, limit);
    return { data, nextBefore: rows.length > limit ? (data.at(-1)?.id ?? null) : null, scannedTo: null };
  }
  // The inner query walks the index newest first for at most SCAN_WINDOW rows; `hit` is checked on
  // each, and the outer LIMIT stops the walk as soon as the page is full. The row numbered
  // SCAN_WINDOW comes back even when it does not match: it marks where the window ended.
  const rows = await sql<(SummaryRow & { hit: boolean; rn: number })[]>`
    SELECT * FROM (
      SELECT ${summaryColumns(sql)}, (${scanFilterSql(sql, filter)}) AS hit,
             row_number() OVER (ORDER BY e.id DESC) AS rn
      FROM events e JOIN sources s ON s.id = e.source_id
      WHERE ${indexedFilterSql(sql, tenantId, filter)} ${before ? sql`AND e.id < ${before}` : sql``}
      ORDER BY e.id DESC LIMIT ${SCAN_WINDOW}
    ) w WHERE hit OR rn = ${SCAN_WINDOW}
    ORDER BY id DESC LIMIT ${limit + 1}`;
  const hits = rows.filter((r) => r.hit).map(({ hit: _h, rn: _r, ...row }) => toSummary(row));
  if (hits.length > limit) {
    const data = hits.slice(0, limit);
    return { data, nextBefore: data.at(-1)?.id ?? null, scannedTo: null };
  }
  const edge = rows.find((r) => Number(r.rn) === SCAN_WINDOW);
  return {
    data: hits,
    nextBefore: edge?.id ?? null,
    scannedTo: edge ? { id: edge.id, receivedAt: edge.receivedAt.toISOString() } : null,
  };
}

/** Settled events matching the filter: what a bulk replay would replay (the dry run). */
export async function countReplayable(sql: Sql, tenantId: string, filter: EventFilter): Promise<number> {
  const [row] = await sql.begin("read only", async (tx) => {
    // A body-path count over a large range may take longer than the pool's statement timeout.
    await tx`SET LOCAL statement_timeout = '30s'`;
    return tx<{ n: number }[]>`
      SELECT count(*)::int AS n FROM events e JOIN sources s ON s.id = e.source_id
      WHERE ${indexedFilterSql(tx as unknown as Sql, tenantId, filter)}
        ${hasScanFilter(filter) ? tx`AND ${scanFilterSql(tx as unknown as Sql, filter)}` : tx``}
        AND e.status = ANY(${tx.array([...TRANSITIONS.replay.from])}::event_status[])`;
  });
  return row?.n ?? 0;
}

/** The overview's tenant-scoped counts: unsettled events (backlog) and dead-letterings in the last hour. */
export async function countBacklogAndDead(sql: Sql, tenantId: string) {
  // pending_events is the unsettled events (small); settlements_tenant_settled_idx the dead-letterings.
  const [row] = await sql<{ backlog: number; dead: number }[]>`
    SELECT (SELECT count(*)::int FROM pending_events WHERE tenant_id = ${tenantId}) AS backlog,
           (SELECT count(*)::int FROM settlements
            WHERE tenant_id = ${tenantId} AND settled_at >= now() - interval '1 hour' AND status = 'dead') AS dead`;
  return row ?? { backlog: 0, dead: 0 };
}
