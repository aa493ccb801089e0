import type { EventStatus } from "../domain.ts";
import type { Sql } from "./client.ts";

/** The filters of GET /v1/events, bulk replay and stats. */
export interface EventFilter {
  /** A source slug or id. */
  source?: string | undefined;
  status?: EventStatus | undefined;
  type?: string | undefined;
  /** Received at or after (inclusive). */
  since?: Date | undefined;
  /** Received before (exclusive). */
  until?: Date | undefined;
}

/**
 * The smallest uuid v7 of a millisecond. Event ids are uuid v7 stamped at receipt, so a time
 * range is an id range, served by the same (tenant_id, id) index as the listing itself.
 */
export function uuidv7Floor(at: Date): string {
  const hex = Math.max(0, Math.min(at.getTime(), 2 ** 48 - 1))
    .toString(16)
    .padStart(12, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `WHERE` conditions for `events e JOIN sources s ON s.id = e.source_id`, always scoped to the
 * tenant. One definition for listing, bulk replay and stats.
 */
export function eventFilterSql(sql: Sql, tenantId: string, filter: EventFilter) {
  const source = filter.source;
  return sql`e.tenant_id = ${tenantId}
    ${source ? (UUID.test(source) ? sql`AND (s.slug = ${source} OR e.source_id = ${source})` : sql`AND s.slug = ${source}`) : sql``}
    ${filter.status ? sql`AND e.status = ${filter.status}` : sql``}
    ${filter.type ? sql`AND e.event_type = ${filter.type}` : sql``}
    ${filter.since ? sql`AND e.id >= ${uuidv7Floor(filter.since)}` : sql``}
    ${filter.until ? sql`AND e.id < ${uuidv7Floor(filter.until)}` : sql``}`;
}
