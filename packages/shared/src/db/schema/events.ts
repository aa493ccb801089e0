import {
  customType,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  pgView,
  primaryKey,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { EVENT_STATUSES } from "../../domain.ts";

/** The exact bytes the sender posted. */
export const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "bytea" });

export const eventStatus = pgEnum("event_status", EVENT_STATUSES);

/*
 * The inbox (docs/adr/0014-storage.md). What is written once and what changes live apart:
 *
 *   deliveries     the delivery as received — written once at ingest, never updated
 *   event_states   the processing state — one narrow row per event, updated in place; no column a
 *                  hot transition changes is indexed, so start/complete are HOT updates
 *   pending_events the events not yet settled (the reconciler's to-do list, and what keeps a
 *                  partition from being dropped): inserted at ingest, deleted at settlement
 *   settlements    append-only: one row per settled run (the live stream's catch-up order)
 *   dead_letters   the dead events (listing and bulk replay of status=dead)
 *   idempotency_keys  (source, key) → event: the ingest uniqueness across partitions
 *
 * deliveries, event_states, settlements, attempts and steps are partitioned by RANGE of the
 * event id (uuid v7, so a range of ids is a range of time), with the same bounds; the partitions
 * are made by `hookbox_ensure_partitions` (migration 0009) and dropped whole by retention.
 * drizzle-kit does not model partitioning: the migration creates these tables itself, and the
 * definitions here describe their columns and indexes (what `drizzle-kit generate` compares).
 *
 * Index costs at ingest are measured by `pnpm bench:indexes` (bench/src/index-cost.ts: the api's
 * batched INSERT of 40 000 1 KB keyed deliveries, each index dropped in turn) and written next to
 * each index as its share of the insert's time. Figures of 2026-12-01 11:27, medians of 3 on a
 * shared, loaded machine: read them ±10 points (all indexes together: 7 555 rows/s).
 */

export const deliveries = pgTable(
  "deliveries",
  {
    /** uuid v7: time-ordered, so the primary key is also the listing order and the partition key. */
    id: uuid("id").notNull(),
    tenantId: uuid("tenant_id").notNull(),
    sourceId: uuid("source_id").notNull(),
    idempotencyKey: text("idempotency_key"),
    eventType: text("event_type"),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
    /** Request headers without signature or auth headers. */
    headers: jsonb("headers").$type<Record<string, string>>().notNull(),
    body: bytea("body").notNull(),
    contentType: text("content_type"),
    size: integer("size").notNull(),
  },
  (t) => [
    // Serves every lookup by id (event detail, the claim's join) and is the partition key. Not
    // measured (a partitioned table's unique key must exist); ids arrive in order, so each insert
    // touches the right edge of the btree only.
    primaryKey({ name: "deliveries_pkey", columns: [t.id] }),
    // Serves GET /v1/events and the console: WHERE tenant_id = $1 [AND id < $cursor] ORDER BY id DESC.
    // Costs ≈ 17 % of the insert.
    index("deliveries_tenant_id_idx").on(t.tenantId, t.id.desc()),
    // Serves ?source=: WHERE source_id = $1 [AND id < $cursor] ORDER BY id DESC. Costs ≈ 26 % (one
    // run; its structure is the tenant index's, so expect about the same).
    index("deliveries_source_id_idx").on(t.sourceId, t.id.desc()),
    // Serves ?type= and bulk replay by type. Costs ≈ 18 %.
    index("deliveries_tenant_type_id_idx").on(t.tenantId, t.eventType, t.id.desc()),
  ],
);

export const eventStates = pgTable(
  "event_states",
  {
    id: uuid("id").notNull(),
    /** Copied from the delivery: management transitions check it without a join. Never changes. */
    tenantId: uuid("tenant_id").notNull(),
    status: eventStatus("status").notNull().default("queued"),
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
    queuedAt: timestamp("queued_at", { withTimezone: true }),
    startedAt: timestamp("started_at", { withTimezone: true }),
    completedAt: timestamp("completed_at", { withTimezone: true }),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
    lastError: text("last_error"),
  },
  (t) => [
    // The only index: every transition finds its row by id, and no other column may be indexed
    // (an indexed column that changes makes an update non-HOT). fillfactor 70: see the ADR.
    // At ingest: one right-edge btree insert (ids in order), not measured apart from the row.
    primaryKey({ name: "event_states_pkey", columns: [t.id] }),
  ],
);

