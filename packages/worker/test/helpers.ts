import type { AnyHandlerDefinition } from "@hookbox/sdk";
import {
  type AttemptOutcome,
  codeCatalogEntry,
  createLogger,
  DEFAULT_TENANT_ID,
  type EventStatus,
  type HandlerCatalogEntry,
  type HandlerSpecInput,
  uuidv7,
  warmUpDatabase,
} from "@hookbox/shared";
import { createTestDatabase, createTestRedis, type TestDatabase, testConfig } from "@hookbox/shared/testing";
import { type Job, Worker } from "bullmq";
import { createWorkerDeps, type WorkerDeps } from "../src/deps.ts";

/**
 * A worker's deps on a database and Redis prefix of their own (no BullMQ worker running: each
 * test drives claim, settle, the reconciler or `processEvent` itself), plus row builders.
 */
export interface TestWorker {
  deps: WorkerDeps;
  pg: TestDatabase;
  /** A source of the default tenant (or of `tenantId`) with these handlers (`key` defaults to `name`). */
  createSource(handlers: HandlerSpecInput[], tenantId?: string): Promise<{ id: string; slug: string }>;
  /** A tenant besides the default one; its id. */
  createTenant(name: string): Promise<string>;
  /** An event row of that source (and its tenant), as ingest (or a later step) left it. */
  insertEvent(sourceId: string, row?: EventRowInput): Promise<string>;
  /** Attempt rows as earlier passes wrote them. */
  insertAttempts(eventId: string, rows: AttemptInput[]): Promise<void>;
  event(id: string): Promise<EventRow>;
  close(): Promise<void>;
}

export interface EventRowInput {
  status?: EventStatus;
  eventType?: string | null;
  attemptCount?: number;
  run?: number;
  lastError?: string | null;
  /** How long ago it was received (and queued/started, where its status implies it). */
  ageMs?: number;
  body?: string;
}

export interface AttemptInput {
  handler: string;
  outcome: AttemptOutcome;
  attempt?: number;
  run?: number;
  error?: string;
  nextAttemptAt?: Date;
}

export interface EventRow {
  status: EventStatus;
  attemptCount: number;
  run: number;
  lastError: string | null;
  nextAttemptAt: Date | null;
  queuedAt: Date | null;
  startedAt: Date | null;
  completedAt: Date | null;
}

/** A code handler's catalog entry, as `loadCodeHandlers` makes it from a module. */
export function codeHandler(definition: AnyHandlerDefinition): HandlerCatalogEntry {
  return codeCatalogEntry({ definition, version: "test-1", file: `${definition.id}.ts` });
}

