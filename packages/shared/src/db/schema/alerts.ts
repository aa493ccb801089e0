import { index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { sources } from "./sources.ts";
import { tenants } from "./tenants.ts";

export const ALERT_KINDS = ["dead_letter"] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const alerts = pgTable(
  "alerts",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    kind: text("kind").$type<AlertKind>().notNull(),
    /** The event that died (no foreign key: events are partitioned; the janitor deletes the alerts of a dropped partition). */
    eventId: uuid("event_id"),
    sourceId: uuid("source_id").references(() => sources.id, { onDelete: "cascade" }),
    /** The event's run that died (a replay that dies again opens a new alert). */
    run: integer("run").notNull().default(0),
    message: text("message").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    acknowledgedAt: timestamp("acknowledged_at", { withTimezone: true }),
    /** Name of the API key (or "admin") that acknowledged it. */
    acknowledgedBy: text("acknowledged_by"),
  },
  (t) => [
    // Exactly one alert per dead-lettering, however many workers race.
    uniqueIndex("alerts_kind_event_run_key").on(t.kind, t.eventId, t.run),
    // Serves GET /v1/alerts?status=open|acknowledged, newest first.
    index("alerts_tenant_id_idx").on(t.tenantId, t.id.desc()),
  ],
);