export const pendingEvents = pgTable("pending_events", {
  // Serves the reconciler (oldest first), the retention check (any pending id in a partition's
  // range?) and the settle's DELETE. ≈ 1 heap tuple + 1 btree entry per event, deleted at settlement.
  id: uuid("id").primaryKey(),
  tenantId: uuid("tenant_id").notNull(),
});

export const settlements = pgTable(
  "settlements",
  {
    tenantId: uuid("tenant_id").notNull(),
    eventId: uuid("event_id").notNull(),
    run: integer("run").notNull(),
    status: eventStatus("status").notNull(),
    /** = event_states.completed_at of that run (the same transaction's now()). */
    settledAt: timestamp("settled_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    // Serves the live stream's catch-up: a tenant's settlements after a mark, in settlement order.
    // Nothing at ingest: written when a run settles.
    index("settlements_tenant_settled_idx").on(t.tenantId, t.settledAt, t.eventId),
  ],
);

export const deadLetters = pgTable(
  "dead_letters",
  {
    // Serves the replay's DELETE (one event) — written only when an event dies.
    eventId: uuid("event_id").primaryKey(),
    tenantId: uuid("tenant_id").notNull(),
  },
  (t) => [
    // Serves GET /v1/events?status=dead and bulk replay of the dead: newest first per tenant.
    // Nothing at ingest: written when an event dies.
    index("dead_letters_tenant_idx").on(t.tenantId, t.eventId.desc()),
  ],
);

export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    sourceId: uuid("source_id").notNull(),
    key: text("key").notNull(),
    eventId: uuid("event_id").notNull(),
  },
  (t) => [
    // Serves ingest idempotency: INSERT … ON CONFLICT (source_id, key) DO NOTHING. Postgres has no
    // unique index across partitions, so the keys live in this one narrow table. The table (row +
    // this key) costs ≈ 19 % of a keyed delivery's insert.
    primaryKey({ name: "idempotency_keys_pkey", columns: [t.sourceId, t.key] }),
    // Serves retention (the keys of a dropped partition's events, by id range). BRIN: ids arrive
    // in time order, so a few hundred bytes cover millions of rows. Measured ≈ 11 %, which is
    // within that run's noise for an index that updates one summary tuple per 128 pages.
    index("idempotency_keys_event_brin").using("brin", t.eventId),
  ],
);

/**
 * The inbox as one relation: a delivery with its state. Reads use it; the hot paths write the
 * tables. INSTEAD OF triggers (migration 0009) make it writable for operators and tests.
 */
export const events = pgView("events", {
  id: uuid("id").notNull(),
  tenantId: uuid("tenant_id").notNull(),
  sourceId: uuid("source_id").notNull(),
  idempotencyKey: text("idempotency_key"),
  eventType: text("event_type"),
  status: eventStatus("status").notNull(),
  attemptCount: integer("attempt_count").notNull(),
  run: integer("run").notNull(),
  runHandlers: text("run_handlers").array(),
  receivedAt: timestamp("received_at", { withTimezone: true }).notNull(),
  queuedAt: timestamp("queued_at", { withTimezone: true }),
  startedAt: timestamp("started_at", { withTimezone: true }),
  completedAt: timestamp("completed_at", { withTimezone: true }),
  nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
  lastError: text("last_error"),
  headers: jsonb("headers").$type<Record<string, string>>().notNull(),
  body: bytea("body").notNull(),
  contentType: text("content_type"),
  size: integer("size").notNull(),
}).existing();

/** The partitions `hookbox_ensure_partitions` made: one row per time range (all five tables share it). */
export const inboxPartitions = pgTable("inbox_partitions", {
  /** The suffix of every table's partition for this range (`p20261201t0000`). */
  suffix: text("suffix").primaryKey(),
  fromAt: timestamp("from_at", { withTimezone: true }).notNull(),
  toAt: timestamp("to_at", { withTimezone: true }).notNull(),
});
