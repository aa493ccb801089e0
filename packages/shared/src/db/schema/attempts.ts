import { bigserial, index, integer, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { ATTEMPT_OUTCOMES } from "../../domain.ts";
import { events } from "./events.ts";

export const attemptOutcome = pgEnum("attempt_outcome", ATTEMPT_OUTCOMES);

export const attempts = pgTable(
  "attempts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    tenantId: uuid("tenant_id").notNull(),
    eventId: uuid("event_id")
      .notNull()
      .references(() => events.id, { onDelete: "cascade" }),
    handler: text("handler").notNull(),
    attempt: integer("attempt").notNull(),
    /** The event's run (0 = original delivery, n = n-th replay) this attempt belongs to. */
    run: integer("run").notNull().default(0),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    finishedAt: timestamp("finished_at", { withTimezone: true }).notNull(),
    outcome: attemptOutcome("outcome").notNull(),
    error: text("error"),
    durationMs: integer("duration_ms").notNull(),
  },
  (t) => [
    // Serves GET /v1/events/:id (attempts of one event) and the worker's "handlers already done".
    index("attempts_event_idx").on(t.eventId, t.id),
  ],
);
