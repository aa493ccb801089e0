import { boolean, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const tenants = pgTable("tenants", {
  id: uuid("id").primaryKey(),
  name: text("name").notNull(),
  /**
   * false = disabled by the admin: its keys answer 401, its console sessions end, its sources
   * answer 404 at ingest. Its rows stay (re-enabling restores it, except the ended sessions).
   */
  active: boolean("active").notNull().default(true),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
