import { type HandlerSpec, type Sql, TRANSITIONS } from "@hookbox/shared";

export interface ClaimedEvent {
  id: string;
  tenantId: string;
  eventType: string | null;
  idempotencyKey: string | null;
  attemptCount: number;
  /** 0 = original delivery, n = n-th replay. */
  run: number;
  receivedAt: Date;
  headers: Record<string, string>;
  body: Buffer;
  contentType: string | null;
  source: string;
  handlers: HandlerSpec[];
  /** Handlers that already succeeded for this event: not run again. */
  done: string[];
}

/**
 * Load + mark processing in one statement. Returns null when the event is gone or already
 * settled (a duplicate job, or a job re-run after the event completed): nothing to do.
 */
export async function claimEvent(sql: Sql, eventId: string): Promise<ClaimedEvent | null> {
  const { from, to } = TRANSITIONS.start;
  const rows = await sql<ClaimedEvent[]>`
    WITH claimed AS (
      UPDATE events SET status = ${to}, started_at = coalesce(started_at, now()),
        attempt_count = attempt_count + 1, next_attempt_at = NULL
      WHERE id = ${eventId} AND status = ANY(${sql.array([...from])}::event_status[])
      RETURNING id, tenant_id, source_id, event_type, idempotency_key, attempt_count, run, received_at,
                headers, body, content_type
    )
    SELECT c.id, c.tenant_id AS "tenantId", c.event_type AS "eventType", c.idempotency_key AS "idempotencyKey",
           c.attempt_count AS "attemptCount", c.run, c.received_at AS "receivedAt", c.headers, c.body,
           c.content_type AS "contentType", s.slug AS source, s.handlers,
           coalesce((SELECT array_agg(DISTINCT a.handler) FROM attempts a
                     WHERE a.event_id = c.id AND a.run = c.run AND a.outcome = 'success'), '{}') AS done
    FROM claimed c JOIN sources s ON s.id = c.source_id`;
  return rows[0] ?? null;
}
