import type { PendingQuery, Row } from "postgres";
import type { Sql } from "../db/client.ts";

/**
 * Many events at once, straight into the inbox tables (tests and the bench seed hundreds of
 * thousands; the `events` view's INSTEAD OF triggers take them one row at a time). `select`
 * yields rows with the named columns of the `events` view; the others take the view's defaults
 * (status `received`, now, …). The partitions the rows need are made (one day each where none
 * exists), and the side tables follow the statuses, as the migration and the triggers do.
 */
export async function seedEvents(
  sql: Sql,
  columns: readonly string[],
  select: (tx: Sql) => PendingQuery<Row[]>,
): Promise<number> {
  return sql.begin(async (tx) => {
    const t = tx as unknown as Sql;
    await t`SET LOCAL statement_timeout = 0`;
    await t`CREATE TEMP TABLE hookbox_seed (LIKE events INCLUDING DEFAULTS) ON COMMIT DROP`;
    const inserted = await t`INSERT INTO hookbox_seed (${t(columns as string[])}) ${select(t)}`;
    await t`
      SELECT hookbox_ensure_partition(at, interval '1 day') FROM (
        SELECT DISTINCT date_bin(interval '1 day', hookbox_uuid_time(id), TIMESTAMPTZ '2000-01-01 00:00:00+00') AS at
        FROM hookbox_seed) x ORDER BY at`;
    await t`
      INSERT INTO deliveries (id, tenant_id, source_id, idempotency_key, event_type, received_at, headers, body,
                              content_type, size)
      SELECT id, tenant_id, source_id, idempotency_key, event_type, received_at, headers, body, content_type, size
      FROM hookbox_seed`;
    await t`
      INSERT INTO event_states (id, tenant_id, status, attempt_count, run, run_handlers, queued_at, started_at,
                                completed_at, next_attempt_at, last_error)
      SELECT id, tenant_id, status, attempt_count, run, run_handlers, queued_at, started_at, completed_at,
             next_attempt_at, last_error
      FROM hookbox_seed`;
    await t`INSERT INTO pending_events (id, tenant_id)
            SELECT id, tenant_id FROM hookbox_seed WHERE status NOT IN ('completed', 'dead')`;
    await t`INSERT INTO dead_letters (event_id, tenant_id) SELECT id, tenant_id FROM hookbox_seed WHERE status = 'dead'`;
    await t`INSERT INTO settlements (tenant_id, event_id, run, status, settled_at)
            SELECT tenant_id, id, run, status, coalesce(completed_at, received_at) FROM hookbox_seed
            WHERE status IN ('completed', 'dead')`;
    await t`INSERT INTO idempotency_keys (source_id, key, event_id)
            SELECT source_id, idempotency_key, id FROM hookbox_seed WHERE idempotency_key IS NOT NULL`;
    await t`ANALYZE deliveries, event_states, pending_events, dead_letters, settlements, idempotency_keys`;
    return inserted.count;
  });
}
