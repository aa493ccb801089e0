import type { EventStatus } from "../domain.ts";
import type { Sql } from "./client.ts";

/** The filters of GET /v1/events, bulk replay, stats and the console. */
export interface EventFilter {
  /** A source slug or id. */
  source?: string | undefined;
  status?: EventStatus | undefined;
  /** Exact event type. */
  type?: string | undefined;
  /** Received at or after (inclusive). */
  since?: Date | undefined;
  /** Received before (exclusive). */
  until?: Date | undefined;
  /** Exact idempotency key (served by the ingest uniqueness index, source by source). */
  idempotencyKey?: string | undefined;
  /** Event type glob: `*` any run of characters (`invoice.*`); everything else is literal. */
  typeGlob?: string | undefined;
  /** A handler key or name: events whose source attaches it, or that have an attempt of that key. */
  handler?: string | undefined;
  /** Equality on a JSON path of the body, dotted (`data.object.customer`), compared as text. */
  bodyPath?: string | undefined;
  bodyValue?: string | undefined;
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

/** A body path: dotted names or array indexes, at most 16 deep (`data.items.0.id`). */
export const BODY_PATH = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+){0,15}$/;

/**
 * `WHERE` conditions for `events e JOIN sources s ON s.id = e.source_id`, always scoped to the
 * tenant. One definition for listing, bulk replay and stats: the indexed conditions, then the
 * ones that are checked row by row (see `scanFilterSql`).
 */
export function eventFilterSql(sql: Sql, tenantId: string, filter: EventFilter) {
  return sql`${indexedFilterSql(sql, tenantId, filter)} ${hasScanFilter(filter) ? sql`AND ${scanFilterSql(sql, filter)}` : sql``}`;
}

/** The conditions an index serves (tenant, source, status, exact type, time range, idempotency key). */
export function indexedFilterSql(sql: Sql, tenantId: string, filter: EventFilter) {
  const source = filter.source;
  return sql`e.tenant_id = ${tenantId}
    ${source ? (UUID.test(source) ? sql`AND (s.slug = ${source} OR e.source_id = ${source})` : sql`AND s.slug = ${source}`) : sql``}
    ${filter.status ? statusFilterSql(sql, tenantId, filter.status) : sql``}
    ${filter.type ? sql`AND e.event_type = ${filter.type}` : sql``}
    ${filter.since ? sql`AND e.id >= ${uuidv7Floor(filter.since)}` : sql``}
    ${filter.until ? sql`AND e.id < ${uuidv7Floor(filter.until)}` : sql``}
    ${
      filter.idempotencyKey
        ? // One probe of events_source_idempotency_key per source of the tenant.
          sql`AND e.idempotency_key = ${filter.idempotencyKey}
              AND e.source_id = ANY(ARRAY(SELECT id FROM sources WHERE tenant_id = ${tenantId}))`
        : sql``
    }`;
}

/**
 * A status: no index of event_states covers it (an indexed status would make every transition a
 * non-HOT update), so the rare statuses are found through their side tables — the dead through
 * dead_letters, the unsettled through pending_events (both small and indexed) — and `completed`,
 * nearly every row, by checking the rows the tenant's listing index yields.
 */
function statusFilterSql(sql: Sql, tenantId: string, status: EventStatus) {
  if (status === "dead")
    return sql`AND e.status = 'dead' AND e.id IN (SELECT event_id FROM dead_letters WHERE tenant_id = ${tenantId})`;
  if (status === "completed") return sql`AND e.status = 'completed'`;
  return sql`AND e.status = ${status} AND e.id IN (SELECT id FROM pending_events WHERE tenant_id = ${tenantId})`;
}

/** Whether the filter has conditions no index serves (checked on each row the indexed part yields). */
export function hasScanFilter(filter: EventFilter): boolean {
  return Boolean(filter.typeGlob || filter.handler || (filter.bodyPath && filter.bodyValue !== undefined));
}

/**
 * The row-by-row conditions: type glob (LIKE, with `%`, `_` and `\` of the glob escaped), handler,
 * body path. The body is bytea: `hookbox_try_jsonb` (migration 0005) is NULL for bodies that are
 * not UTF-8 JSON. When the value's bytes must appear verbatim in a JSON text that holds it (ASCII
 * without quote, backslash or slash, which a sender could escape), a byte search runs first so
 * only candidate bodies are parsed.
 */
export function scanFilterSql(sql: Sql, filter: EventFilter) {
  const parts = [];
  if (filter.typeGlob) parts.push(sql`e.event_type LIKE ${globToLike(filter.typeGlob)}`);
  if (filter.handler) {
    const h = filter.handler;
    parts.push(sql`(s.handlers @> ${sql.json([{ key: h }])}::jsonb OR s.handlers @> ${sql.json([{ name: h }])}::jsonb
      OR EXISTS (SELECT 1 FROM attempts a WHERE a.event_id = e.id AND a.handler = ${h}))`);
  }
  if (filter.bodyPath && filter.bodyValue !== undefined) {
    const path = filter.bodyPath.split(".");
    const value = filter.bodyValue;
    const verbatim = /^[\x20-\x7e]+$/.test(value) && !/["\\/]/.test(value);
    parts.push(sql`(${verbatim ? sql`position(${Buffer.from(value, "utf8")}::bytea IN e.body) > 0 AND` : sql``}
      hookbox_try_jsonb(e.body) #>> ${sql.array(path)}::text[] = ${value})`);
  }
  return parts.reduce((acc, part) => sql`${acc} AND ${part}`, sql`TRUE`);
}

/** `invoice.*` → `invoice.%`: only `*` is a wildcard; LIKE's own `%`, `_` and `\` are escaped. */
export function globToLike(glob: string): string {
  return glob.replace(/[\\%_]/g, (c) => `\\${c}`).replaceAll("*", "%");
}
