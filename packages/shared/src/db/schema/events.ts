import { sql } from "drizzle-orm";
import {
  customType,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { EVENT_STATUSES, TERMINAL_STATUSES_SQL } from "../../domain.ts";
import { sources } from "./sources.ts";
import { tenants } from "./tenants.ts";

/** The exact bytes the sender posted. */
export const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "bytea" });

export const eventStatus = pgEnum("event_status", EVENT_STATUSES);

export const events = pgTable(
  "events",
  {
    /** uuid v7: time-ordered, so the primary key is also the listing order. */
    id: uuid("id").primaryKey(),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    sourceId: uuid("source_id")
      .notNull()
      .references(() => sources.id, { onDelete: "cascade" }),
    idempotencyKey: text("idempotency_key"),
    eventType: text("event_type"),
    status: eventStatus("status").notNull().default("received"),
    /** Handler runs started for this event (one per BullMQ attempt, including stalled ones). */
    attemptCount: integer("attempt_count").notNull().default(0),
    /** 0 for the original delivery, +1 per replay: a replay runs every handler again. */
    run: integer("run").notNull().default(0),
    /**
     * The handler keys this run runs; null = every handler of the source. A replay of a dead event
     * runs only the keys that had not succeeded (or those the operator chose); the others are
     * carried over as done.
     */
    runHandlers: text("run_handlers").array(),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
    queuedAt: timestamp("queued_at", { withTimezone: true }),
    startedAt: timestamp("started_at", { withTimezone: true }),
    completedAt: timestamp("completed_at", { withTimezone: true }),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
    lastError: text("last_error"),
    /** Request headers without signature or auth headers. */
    headers: jsonb("headers").$type<Record<string, string>>().notNull(),
    body: bytea("body").notNull(),
    contentType: text("content_type"),
    size: integer("size").notNull(),
  },
  (t) => [
    // Serves ingest idempotency: INSERT … ON CONFLICT (source_id, idempotency_key). NULL keys never collide.
    uniqueIndex("events_source_idempotency_key").on(t.sourceId, t.idempotencyKey),
    // Serves GET /v1/events: WHERE tenant_id = $1 [AND id < $cursor] ORDER BY id DESC.
    index("events_tenant_id_idx").on(t.tenantId, t.id.desc()),
    // Serves GET /v1/events?source=: WHERE source_id = $1 [AND id < $cursor] ORDER BY id DESC.
    index("events_source_id_idx").on(t.sourceId, t.id.desc()),
    // Serves GET /v1/events?status= (e.g. the dead letters) and bulk replay by status.
    index("events_tenant_status_id_idx").on(t.tenantId, t.status, t.id.desc()),
    // Serves GET /v1/events?type= and bulk replay by type.
    index("events_tenant_type_id_idx").on(t.tenantId, t.eventType, t.id.desc()),
    // Serves the live stream's catch-up: settled events of a tenant after a point in time.
    index("events_tenant_completed_idx")
      .on(t.tenantId, t.completedAt, t.id)
      .where(sql`${t.status} IN (${sql.raw(TERMINAL_STATUSES_SQL)})`),
    // Serves the reconciler: non-terminal rows by status and age. Partial, so it stays small.
    index("events_pending_idx")
      .on(t.status, t.receivedAt)
      .where(sql`${t.status} NOT IN (${sql.raw(TERMINAL_STATUSES_SQL)})`),
  ],
);
