import { index, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { tenants } from "./tenants.ts";

export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** First characters of the key, shown in listings so a human can tell keys apart. */
    prefix: text("prefix").notNull(),
    /** sha256 hex of the whole key; the key itself is never stored. */
    hash: text("hash").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [
    // Serves authentication: WHERE hash = $1 (every /v1 request).
    uniqueIndex("api_keys_hash_key").on(t.hash),
    // Serves GET /v1/api-keys: WHERE tenant_id = $1.
    index("api_keys_tenant_idx").on(t.tenantId),
  ],
);
