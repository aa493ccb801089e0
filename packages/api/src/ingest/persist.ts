import { isUtf8 } from "node:buffer";
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
  // Whether bodies may travel as text (see insertBatch): asked once, on the first batch.
  let utf8Server: Promise<boolean> | undefined;
  const textOk = () => {
    utf8Server ??= sql<{ e: string }[]>`SELECT current_setting('server_encoding') AS e`.then(
      ([row]) => row?.e === "UTF8",
      (error: unknown) => {
        utf8Server = undefined;
        throw error;
      },
    );
    return utf8Server;
  };
  const batcher = createBatcher<NewEvent, PersistResult>(
    async (events) => persistBatch(sql, events, await textOk()),
    {
      ...options,
      maxWeight: BATCH_MAX_BODY_BYTES,
      weight: (event) => event.body.length,
    },
  );
  return { persist: (event) => batcher.submit(event) };
}

async function persistBatch(
  sql: Sql,
  events: NewEvent[],
  textBodies: boolean,
): Promise<(PersistResult | ItemFailure)[]> {
  try {
    return await insertBatch(sql, events, textBodies);
  } catch (error) {
    // One bad row must not fail its neighbours: retry them one by one (outages still fail fast).
    if (events.length === 1 || isDatabaseUnavailable(error)) throw error;
    return eachAlone(events, async (e) => (await insertBatch(sql, [e], textBodies))[0] as PersistResult);
  }
}

/**
 * Bytes on the wire: postgres.js sends a bytea as hex text (twice its size, and more inside an
 * array literal). A body that is UTF-8 without NUL — every JSON or form webhook — travels as text
 * and is turned back into the same bytes by `convert_to` (the server's encoding is UTF-8, checked
 * once); only other bodies go as bytea. A 1 KB JSON delivery costs ~1.2× its size instead of ~2×
 * (packages/api/test/ingest.wire-bytes.int.test.ts).
 */
function asText(body: Buffer, textBodies: boolean): boolean {
  return textBodies && isUtf8(body) && !body.includes(0);
}

async function insertBatch(sql: Sql, events: NewEvent[], textBodies: boolean): Promise<PersistResult[]> {
  const now = new Date();
  const rows = events.map((e) => ({
    id: uuidv7(),
    source_id: e.sourceId,
    idempotency_key: e.idempotencyKey,
  }));
  const text = events.map((e) => asText(e.body, textBodies));
  const texts = events.map((e, i) => (text[i] ? e.body.toString("utf8") : null));
  const bins = events.map((e, i) => (text[i] ? null : e.body));
  // One statement: the keys first (the uniqueness lives in idempotency_keys, across partitions),
  // then the write-once delivery, its narrow state (`queued`: the enqueue that follows moves it
  // back to `received` if it fails) and its pending mark, for the rows whose key was free.
  // One column array per field (unnest): the statement text is the same for every batch size, so
  // it is prepared once per connection instead of once per size, and planned cheaply.
  const inserted = await boundedQuery(
    sql<{ id: string }[]>`
      WITH input AS (
        SELECT * FROM unnest(${sql.array(rows.map((r) => r.id))}::uuid[],
                             ${sql.array(events.map((e) => e.tenantId))}::uuid[],
                             ${sql.array(rows.map((r) => r.source_id))}::uuid[],
                             ${sql.array(rows.map((r) => r.idempotency_key) as string[])}::text[],
                             ${sql.array(events.map((e) => e.eventType) as string[])}::text[],
                             ${sql.array(events.map((e) => JSON.stringify(e.headers)))}::jsonb[],
                             ${sql.array(texts as string[])}::text[],
                             ${sql.array(bins as Buffer[])}::bytea[],
                             ${sql.array(events.map((e) => e.contentType) as string[])}::text[])
          AS t(id, tenant_id, source_id, idempotency_key, event_type, headers, body_text, body_bin, content_type)
      ), bodied AS (
        SELECT id, tenant_id, source_id, idempotency_key, event_type, headers,
               coalesce(convert_to(body_text, 'UTF8'), body_bin) AS body, content_type
        FROM input
      ), keyed AS (
        INSERT INTO idempotency_keys (source_id, key, event_id)
        SELECT source_id, idempotency_key, id FROM bodied WHERE idempotency_key IS NOT NULL
        ON CONFLICT DO NOTHING
        RETURNING event_id
      ), accepted AS (
        SELECT * FROM bodied WHERE idempotency_key IS NULL OR id IN (SELECT event_id FROM keyed)
      ), delivered AS (
        INSERT INTO deliveries (id, tenant_id, source_id, idempotency_key, event_type, received_at, headers, body,
                                content_type, size)
        SELECT id, tenant_id, source_id, idempotency_key, event_type, ${now}, headers, body, content_type,
               octet_length(body)
        FROM accepted
        RETURNING id
      ), stated AS (
        INSERT INTO event_states (id, tenant_id, status, queued_at)
        SELECT id, tenant_id, 'queued', ${now} FROM accepted
      ), pended AS (
        INSERT INTO pending_events (id, tenant_id) SELECT id, tenant_id FROM accepted
      )
      SELECT id FROM delivered`,
    INGEST_QUERY_TIMEOUT_MS,
  );
  const stored = new Set(inserted.map((r) => r.id));
  const results: (PersistResult | undefined)[] = rows.map((r) =>
    stored.has(r.id) ? { duplicate: false, id: r.id } : undefined,
  );
  const collided = rows.filter((r) => !stored.has(r.id));
  if (collided.length === 0) return results as PersistResult[];

  // Keys already held (by an earlier delivery, or another one in this very batch). A key whose
  // event is gone (its partition was dropped, the key not yet purged) is freed, and the delivery
  // tried again.
  const existing = await boundedQuery(
    sql<{ id: string; status: EventStatus | null; sourceId: string; key: string }[]>`
      SELECT k.event_id AS id, st.status, k.source_id AS "sourceId", k.key
      FROM idempotency_keys k LEFT JOIN event_states st ON st.id = k.event_id
      WHERE (k.source_id, k.key) IN (
        SELECT * FROM unnest(${sql.array(collided.map((r) => r.source_id))}::uuid[],
                             ${sql.array(collided.map((r) => r.idempotency_key as string))}::text[]))`,
    INGEST_QUERY_TIMEOUT_MS,
  );
  const orphans = existing.filter((e) => e.status === null);
  if (orphans.length > 0) {
    await boundedQuery(
      sql`DELETE FROM idempotency_keys WHERE (source_id, key, event_id) IN (
            SELECT * FROM unnest(${sql.array(orphans.map((e) => e.sourceId))}::uuid[],
                                 ${sql.array(orphans.map((e) => e.key))}::text[],
                                 ${sql.array(orphans.map((e) => e.id))}::uuid[]))`,
      INGEST_QUERY_TIMEOUT_MS,
    );
  }
  const byKey = new Map(
    existing.filter((e) => e.status !== null).map((e) => [`${e.sourceId}\u0000${e.key}`, e]),
  );
  const retry: number[] = [];
  rows.forEach((r, i) => {
    if (results[i]) return;
    const hit = byKey.get(`${r.source_id}\u0000${r.idempotency_key}`);
    if (hit) results[i] = { duplicate: true, id: hit.id, status: hit.status as EventStatus };
    else retry.push(i); // the key's event was dropped by retention, or deleted in between
  });
  for (const i of retry) {
    const [again] = await insertBatch(sql, [events[i] as NewEvent], textBodies);
    results[i] = again;
  }
  return results as PersistResult[];
}
