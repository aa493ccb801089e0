import { bigserial, integer, pgEnum, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { ATTEMPT_OUTCOMES } from "../../domain.ts";

export const attemptOutcome = pgEnum("attempt_outcome", ATTEMPT_OUTCOMES);

export const attempts = pgTable(
  "attempts",
  {
    id: bigserial("id", { mode: "number" }).notNull(),
    tenantId: uuid("tenant_id").notNull(),
    /** The event (partition key: attempts are dropped with their event's partition). */
    eventId: uuid("event_id").notNull(),
    /** The handler's key within its source (`HandlerSpec.key`; the name when no key was given). */
    handler: text("handler").notNull(),
    attempt: integer("attempt").notNull(),
    /** The event's run (0 = original delivery, n = n-th replay) this attempt belongs to. */
    run: integer("run").notNull().default(0),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    finishedAt: timestamp("finished_at", { withTimezone: true }).notNull(),
    outcome: attemptOutcome("outcome").notNull(),
    error: text("error"),
    durationMs: integer("duration_ms").notNull(),
    /**
     * On a failed attempt: not before this time does this handler key run again (its own backoff,
     * or the delay a `RetryAfterError` asked for). Other keys of the event may run earlier.
     */
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
  },
  (t) => [
    // Serves GET /v1/events/:id (attempts of one event, in order) and the claim's "handlers already
    // done"; includes the partition key, as a partitioned table's primary key must.
    primaryKey({ name: "attempts_pkey", columns: [t.eventId, t.id] }),
  ],
);
