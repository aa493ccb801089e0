import { sql } from "drizzle-orm";
import { integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";

/**
 * Results of `step(name, fn)` in code handlers, append-only: on a retry of the same run and
 * handler key, a finished step returns this stored result instead of running again.
 */
export const steps = pgTable(
  "steps",
  {
    tenantId: uuid("tenant_id").notNull(),
    /** The event (partition key: steps are dropped with their event's partition). */
    eventId: uuid("event_id").notNull(),
    run: integer("run").notNull(),
    handler: text("handler").notNull(),
    name: text("name").notNull(),
    /** The step's JSON result (`null` for a step that returned nothing). */
    result: jsonb("result"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().default(sql`now()`),
  },
  (t) => [
    // Serves the step lookup (event, run, key, name) and makes the first writer win.
    primaryKey({ columns: [t.eventId, t.run, t.handler, t.name] }),
  ],
);
