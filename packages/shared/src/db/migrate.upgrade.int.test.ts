import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DEFAULT_TENANT_ID, type Scheme } from "../domain.ts";
import {
  builtinCatalogEntries,
  createHandlerCatalog,
  type HandlerSpecInput,
  parseHandlerSpecs,
} from "../handlers.ts";
import { createTestDatabase, type TestDatabase } from "../testing/index.ts";
import type { Sql } from "./client.ts";
import { migrate, migrationsFolder } from "./migrate.ts";
import { transitionEvent, transitionEvents } from "./transitions.ts";

// "Upgrades are real": a database of the previous schema (0000–0003), with rows in every state,
// goes through the real migrate() to the code-handler schema (0004) without losing or changing
// anything, and the upgraded rows work with the new code paths.

const PREVIOUS_SCHEMA = 4; // migration files 0000–0003
const OLD_TABLES = ["alerts", "api_keys", "attempts", "events", "rejections", "sources", "tenants"];
const ACME = "00000000-0000-7000-8000-0000000000ac";
const id = (n: number) => `0190a000-0000-7000-8000-${n.toString(16).padStart(12, "0")}`;
const SRC = { fanout: id(0x51), quiet: id(0x52), acme: id(0x53) };
const EV = {
  received: id(0xe1),
  queued: id(0xe2),
  processing: id(0xe3),
  retrying: id(0xe4),
  completed: id(0xe5),
  dead: id(0xe6),
  quiet: id(0xe7),
  acmeDead: id(0xe8),
};
// Old shape `{name, config}`: two different handlers (not in alphabetical order), none, one.
const OLD_HANDLERS = {
  [SRC.fanout]: [
    {
      name: "forward",
      config: { url: "https://example.com/hook", timeoutMs: 5000, headers: { "x-a": "1" } },
    },
    { name: "log", config: { level: "warn" } },
  ],
  [SRC.quiet]: [],
  [SRC.acme]: [
    { name: "slack", config: { url: "https://hooks.slack.com/services/T/B/X", prefix: "[acme]" } },
  ],
};

/** New columns that are not null: 0006's signing secrets start empty (the start step fills them, seal-secrets.ts). */
const NEW_COLUMN_DEFAULTS: Record<string, unknown> = {
  "sources.forward_secrets": [],
  "tenants.active": true,
};

let pg: TestDatabase;
let sql: Sql;
beforeAll(async () => {
  pg = await createTestDatabase("migrate_upgrade", { upTo: PREVIOUS_SCHEMA });
  sql = pg.database.sql;
});
afterAll(() => pg?.drop());

type Rows = Record<string, unknown>[];
/** Every row of every public table, every column (to_jsonb: timestamps to the microsecond, bytea as hex). */
async function snapshot(): Promise<Record<string, Rows>> {
  // Tables and views (0009 made `events` a view of deliveries + event_states), not partitions.
  const tables = await sql<{ name: string }[]>`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v') AND NOT c.relispartition ORDER BY 1`;
  const out: Record<string, Rows> = {};
  for (const { name } of tables) {
    const order = ORDER_BY[name] ?? "id";
    const rows = await sql.unsafe<{ row: Record<string, unknown> }[]>(
      `SELECT to_jsonb(t) AS row FROM "${name}" t ORDER BY ${order}`,
    );
    out[name] = rows.map((r) => r.row);
  }
  return out;
}
const ORDER_BY: Record<string, string> = {
  steps: "event_id, run, handler, name",
  slug_reservations: "slug",
  dead_letters: "event_id",
  settlements: "event_id, run",
  idempotency_keys: "source_id, key",
  inbox_partitions: "suffix",
};

const bookkeeping = () => sql`SELECT id, hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id`;
const columns = () => sql`
  SELECT table_name, column_name, data_type, column_default, is_nullable
  FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`;

