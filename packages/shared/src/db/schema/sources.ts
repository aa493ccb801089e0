import { sql } from "drizzle-orm";
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { HandlerSpec, Scheme, SourceSecret, ValueRule } from "../../domain.ts";
import { tenants } from "./tenants.ts";

export const sources = pgTable(
  "sources",
  {
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    /** `[a-z0-9-]{1,64}`, globally unique among live sources: it is the ingest URL (and reserved for its tenant, slug_reservations). */
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    /** One of SCHEMES; text rather than an enum so a new scheme needs no migration. */
    scheme: text("scheme").$type<Scheme>().notNull(),
    /** Several during a rotation; each verifies until its expiresAt. Each `secret` is sealed at rest. */
    secrets: jsonb("secrets").$type<SourceSecret[]>().notNull().default([]),
    /**
     * Standard Webhooks secrets (`whsec_…`) that sign what `forward` sends; several during a
     * rotation (each signs until its expiresAt). Sealed like `secrets` (see secrets-at-rest.ts).
     */
    forwardSecrets: jsonb("forward_secrets").$type<SourceSecret[]>().notNull().default([]),
    toleranceSeconds: integer("tolerance_seconds").notNull().default(300),
    idempotencyRule: jsonb("idempotency_rule").$type<ValueRule | null>(),
    eventTypeRule: jsonb("event_type_rule").$type<ValueRule | null>(),
    handlers: jsonb("handlers").$type<HandlerSpec[]>().notNull(),
    /** null = the installation default (MAX_BODY_BYTES). */
    maxBodyBytes: integer("max_body_bytes"),
    rateLimitPerSecond: integer("rate_limit_per_second"),
    active: boolean("active").notNull().default(true),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    /** Soft delete: events keep their source; the slug stays reserved for the tenant (slug_reservations). */
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
  },
  (t) => [
    // Serves ingest's lookup WHERE slug = $1 AND deleted_at IS NULL, and makes live slugs unique.
    uniqueIndex("sources_slug_live_key").on(t.slug).where(sql`${t.deletedAt} IS NULL`),
    // Serves GET /v1/sources: WHERE tenant_id = $1 ORDER BY id.
    index("sources_tenant_idx").on(t.tenantId, t.id),
  ],
);
