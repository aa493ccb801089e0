import {
  type BatcherOptions,
  boundedQuery,
  createBatcher,
  eachAlone,
  type HandlerSpec,
  ItemFailure,
  isDatabaseUnavailable,
  openHandlers,
  openSecretList,
  type SecretBox,
  type SourceSecret,
  type Sql,
  TRANSITIONS,
} from "@hookbox/shared";

/** Client-side deadline of a batched claim or settle (the server's statement_timeout is shorter). */
export const BATCH_QUERY_TIMEOUT_MS = 10_000;

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
  /** The source's forward signing secrets (sealed as read; `openClaimedEvent` opens them and `handlers`). */
  forwardSecrets: SourceSecret[];
  /** The keys this run runs (a replay of chosen handlers); null = every handler of the source. */
  runHandlers: string[] | null;
  /** What each handler key did so far in this run (keys without attempts are absent). */
  state: Record<string, HandlerKeyState>;
}

/** One handler key's record in the current run, read with the claim. */
export interface HandlerKeyState {
  /** Succeeded or filtered: not run again in this run. */
  done: boolean;
  /** Failed attempts so far in this run: the next attempt is number failures + 1. */
  failures: number;
  /** Not before this time (ISO) does the key run again (its backoff or a RetryAfterError). */
  notBefore: string | null;
}

/**
 * Load + mark processing, for many events in one statement. Events that are gone or already
 * settled (a duplicate job, or a job re-run after the event completed) are not returned.
 */
export async function claimEvents(sql: Sql, eventIds: readonly string[]): Promise<ClaimedEvent[]> {
  const { from, to } = TRANSITIONS.start;
  const query = sql<ClaimedEvent[]>`
    WITH claimed AS (
      UPDATE event_states SET status = ${to}, started_at = coalesce(started_at, now()),
        attempt_count = attempt_count + 1, next_attempt_at = NULL
      WHERE id = ANY(${sql.array([...eventIds])}::uuid[])
        AND status = ANY(${sql.array([...from])}::event_status[])
      RETURNING id, tenant_id, attempt_count, run, run_handlers
    )
    SELECT c.id, c.tenant_id AS "tenantId", d.event_type AS "eventType", d.idempotency_key AS "idempotencyKey",
           c.attempt_count AS "attemptCount", c.run, d.received_at AS "receivedAt", d.headers, d.body,
           d.content_type AS "contentType", s.slug AS source, s.handlers, s.forward_secrets AS "forwardSecrets",
           c.run_handlers AS "runHandlers",
           coalesce((SELECT jsonb_object_agg(k.handler, jsonb_build_object(
                       'done', k.done, 'failures', k.failures, 'notBefore', k.not_before))
                     FROM (SELECT a.handler, bool_or(a.outcome <> 'error') AS done,
                                  count(*) FILTER (WHERE a.outcome = 'error') AS failures,
                                  max(a.next_attempt_at) AS not_before
                           FROM attempts a WHERE a.event_id = c.id AND a.run = c.run
                           GROUP BY a.handler) k), '{}'::jsonb) AS state
    FROM claimed c JOIN deliveries d ON d.id = c.id JOIN sources s ON s.id = d.source_id`;
  // A statement that never returns (a lost connection) must not hold every job's claim.
  return boundedQuery(query, BATCH_QUERY_TIMEOUT_MS);
}

/** The event with its source's secrets opened (forward header values, forward signing secrets). */
export function openClaimedEvent(box: SecretBox, event: ClaimedEvent): ClaimedEvent {
  return {
    ...event,
    handlers: openHandlers(box, event.handlers),
    forwardSecrets: openSecretList(box, event.forwardSecrets),
  };
}

export interface EventClaimer {
  /** This event, marked processing; null when there is nothing to do. */
  claim(eventId: string): Promise<ClaimedEvent | null>;
}

/**
 * Group claim: jobs a worker starts together share one statement (see `createBatcher`).
 * Two jobs of the same event in one batch: the first gets the event, the other has nothing to do.
 */
export function createEventClaimer(sql: Sql, options: BatcherOptions): EventClaimer {
  const batcher = createBatcher<string, ClaimedEvent | null>(async (submitted) => {
    // Postgres returns ids in lowercase; a job may carry another spelling of the same uuid.
    const ids = submitted.map((id) => id.toLowerCase());
    const unique = [...new Set(ids)];
    const byId = new Map<string, ClaimedEvent | ItemFailure | null>();
    try {
      for (const row of await claimEvents(sql, unique)) byId.set(row.id, row);
    } catch (error) {
      // One bad id must not fail its neighbours: claim them one by one (outages still fail fast).
      if (unique.length === 1 || isDatabaseUnavailable(error)) throw error;
      const each = await eachAlone(unique, async (id) => (await claimEvents(sql, [id]))[0] ?? null);
      for (const [i, id] of unique.entries()) byId.set(id, each[i] ?? null);
    }
    // The same event twice in one batch: the first job gets it, the other has nothing to do.
    return ids.map((id) => {
      const result = byId.get(id) ?? null;
      if (!(result instanceof ItemFailure)) byId.delete(id);
      return result;
    });
  }, options);
  return { claim: (eventId) => batcher.submit(eventId) };
}
