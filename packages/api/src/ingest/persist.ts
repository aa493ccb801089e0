import {
  type BatcherOptions,
  boundedQuery,
  createBatcher,
  type EventStatus,
  eachAlone,
  type ItemFailure,
  isDatabaseUnavailable,
  type Sql,
  uuidv7,
} from "@hookbox/shared";

/**
 * Body bytes per INSERT: postgres.js sends bytea as hex text, so a batch of large bodies would be
 * one huge statement (slow to build, send and commit, and heavy on the heap). A body larger than
 * this goes in a statement of its own.
 */
const BATCH_MAX_BODY_BYTES = 4 * 1024 * 1024;

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

export interface EventWriter {
  /** Resolves once this event's row is committed (or the existing row's id is known). */
  persist(event: NewEvent): Promise<PersistResult>;
}

/**
 * Group commit: concurrent ingests share one multi-row `INSERT … ON CONFLICT DO NOTHING
 * RETURNING id` (plus, when some collided, one SELECT of the rows that hold their keys). Each
 * request still answers only after its own row is committed and learns whether it was a
 * duplicate, including duplicates within the same batch.
 */
export function createEventWriter(sql: Sql, options: BatcherOptions): EventWriter {
  const batcher = createBatcher<NewEvent, PersistResult>((events) => persistBatch(sql, events), {
    ...options,
    maxWeight: BATCH_MAX_BODY_BYTES,
    weight: (event) => event.body.length,
  });
  return { persist: (event) => batcher.submit(event) };
}

async function persistBatch(sql: Sql, events: NewEvent[]): Promise<(PersistResult | ItemFailure)[]> {
  try {
    return await insertBatch(sql, events);
  } catch (error) {
    // One bad row must not fail its neighbours: retry them one by one (outages still fail fast).
    if (events.length === 1 || isDatabaseUnavailable(error)) throw error;
    return eachAlone(events, async (e) => (await insertBatch(sql, [e]))[0] as PersistResult);
  }
}

async function insertBatch(sql: Sql, events: NewEvent[]): Promise<PersistResult[]> {
  const now = new Date();
  const rows = events.map((e) => ({
    id: uuidv7(),
    source_id: e.sourceId,
    idempotency_key: e.idempotencyKey,
  }));
  // Inserted as `queued`: the enqueue that follows moves a row back to `received` if it fails.
  // One column array per field (unnest): the statement text is the same for every batch size, so
  // it is prepared once per connection instead of once per size, and planned cheaply.
  const inserted = await boundedQuery(
    sql<{ id: string }[]>`
      INSERT INTO events (id, status, queued_at, tenant_id, source_id, idempotency_key, event_type, headers,
                          body, content_type, size)
      SELECT id, 'queued', ${now}, tenant_id, source_id, idempotency_key, event_type, headers, body,
             content_type, size
      FROM unnest(${sql.array(rows.map((r) => r.id))}::uuid[],
                  ${sql.array(events.map((e) => e.tenantId))}::uuid[],
                  ${sql.array(rows.map((r) => r.source_id))}::uuid[],
                  ${sql.array(rows.map((r) => r.idempotency_key) as string[])}::text[],
                  ${sql.array(events.map((e) => e.eventType) as string[])}::text[],
                  ${sql.array(events.map((e) => JSON.stringify(e.headers)))}::jsonb[],
                  ${sql.array(events.map((e) => e.body))}::bytea[],
                  ${sql.array(events.map((e) => e.contentType) as string[])}::text[],
                  ${sql.array(events.map((e) => e.body.length))}::int[])
        AS t(id, tenant_id, source_id, idempotency_key, event_type, headers, body, content_type, size)
      ON CONFLICT (source_id, idempotency_key) DO NOTHING
      RETURNING id`,
    INGEST_QUERY_TIMEOUT_MS,
  );
  const stored = new Set(inserted.map((r) => r.id));
  const results: (PersistResult | undefined)[] = rows.map((r) =>
    stored.has(r.id) ? { duplicate: false, id: r.id } : undefined,
  );
  const collided = rows.filter((r) => !stored.has(r.id));
  if (collided.length === 0) return results as PersistResult[];

  // Keys already held by a row (an earlier delivery, or another one in this very batch).
  const existing = await boundedQuery(
    sql<{ id: string; status: EventStatus; sourceId: string; key: string }[]>`
      SELECT id, status, source_id AS "sourceId", idempotency_key AS key FROM events
      WHERE (source_id, idempotency_key) IN (
        SELECT * FROM unnest(${sql.array(collided.map((r) => r.source_id))}::uuid[],
                             ${sql.array(collided.map((r) => r.idempotency_key as string))}::text[]))`,
    INGEST_QUERY_TIMEOUT_MS,
  );
  const byKey = new Map(existing.map((e) => [`${e.sourceId}\u0000${e.key}`, e]));
  const retry: number[] = [];
  rows.forEach((r, i) => {
    if (results[i]) return;
    const hit = byKey.get(`${r.source_id}\u0000${r.idempotency_key}`);
    if (hit) results[i] = { duplicate: true, id: hit.id, status: hit.status };
    else retry.push(i); // the row that held the key was deleted in between (retention)
  });
  for (const i of retry) {
    const [again] = await insertBatch(sql, [events[i] as NewEvent]);
    results[i] = again;
  }
  return results as PersistResult[];
}
