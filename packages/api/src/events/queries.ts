import { isUtf8 } from "node:buffer";
import { AppError, attempts, type Db, type EventStatus, events, sources } from "@hookbox/shared";
import { and, asc, desc, eq, lt, or, type SQL } from "drizzle-orm";
import type { EventSummary, EventView } from "./schemas.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const summaryColumns = {
  id: events.id,
  source: sources.slug,
  type: events.eventType,
  idempotencyKey: events.idempotencyKey,
  status: events.status,
  attemptCount: events.attemptCount,
  receivedAt: events.receivedAt,
  queuedAt: events.queuedAt,
  startedAt: events.startedAt,
  completedAt: events.completedAt,
  nextAttemptAt: events.nextAttemptAt,
  lastError: events.lastError,
  contentType: events.contentType,
  size: events.size,
};

type Timestamps = "receivedAt" | "queuedAt" | "startedAt" | "completedAt" | "nextAttemptAt";
type SummaryRow = Omit<EventSummary, Timestamps> & { receivedAt: Date } & Record<
    Exclude<Timestamps, "receivedAt">,
    Date | null
  >;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toSummary(row: SummaryRow): EventSummary {
  return {
    ...row,
    receivedAt: row.receivedAt.toISOString(),
    queuedAt: iso(row.queuedAt),
    startedAt: iso(row.startedAt),
    completedAt: iso(row.completedAt),
    nextAttemptAt: iso(row.nextAttemptAt),
  };
}

export interface EventFilter {
  source?: string | undefined;
  status?: EventStatus | undefined;
}

/** Filters shared by listing (and, later, bulk operations). `source` is a slug or an id. */
export function eventConditions(tenantId: string, filter: EventFilter): (SQL | undefined)[] {
  const bySource = filter.source
    ? UUID.test(filter.source)
      ? or(eq(events.sourceId, filter.source), eq(sources.slug, filter.source))
      : eq(sources.slug, filter.source)
    : undefined;
  return [
    eq(events.tenantId, tenantId),
    bySource,
    filter.status ? eq(events.status, filter.status) : undefined,
  ];
}

/** Newest first, keyset on the time-ordered id: stable while new events arrive, no OFFSET. */
export async function listEvents(
  db: Db,
  tenantId: string,
  filter: EventFilter,
  limit: number,
  cursor: string | undefined,
): Promise<EventSummary[]> {
  const rows = await db
    .select(summaryColumns)
    .from(events)
    .innerJoin(sources, eq(sources.id, events.sourceId))
    .where(and(...eventConditions(tenantId, filter), cursor ? lt(events.id, cursor) : undefined))
    .orderBy(desc(events.id))
    .limit(limit + 1);
  return rows.map(toSummary);
}

export async function getEvent(db: Db, tenantId: string, id: string): Promise<EventView> {
  const [row] = await db
    .select({ ...summaryColumns, headers: events.headers, body: events.body })
    .from(events)
    .innerJoin(sources, eq(sources.id, events.sourceId))
    .where(and(eq(events.id, id), eq(events.tenantId, tenantId)));
  if (!row) throw new AppError("not_found", "No such event.");
  const runs = await db.select().from(attempts).where(eq(attempts.eventId, id)).orderBy(asc(attempts.id));
  const { headers, body, ...summary } = row;
  const utf8 = isUtf8(body);
  return {
    ...toSummary(summary),
    headers,
    body: body.toString(utf8 ? "utf8" : "base64"),
    bodyEncoding: utf8 ? "utf8" : "base64",
    attempts: runs.map((a) => ({
      handler: a.handler,
      attempt: a.attempt,
      startedAt: a.startedAt.toISOString(),
      finishedAt: a.finishedAt.toISOString(),
      outcome: a.outcome,
      error: a.error,
      durationMs: a.durationMs,
    })),
  };
}
