import { index, integer, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { sources } from "./sources.ts";
import { tenants } from "./tenants.ts";

/**
 * Deliveries refused with 401 or 413, kept short and bounded (per source count and age) to
 * answer "why is the sender getting 401s?". No body, no secret, no signature values.
 */
export const rejections = pgTable(
  "rejections",
  {
    /** uuid v7: time-ordered. */
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    sourceId: uuid("source_id")
      .notNull()
      .references(() => sources.id, { onDelete: "cascade" }),
    reason: text("reason").notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
    /** Bytes declared or read before refusing. */
    size: integer("size").notNull(),
    headers: jsonb("headers").$type<Record<string, string>>().notNull(),
  },
  (t) => [
    // Serves GET /v1/sources/:id/rejections (newest first) and the per-source trim on insert.
    index("rejections_source_id_idx").on(t.sourceId, t.id.desc()),
    // Serves the age-based cleanup.
    index("rejections_received_at_idx").on(t.receivedAt),
  ],
);
