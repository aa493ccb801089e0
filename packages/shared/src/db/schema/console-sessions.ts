import { index, pgTable, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { apiKeys } from "./api-keys.ts";
import { bytea } from "./events.ts";
import { tenants } from "./tenants.ts";

/**
 * Console sign-ins. The cookie holds a random token; the row holds only its sha256, so a
 * database read does not yield a usable session. A session lives while its API key does
 * (revoking the key ends it; deleting the key's row deletes it) and slides on use.
 */
export const consoleSessions = pgTable(
  "console_sessions",
  {
    id: uuid("id").primaryKey(),
    /** sha256 of the cookie's token. */
    tokenHash: bytea("token_hash").notNull(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    /** The API key signed in with; null for the bootstrap ADMIN_API_KEY (not a row). */
    apiKeyId: uuid("api_key_id").references(() => apiKeys.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    // Serves every console request: WHERE token_hash = $1.
    uniqueIndex("console_sessions_token_hash_key").on(t.tokenHash),
    // Serves the sweep of expired sessions at sign-in: WHERE expires_at < now().
    index("console_sessions_expires_at_idx").on(t.expiresAt),
  ],
);
