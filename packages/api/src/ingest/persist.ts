import { boundedQuery, type EventStatus, type Sql, uuidv7 } from "@hookbox/shared";

/** Ingest answers 503 rather than wait longer than this for Postgres. */
export const INGEST_QUERY_TIMEOUT_MS = 2_000;

export interface NewEvent {
  tenantId: string;
  sourceId: string;
  idempotencyKey: string | null;
  eventType: string | null;
  headers: Record<string, string>;
  body: Buffer;
  contentType: string | null;
}

export type PersistResult =
  | { duplicate: false; id: string }
  | { duplicate: true; id: string; status: EventStatus };

/**
 * Inserts the inbox row, or finds the one that already holds this idempotency key.
 * Concurrent identical deliveries all land on the unique index: one insert wins, the
 * others wait for its commit and read the winner.
 */
export async function persistEvent(sql: Sql, event: NewEvent): Promise<PersistResult> {
  const id = uuidv7();
  const inserted = await boundedQuery(
    sql`
    INSERT INTO events (id, tenant_id, source_id, idempotency_key, event_type, headers, body, content_type, size)
    VALUES (${id}, ${event.tenantId}, ${event.sourceId}, ${event.idempotencyKey}, ${event.eventType},
            ${sql.json(event.headers)}, ${event.body}, ${event.contentType}, ${event.body.length})
    ON CONFLICT (source_id, idempotency_key) DO NOTHING
    RETURNING id`,
    INGEST_QUERY_TIMEOUT_MS,
  );
  if (inserted.length === 1) return { duplicate: false, id };
  const existing = await boundedQuery(
    sql<{ id: string; status: EventStatus }[]>`
      SELECT id, status FROM events WHERE source_id = ${event.sourceId} AND idempotency_key = ${event.idempotencyKey}`,
    INGEST_QUERY_TIMEOUT_MS,
  );
  const row = existing[0];
  // The row that conflicted was deleted in between (retention): store this one after all.
  if (!row) return persistEvent(sql, event);
  return { duplicate: true, id: row.id, status: row.status };
}