async function seedPreviousSchema(): Promise<void> {
  // Microseconds on purpose; sent as text, since postgres.js would pass a timestamp through a Date (ms).
  const at = (s: string) => sql`${`2026-11-0${s}+00`}::text::timestamptz`;
  await sql`INSERT INTO tenants (id, name, created_at) VALUES (${ACME}, 'acme', ${at("1 08:00:00.123456")})`;
  await sql`INSERT INTO api_keys (id, tenant_id, name, prefix, hash, created_at, last_used_at, revoked_at) VALUES
    (${id(0xa1)}, ${DEFAULT_TENANT_ID}, 'ci', 'hb_live_ab', 'sha256-1', ${at("1 08:00:01.000001")}, ${at("2 09:00:00.5")}, NULL),
    (${id(0xa2)}, ${ACME}, 'old', 'hb_live_cd', 'sha256-2', ${at("1 08:00:02")}, NULL, ${at("3 10:00:00.999999")})`;
  const secrets = [
    { secret: "enc:v1:abc", createdAt: "2026-11-01T08:00:00.000Z", expiresAt: "2026-12-01T00:00:00.000Z" },
  ];
  await sql`INSERT INTO sources (id, tenant_id, slug, name, scheme, secrets, tolerance_seconds, idempotency_rule,
      event_type_rule, handlers, max_body_bytes, rate_limit_per_second, active, created_at, updated_at, deleted_at) VALUES
    (${SRC.fanout}, ${DEFAULT_TENANT_ID}, 'fanout', 'Fan-out', 'hmac-sha256', ${sql.json(secrets)}, 300, NULL, NULL,
     ${sql.json(OLD_HANDLERS[SRC.fanout] ?? [])}, NULL, NULL, true, ${at("1 08:01:00.1")}, ${at("2 08:01:00.2")}, NULL),
    (${SRC.quiet}, ${DEFAULT_TENANT_ID}, 'quiet', 'No handlers', 'none', '[]', 60, ${sql.json({ header: "X-Id" })},
     ${sql.json({ jsonPath: "$.kind" })}, ${sql.json(OLD_HANDLERS[SRC.quiet] ?? [])}, 2048, 10, false,
     ${at("1 08:02:00")}, ${at("1 08:02:00")}, NULL),
    (${SRC.acme}, ${ACME}, 'acme-stripe', 'Acme', 'stripe', ${sql.json(secrets)}, 300, NULL, NULL,
     ${sql.json(OLD_HANDLERS[SRC.acme] ?? [])}, NULL, NULL, true, ${at("1 08:03:00")}, ${at("4 08:03:00")}, ${at("4 08:03:00.000123")})`;
  const event = (
    eventId: string,
    status: string,
    more: {
      source?: string;
      tenant?: string;
      attempts?: number;
      run?: number;
      started?: boolean;
      done?: boolean;
    } = {},
  ) => sql`INSERT INTO events (id, tenant_id, source_id, idempotency_key, event_type, status, attempt_count, received_at,
      queued_at, started_at, completed_at, next_attempt_at, last_error, headers, body, content_type, size, run) VALUES (
    ${eventId}, ${more.tenant ?? DEFAULT_TENANT_ID}, ${more.source ?? SRC.fanout},
    ${status === "received" ? null : `key-${status}`}, ${status === "received" ? null : "invoice.paid"}, ${status},
    ${more.attempts ?? 0}, ${at("5 12:00:00.000001")}, ${status === "received" ? null : at("5 12:00:00.5")},
    ${more.started ? at("5 12:00:01.25") : null}, ${more.done ? at("5 12:00:02.333333") : null},
    ${status === "retrying" ? at("5 12:05:00.75") : null}, ${more.attempts ? `forward: HTTP 503 (${status})` : null},
    ${sql.json({ "content-type": "application/json", "x-event-type": "invoice.paid" })},
    ${status === "received" ? Buffer.from([0xff, 0x00, 0xfe, 0x80]) : Buffer.from(`{"type":"${status}"}`)},
    ${status === "received" ? null : "application/json"}, ${status === "received" ? 4 : 20}, ${more.run ?? 0})`;
  await event(EV.received, "received");
  await event(EV.queued, "queued");
  await event(EV.processing, "processing", { attempts: 1, started: true });
  await event(EV.retrying, "retrying", { attempts: 2, started: true });
  await event(EV.completed, "completed", { attempts: 1, started: true, done: true });
  await event(EV.dead, "dead", { attempts: 4, run: 1, started: true, done: true });
  await event(EV.quiet, "completed", { source: SRC.quiet, attempts: 1, started: true, done: true });
  await event(EV.acmeDead, "dead", {
    source: SRC.acme,
    tenant: ACME,
    attempts: 1,
    started: true,
    done: true,
  });
  // [event, handler, attempt, run, outcome]: the old worker wrote the handler's name.
  const attempts: [string, string, number, number, "success" | "error"][] = [
    [EV.retrying, "forward", 1, 0, "error"],
    [EV.retrying, "log", 1, 0, "success"],
    [EV.retrying, "forward", 2, 0, "error"],
    [EV.completed, "forward", 1, 0, "success"],
    [EV.completed, "log", 1, 0, "success"],
    [EV.dead, "log", 1, 0, "success"],
    [EV.dead, "forward", 1, 0, "error"],
    [EV.dead, "forward", 2, 0, "error"],
    [EV.dead, "log", 1, 1, "success"], // the replay (run 1) ran every handler again
    [EV.dead, "forward", 1, 1, "error"],
    [EV.dead, "forward", 2, 1, "error"],
    [EV.acmeDead, "slack", 1, 0, "error"],
  ];
  for (const [i, [eventId, handler, attempt, run, outcome]] of attempts.entries()) {
    await sql`INSERT INTO attempts (tenant_id, event_id, handler, attempt, run, started_at, finished_at, outcome, error, duration_ms)
      VALUES (${eventId === EV.acmeDead ? ACME : DEFAULT_TENANT_ID}, ${eventId}, ${handler}, ${attempt}, ${run},
        ${at(`5 12:01:0${i % 10}.000007`)}, ${at(`5 12:01:0${i % 10}.123457`)}, ${outcome},
        ${outcome === "error" ? `HTTP 503 #${i}` : null}, ${i * 7})`;
  }
  await sql`INSERT INTO alerts (id, tenant_id, kind, event_id, source_id, run, message, created_at, acknowledged_at, acknowledged_by) VALUES
    (${id(0xd1)}, ${DEFAULT_TENANT_ID}, 'dead_letter', ${EV.dead}, ${SRC.fanout}, 0, 'dead after 2', ${at("5 12:02:00")}, ${at("5 13:00:00.5")}, 'key:ci'),
    (${id(0xd2)}, ${DEFAULT_TENANT_ID}, 'dead_letter', ${EV.dead}, ${SRC.fanout}, 1, 'dead again', ${at("5 12:03:00")}, NULL, NULL),
    (${id(0xd3)}, ${ACME}, 'dead_letter', ${EV.acmeDead}, NULL, 0, 'slack dead', ${at("5 12:04:00")}, NULL, NULL)`;
  await sql`INSERT INTO rejections (id, tenant_id, source_id, reason, received_at, size, headers) VALUES
    (${id(0xf1)}, ${DEFAULT_TENANT_ID}, ${SRC.fanout}, 'signature_mismatch', ${at("5 11:00:00.654321")}, 17, ${sql.json({ "user-agent": "x" })}),
    (${id(0xf2)}, ${ACME}, ${SRC.acme}, 'timestamp_out_of_tolerance', ${at("5 11:30:00")}, 0, '{}')`;
}

