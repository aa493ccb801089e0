import { sql } from "drizzle-orm";
import { integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { events } from "./events.ts";

/**
 * Results of `step(name, fn)` in code handlers, append-only: on a retry of the same run and
 * handler key, a finished step returns this stored result instead of running again.
 */
export const steps = pgTable(
  "steps",
  {
    tenantId: uuid("tenant_id").notNull(),
    eventId: uuid("event_id")
      .notNull()
      .references(() => events.id, { onDelete: "cascade" }),
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