export async function createTestWorker(
  label: string,
  options: { codeHandlers?: HandlerCatalogEntry[]; env?: Record<string, string> } = {},
): Promise<TestWorker> {
  const pg = await createTestDatabase(label);
  const redis = await createTestRedis(label);
  const config = testConfig(
    { databaseUrl: pg.url, redisUrl: redis.url, redisPrefix: redis.prefix },
    options.env,
  );
  const deps = createWorkerDeps(config, {
    logger: createLogger(config.logLevel, { service: "worker" }),
    codeHandlers: options.codeHandlers ?? [],
  });
  await warmUpDatabase(deps.sql); // as runWorker does before taking jobs
  const { sql } = deps;
  return {
    deps,
    pg,
    async createTenant(name) {
      const id = uuidv7();
      await sql`INSERT INTO tenants (id, name) VALUES (${id}, ${name})`;
      return id;
    },
    async createSource(handlers, tenantId = DEFAULT_TENANT_ID) {
      const id = uuidv7();
      const slug = `src-${id.slice(-12)}`;
      const specs = handlers.map((h) => ({ ...h, key: h.key ?? h.name, config: h.config ?? {} }));
      await sql`
        INSERT INTO sources (id, tenant_id, slug, name, scheme, handlers)
        VALUES (${id}, ${tenantId}, ${slug}, ${slug}, 'none', ${sql.json(specs as never)})`;
      return { id, slug };
    },
    async insertEvent(sourceId, row = {}) {
      const id = uuidv7();
      const status = row.status ?? "queued";
      const ago = `${row.ageMs ?? 0} milliseconds`;
      const body = Buffer.from(row.body ?? JSON.stringify({ type: row.eventType ?? "order.paid" }));
      await sql`
        INSERT INTO events (id, tenant_id, source_id, event_type, status, attempt_count, run, last_error,
                            received_at, queued_at, started_at, headers, body, content_type, size)
        VALUES (${id}, (SELECT tenant_id FROM sources WHERE id = ${sourceId}), ${sourceId},
                ${row.eventType === undefined ? "order.paid" : row.eventType}, ${status},
                ${row.attemptCount ?? 0}, ${row.run ?? 0}, ${row.lastError ?? null},
                now() - ${ago}::interval,
                ${status === "received" ? null : sql`now() - ${ago}::interval`},
                ${status === "processing" || status === "retrying" ? sql`now() - ${ago}::interval` : null},
                ${sql.json({ "content-type": "application/json" })}, ${body}, 'application/json', ${body.length})`;
      return id;
    },
    async insertAttempts(eventId, rows) {
      for (const a of rows) {
        await sql`
          INSERT INTO attempts (tenant_id, event_id, handler, attempt, run, started_at, finished_at, outcome,
                                error, duration_ms, next_attempt_at)
          VALUES (${DEFAULT_TENANT_ID}, ${eventId}, ${a.handler}, ${a.attempt ?? 1}, ${a.run ?? 0}, now(), now(),
                  ${a.outcome}, ${a.error ?? null}, 1, ${a.nextAttemptAt ?? null})`;
      }
    },
    async event(id) {
      const [row] = await sql<EventRow[]>`
        SELECT status, attempt_count AS "attemptCount", run, last_error AS "lastError",
               next_attempt_at AS "nextAttemptAt", queued_at AS "queuedAt", started_at AS "startedAt",
               completed_at AS "completedAt"
        FROM events WHERE id = ${id}`;
      if (!row) throw new Error(`no event ${id}`);
      return row;
    },
    async close() {
      await deps.close();
      await redis.cleanup();
      await pg.drop();
    },
  };
}

export async function attemptsOf(
  deps: WorkerDeps,
  eventId: string,
): Promise<
  { handler: string; attempt: number; outcome: string; error: string | null; nextAttemptAt: Date | null }[]
> {
  return deps.sql`
    SELECT handler, attempt, outcome, error, next_attempt_at AS "nextAttemptAt"
    FROM attempts WHERE event_id = ${eventId} ORDER BY handler, attempt`;
}

export async function alertsOf(
  deps: WorkerDeps,
  eventId: string,
): Promise<{ kind: string; message: string }[]> {
  return deps.sql`SELECT kind, message FROM alerts WHERE event_id = ${eventId}`;
}

/** The current value of a counter (summed over its labels). */
export async function counterValue(metric: {
  get(): Promise<{ values: { value: number }[] }>;
}): Promise<number> {
  const { values } = await metric.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

export interface ManualWorker {
  /** Takes the next job as a worker does (active, locked with `token`); it must be `eventId`'s. */
  take(eventId: string): Promise<{ job: Job; token: string }>;
  close(): Promise<void>;
}

/** A BullMQ worker without a processor: the test takes jobs itself (BullMQ's manual processing). */
export function createManualWorker(deps: WorkerDeps): ManualWorker {
  const worker = new Worker(deps.queues[0].name, null, {
    connection: deps.workerRedis,
    prefix: deps.config.redisPrefix,
  });
  let taken = 0;
  return {
    async take(eventId) {
      const token = `test-token-${++taken}`;
      const job = (await worker.getNextJob(token)) as Job | undefined;
      if (!job) throw new Error("no job waiting");
      if (job.data.eventId !== eventId)
        throw new Error(`took the job of ${job.data.eventId}, not ${eventId}`);
      return { job, token };
    },
    close: () => worker.close(),
  };
}
