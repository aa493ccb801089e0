import { isUtf8 } from "node:buffer";
import {
  AppError,
  type AttemptOutcome,
  type EventFilter,
  type EventStatus,
  eventFilterSql,
  type HandlerSpec,
  handlerKeyOf,
  type Sql,
  TRANSITIONS,
} from "@hookbox/shared";
import type { EventSummary, EventView } from "./schemas.ts";

export interface SummaryRow {
  id: string;
  source: string;
  type: string | null;
  idempotencyKey: string | null;
  status: EventStatus;
  attemptCount: number;
  run: number;
  receivedAt: Date;
  queuedAt: Date | null;
  startedAt: Date | null;
  completedAt: Date | null;
  nextAttemptAt: Date | null;
  lastError: string | null;
  contentType: string | null;
  size: number;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toSummary(row: SummaryRow): EventSummary {
  return {
    ...row,
    receivedAt: row.receivedAt.toISOString(),
    queuedAt: iso(row.queuedAt),
    startedAt: iso(row.startedAt),
    completedAt: iso(row.completedAt),
    nextAttemptAt: iso(row.nextAttemptAt),
  };
}

export const summaryColumns = (sql: Sql) => sql`
  e.id, s.slug AS source, e.event_type AS type, e.idempotency_key AS "idempotencyKey", e.status,
  e.attempt_count AS "attemptCount", e.run, e.received_at AS "receivedAt", e.queued_at AS "queuedAt",
  e.started_at AS "startedAt", e.completed_at AS "completedAt", e.next_attempt_at AS "nextAttemptAt",
  e.last_error AS "lastError", e.content_type AS "contentType", e.size`;

/**
 * Newest first, keyset on the time-ordered id: stable while new events arrive, no OFFSET.
 * Served by events_tenant_id_idx (or the status / type / source variants).
 */
export async function listEvents(
  sql: Sql,
  tenantId: string,
  filter: EventFilter,
  limit: number,
  cursor: string | undefined,
): Promise<EventSummary[]> {
  const rows = await sql<SummaryRow[]>`
    SELECT ${summaryColumns(sql)}
    FROM events e JOIN sources s ON s.id = e.source_id
    WHERE ${eventFilterSql(sql, tenantId, filter)} ${cursor ? sql`AND e.id < ${cursor}` : sql``}
    ORDER BY e.id DESC
    LIMIT ${limit + 1}`;
  return rows.map(toSummary);
}

export async function getEvent(sql: Sql, tenantId: string, id: string): Promise<EventView> {
  const [row] = await sql<
    (SummaryRow & {
      headers: Record<string, string>;
      body: Buffer;
      specs: HandlerSpec[];
      runHandlers: string[] | null;
    })[]
  >`
    SELECT ${summaryColumns(sql)}, e.headers, e.body, s.handlers AS specs, e.run_handlers AS "runHandlers"
    FROM events e JOIN sources s ON s.id = e.source_id
    WHERE e.id = ${id} AND e.tenant_id = ${tenantId}`;
  if (!row) throw new AppError("not_found", "No such event.");
  const runs = await sql<
    {
      handler: string;
      attempt: number;
      run: number;
      startedAt: Date;
      finishedAt: Date;
      outcome: AttemptOutcome;
      error: string | null;
      durationMs: number;
      nextAttemptAt: Date | null;
    }[]
  >`
    SELECT handler, attempt, run, started_at AS "startedAt", finished_at AS "finishedAt", outcome, error,
           duration_ms AS "durationMs", next_attempt_at AS "nextAttemptAt"
    FROM attempts WHERE event_id = ${id} ORDER BY id`;
  const { headers, body, specs, runHandlers, ...summary } = row;
  const utf8 = isUtf8(body);
  return {
    ...toSummary(summary),
    headers,
    body: body.toString(utf8 ? "utf8" : "base64"),
    bodyEncoding: utf8 ? "utf8" : "base64",
    attempts: runs.map((a) => ({
      ...a,
      startedAt: a.startedAt.toISOString(),
      finishedAt: a.finishedAt.toISOString(),
      nextAttemptAt: iso(a.nextAttemptAt),
    })),
    handlers: specs.map((spec) => {
      const key = handlerKeyOf(spec);
      const mine = runs.filter((a) => a.run === row.run && a.handler === key);
      const last = mine.at(-1);
      const status =
        runHandlers && !runHandlers.includes(key)
          ? "carried"
          : mine.some((a) => a.outcome === "success")
            ? "succeeded"
            : last?.outcome === "filtered"
              ? "filtered"
              : last
                ? "failed"
                : "pending";
      return {
        key,
        name: spec.name,
        status,
        attempts: mine.filter((a) => a.outcome !== "filtered").length,
        reason: status === "filtered" || status === "failed" ? (last?.error ?? null) : null,
      };
    }),
  };
}

/** The status of the tenant's event (why a replay was refused), or null when there is no such event. */
export async function getEventStatus(
  sql: Sql,
  tenantId: string,
  id: string,
): Promise<{ status: EventStatus } | null> {
  const [row] = await sql<
    { status: EventStatus }[]
  >`SELECT status FROM events WHERE id = ${id} AND tenant_id = ${tenantId}`;
  return row ?? null;
}

/** The handler keys of the event's source (empty when the tenant has no such event). */
export async function handlerKeysOfEvent(sql: Sql, tenantId: string, id: string): Promise<string[]> {
  const [row] = await sql<{ keys: string[] }[]>`
    SELECT coalesce(array_agg(coalesce(h->>'key', h->>'name')), '{}') AS keys
    FROM events e JOIN sources s ON s.id = e.source_id, jsonb_array_elements(s.handlers) h
    WHERE e.id = ${id} AND e.tenant_id = ${tenantId}`;
  return row?.keys ?? [];
}

/** Settled events matching a bulk replay's filter that existed at `maxId` (the dry-run count). */
export async function countReplayable(
  sql: Sql,
  tenantId: string,
  filter: EventFilter,
  maxId: string,
): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM events e JOIN sources s ON s.id = e.source_id
    WHERE ${eventFilterSql(sql, tenantId, filter)}
      AND e.status = ANY(${sql.array([...TRANSITIONS.replay.from])}::event_status[])
      AND e.id <= ${maxId}`;
  return row?.n ?? 0;
}