it("the upgrade test starts from the schema of migrations 0000–0003", () => {
  const journal = JSON.parse(readFileSync(join(migrationsFolder, "meta/_journal.json"), "utf8")) as {
    entries: { tag: string }[];
  };
  expect(journal.entries.map((e) => e.tag).slice(PREVIOUS_SCHEMA - 1, PREVIOUS_SCHEMA + 1)).toEqual([
    "0003_replay_alerts",
    "0004_code_handlers",
  ]);
});

it("migrates a populated database of the previous schema without losing or changing a row", async () => {
  expect(await bookkeeping()).toHaveLength(PREVIOUS_SCHEMA);
  await seedPreviousSchema();
  const before = await snapshot();
  expect(Object.keys(before)).toEqual(OLD_TABLES);
  expect(Object.fromEntries(OLD_TABLES.map((t) => [t, before[t]?.length]))).toEqual({
    alerts: 3,
    api_keys: 2,
    attempts: 12,
    events: 8,
    rejections: 2,
    sources: 3,
    tenants: 2,
  });

  await migrate(pg.url);

  const after = await snapshot();
  // Tables later migrations add (steps: 0004, console_sessions: 0005) start empty; slug_reservations
  // holds every existing slug for its tenant.
  expect(Object.keys(after)).toEqual(
    [
      ...OLD_TABLES,
      "console_sessions",
      "slug_reservations",
      "steps",
      // 0009: the inbox split and partitioned (`events` is now a view of the first two).
      "deliveries",
      "event_states",
      "pending_events",
      "dead_letters",
      "settlements",
      "idempotency_keys",
      "inbox_partitions",
    ].sort(),
  );
  // 0009's side tables say what the statuses say.
  const ids = (status: (s: string) => boolean) =>
    (before.events ?? []).filter((e) => status(e.status as string)).map((e) => e.id);
  expect(after.pending_events?.map((r) => r.id)).toEqual(ids((s) => s !== "completed" && s !== "dead"));
  expect(after.dead_letters?.map((r) => r.event_id)).toEqual(ids((s) => s === "dead"));
  expect(after.settlements?.map((r) => [r.event_id, r.status])).toEqual(
    (before.events ?? [])
      .filter((e) => e.status === "completed" || e.status === "dead")
      .map((e) => [e.id, e.status]),
  );
  expect(after.idempotency_keys?.length).toBe(
    (before.events ?? []).filter((e) => e.idempotency_key !== null).length,
  );
  expect(after.steps).toEqual([]);
  expect(after.console_sessions).toEqual([]);
  expect(after.slug_reservations?.map((r) => [r.slug, r.tenant_id])).toEqual(
    (before.sources ?? [])
      .map((r) => [r.slug, r.tenant_id])
      .sort(([a], [b]) => String(a).localeCompare(String(b))),
  );
  // Every old row, every old column: identical, except that handler specs gained `key = name`
  // (same order, same config).
  const expected = structuredClone(before);
  for (const source of expected.sources ?? []) {
    const old = OLD_HANDLERS[source.id as string] as { name: string }[];
    expect(source.handlers).toEqual(old);
    source.handlers = old.map((h) => ({ ...h, key: h.name }));
  }
  const newColumns: Record<string, string[]> = {};
  for (const table of OLD_TABLES) {
    const rows = after[table] ?? [];
    const oldColumns = Object.keys(before[table]?.[0] ?? {});
    const added = Object.keys(rows[0] ?? {}).filter((c) => !oldColumns.includes(c));
    if (added.length > 0) newColumns[table] = added;
    expect(
      rows.map((row) => Object.fromEntries(oldColumns.map((c) => [c, row[c]]))),
      table,
    ).toEqual(expected[table]);
    for (const column of added)
      expect(
        rows.map((row) => row[column]),
        `${table}.${column}`,
      ).toEqual(rows.map(() => NEW_COLUMN_DEFAULTS[`${table}.${column}`] ?? null));
  }
  expect(newColumns).toEqual({
    attempts: ["next_attempt_at"],
    events: ["run_handlers"],
    tenants: ["active"],
    sources: ["forward_secrets"],
  });
  const [outcomes] = await sql<
    { values: string[] }[]
  >`SELECT enum_range(NULL::attempt_outcome)::text[] AS values`;
  expect(outcomes?.values).toEqual(["success", "error", "filtered"]);
  // Every migration of the folder is applied (0004 and any later one).
  expect(await bookkeeping()).toHaveLength(readMigrationFiles({ migrationsFolder }).length);

  // The new code parses the upgraded specs to exactly what is stored.
  const catalog = createHandlerCatalog(builtinCatalogEntries());
  for (const source of after.sources ?? []) {
    const parsed = parseHandlerSpecs(source.handlers as HandlerSpecInput[], {
      catalog,
      tenantId: source.tenant_id as string,
      scheme: source.scheme as Scheme,
    });
    expect(parsed).toEqual({ ok: true, specs: source.handlers });
  }

  // Running it again changes nothing.
  const [rows, schema, applied] = [after, await columns(), await bookkeeping()];
  await migrate(pg.url);
  expect(await snapshot()).toEqual(rows);
  expect(await columns()).toEqual(schema);
  expect(await bookkeeping()).toEqual(applied);
});

