import { pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/**
 * Every slug a tenant's source ever had (created with, or renamed to), held by that tenant for
 * good. Ingest resolves a delivery by slug alone, so a slug freed by a delete or a rename would
 * let another tenant receive the first tenant's senders (Stripe keeps posting to a deleted
 * source). The owning tenant may use its slug again; no other tenant can. No foreign key on
 * purpose: a reservation outlives even its tenant's row.
 */
export const slugReservations = pgTable("slug_reservations", {
  // Serves the reservation check at source create and rename: WHERE slug = $1 (the primary key).
  slug: text("slug").primaryKey(),
  tenantId: uuid("tenant_id").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
