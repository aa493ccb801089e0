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
  /** Body bytes (what the claim budget counts). */
  size: number;
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

/** How many body bytes a claim may load: `bytes`, and one body over it when nothing else is held. */
export interface ClaimBudget {
  bytes: number;
  /** Nothing is held: the first body is claimed whatever its size (else it could never run). */
  allowOne: boolean;
}

export interface ClaimBatch {
  claimed: ClaimedEvent[];
  /** Claimable, but over the budget: untouched, to be claimed once bodies are released. */
  deferred: string[];
}

const UNLIMITED: ClaimBudget = { bytes: Number.MAX_SAFE_INTEGER, allowOne: true };

/**
 * Load + mark processing, for many events in one statement. Events that are gone or already
 * settled (a duplicate job, or a job re-run after the event completed) are not returned. Claims
 * are weighed by their body size: in id order, only the claimable events whose bodies fit in
 * `budget` are claimed (their bodies loaded); the others are returned as `deferred`, unchanged.
 */
export async function claimEvents(
  sql: Sql,
  eventIds: readonly string[],
  budget: ClaimBudget = UNLIMITED,
): Promise<ClaimBatch> {
  const { from, to } = TRANSITIONS.start;
  const query = sql<(ClaimedEvent & { within: boolean; claimedId: string | null })[]>`
    WITH wanted AS (
      SELECT st.id, sum(d.size) OVER (ORDER BY st.id) AS upto, count(*) OVER (ORDER BY st.id) AS n
      FROM event_states st JOIN deliveries d ON d.id = st.id
      WHERE st.id = ANY(${sql.array([...eventIds])}::uuid[])
        AND st.status = ANY(${sql.array([...from])}::event_status[])
    ), within AS (
      SELECT id, (upto <= ${budget.bytes} OR (n = 1 AND ${budget.allowOne})) AS within FROM wanted
    ), claimed AS (
      UPDATE event_states SET status = ${to}, started_at = coalesce(started_at, now()),
        attempt_count = attempt_count + 1, next_attempt_at = NULL
      -- = ANY(ARRAY(…)), not IN (…): an array parameter the planner turns into primary-key probes
      -- of the partitions (an IN over the CTE became a hashed scan of every partition).
      WHERE id = ANY(ARRAY(SELECT id FROM within WHERE within))
        AND status = ANY(${sql.array([...from])}::event_status[])
      RETURNING id, tenant_id, attempt_count, run, run_handlers
    )
    SELECT w.id, w.within, c.id AS "claimedId", c.tenant_id AS "tenantId", d.event_type AS "eventType",
           d.idempotency_key AS "idempotencyKey", c.attempt_count AS "attemptCount", c.run,
           d.received_at AS "receivedAt", d.headers, d.body, d.content_type AS "contentType", d.size,
           s.slug AS source, s.handlers, s.forward_secrets AS "forwardSecrets", c.run_handlers AS "runHandlers",
           coalesce((SELECT jsonb_object_agg(k.handler, jsonb_build_object(
                       'done', k.done, 'failures', k.failures, 'notBefore', k.not_before))
                     FROM (SELECT a.handler, bool_or(a.outcome <> 'error') AS done,
                                  count(*) FILTER (WHERE a.outcome = 'error') AS failures,
                                  max(a.next_attempt_at) AS not_before
                           FROM attempts a WHERE a.event_id = c.id AND a.run = c.run
                           GROUP BY a.handler) k), '{}'::jsonb) AS state
    FROM within w LEFT JOIN claimed c ON c.id = w.id LEFT JOIN deliveries d ON d.id = c.id
    LEFT JOIN sources s ON s.id = d.source_id`;
  // A statement that never returns (a lost connection) must not hold every job's claim.
  const rows = await boundedQuery(query, BATCH_QUERY_TIMEOUT_MS);
  const claimed: ClaimedEvent[] = [];
  const deferred: string[] = [];
  for (const { within, claimedId, ...row } of rows) {
    if (!within) deferred.push(row.id);
    else if (claimedId) claimed.push(row);
  }
  return { claimed, deferred };
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
  /** The job of this claim is over: its body's bytes go back to the budget. */
  release(event: ClaimedEvent): void;
  /** Body bytes claimed and not released (a gauge for tests and metrics). */
  heldBytes(): number;
}

/**
 * Group claim: jobs a worker starts together share one statement (see `createBatcher`).
 * Two jobs of the same event in one batch: the first gets the event, the other has nothing to do.
 *
 * Memory: the bodies a process holds are bounded by `budgetBytes` (WORKER_BODY_BUDGET_BYTES), not
 * by its concurrency alone — a tenant's 100 MiB bodies would otherwise be loaded WORKER_CONCURRENCY
 * at a time. A claim that would go over the budget leaves the event untouched and waits in this
 * process (its job keeps its slot and its lock) until bodies are released, then claims again.
 * One body larger than the whole budget is claimed when nothing else is held.
 */
export function createEventClaimer(
  sql: Sql,
  options: BatcherOptions,
  budgetBytes = Number.MAX_SAFE_INTEGER,
): EventClaimer {
  let held = 0;
  let wake: (() => void)[] = [];
  const budget = (): ClaimBudget => ({ bytes: Math.max(0, budgetBytes - held), allowOne: held === 0 });
  const DEFERRED = Symbol("deferred");
  const batcher = createBatcher<string, ClaimedEvent | null | typeof DEFERRED>(async (submitted) => {
    // Postgres returns ids in lowercase; a job may carry another spelling of the same uuid.
    const ids = submitted.map((id) => id.toLowerCase());
    const unique = [...new Set(ids)];
    const byId = new Map<string, ClaimedEvent | ItemFailure | null | typeof DEFERRED>();
    const take = (batch: ClaimBatch) => {
      for (const row of batch.claimed) {
        held += row.size;
        byId.set(row.id, row);
      }
      for (const id of batch.deferred) byId.set(id, DEFERRED);
    };
    try {
      take(await claimEvents(sql, unique, budget()));
    } catch (error) {
      // One bad id must not fail its neighbours: claim them one by one (outages still fail fast).
      if (unique.length === 1 || isDatabaseUnavailable(error)) throw error;
      const each = await eachAlone(unique, async (id) => {
        const batch = await claimEvents(sql, [id], budget());
        take(batch);
        return batch.deferred.length > 0 ? DEFERRED : (batch.claimed[0] ?? null);
      });
      for (const [i, id] of unique.entries()) byId.set(id, each[i] ?? null);
    }
    // The same event twice in one batch: the first job gets it, the other has nothing to do.
    return ids.map((id) => {
      const result = byId.get(id) ?? null;
      if (!(result instanceof ItemFailure) && result !== DEFERRED) byId.delete(id);
      return result;
    });
  }, options);
  return {
    async claim(eventId) {
      for (;;) {
        const result = await batcher.submit(eventId);
        if (result !== DEFERRED) return result;
        // Over the budget: wait for a release (or a short while: another process may have
        // taken the event meanwhile, and the claim then finds nothing to do).
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 1_000);
          wake.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    release(event) {
      held = Math.max(0, held - event.size);
      const waiting = wake;
      wake = [];
      for (const resolve of waiting) resolve();
    },
    heldBytes: () => held,
  };
}