// On the database the previous test upgraded.
it("upgraded rows go through the new code paths: per-key replay, filtered outcomes, per-key backoff, steps", async () => {
  // A dead event replays the keys that had not succeeded in the run that died; a completed one every key.
  expect(await transitionEvent(sql, EV.dead, "replay")).toMatchObject({ run: 2 });
  expect(await transitionEvent(sql, EV.completed, "replay")).toMatchObject({ run: 1 });
  expect(await transitionEvent(sql, EV.acmeDead, "replay", { tenantId: ACME })).toMatchObject({ run: 1 });
  const replayed = await sql<{ id: string; status: string; run_handlers: string[] | null }[]>`
    SELECT id, status, run_handlers FROM events WHERE id = ANY(${sql.array([EV.dead, EV.completed, EV.acmeDead])}::uuid[]) ORDER BY id`;
  expect(replayed).toEqual([
    { id: EV.completed, status: "queued", run_handlers: null },
    { id: EV.dead, status: "queued", run_handlers: ["forward"] },
    { id: EV.acmeDead, status: "queued", run_handlers: ["slack"] },
  ]);

  // Every unsettled old row can be claimed; settling writes the new outcome and per-key times.
  const claimed = await transitionEvents(sql, [EV.received, EV.queued, EV.processing, EV.retrying], "start");
  expect(claimed.map((e) => e.id).sort()).toEqual([EV.received, EV.queued, EV.processing, EV.retrying]);
  const now = new Date();
  const later = new Date(now.getTime() + 60_000);
  const row = (event_id: string, handler: string, outcome: "success" | "error" | "filtered") => ({
    tenant_id: DEFAULT_TENANT_ID,
    event_id,
    handler,
    attempt: 1,
    run: 0,
    started_at: now,
    finished_at: now,
    outcome,
    error: outcome === "success" ? null : `${outcome} reason`,
    duration_ms: 1,
    next_attempt_at: outcome === "error" ? later : null,
  });
  await transitionEvent(
    sql,
    EV.received,
    "complete",
    {},
    {
      attempts: [row(EV.received, "forward", "success"), row(EV.received, "log", "filtered")],
    },
  );
  await transitionEvent(
    sql,
    EV.retrying,
    "retry",
    { nextAttemptAt: later },
    {
      attempts: [row(EV.retrying, "forward", "error")],
    },
  );
  const written = await sql<
    { event_id: string; handler: string; outcome: string; next_attempt_at: Date | null }[]
  >`
    SELECT event_id, handler, outcome, next_attempt_at FROM attempts WHERE finished_at = ${now} ORDER BY id`;
  expect(written).toEqual([
    { event_id: EV.received, handler: "forward", outcome: "success", next_attempt_at: null },
    { event_id: EV.received, handler: "log", outcome: "filtered", next_attempt_at: null },
    { event_id: EV.retrying, handler: "forward", outcome: "error", next_attempt_at: later },
  ]);
  const statuses = await sql<{ id: string; status: string }[]>`
    SELECT id, status FROM events WHERE id = ANY(${sql.array([EV.received, EV.retrying])}::uuid[]) ORDER BY id`;
  expect(statuses).toEqual([
    { id: EV.received, status: "completed" },
    { id: EV.retrying, status: "retrying" },
  ]);

  await sql`INSERT INTO steps (tenant_id, event_id, run, handler, name, result)
    VALUES (${DEFAULT_TENANT_ID}, ${EV.dead}, 2, 'forward', 'charge', ${sql.json({ ok: true })})`;
  expect(await sql`SELECT event_id, run, handler, name FROM steps`).toEqual([
    { event_id: EV.dead, run: 2, handler: "forward", name: "charge" },
  ]);
});
