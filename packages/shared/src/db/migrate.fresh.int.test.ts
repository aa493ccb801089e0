import { readMigrationFiles } from "drizzle-orm/migrator";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DEFAULT_TENANT_ID } from "../domain.ts";
import { createTestDatabase, type TestDatabase } from "../testing/index.ts";
import type { Sql } from "./client.ts";
import { migrate, migrationsFolder } from "./migrate.ts";

// migrate() applies every pending migration in ONE transaction (as drizzle does). On a fresh
// database that is all of them, and Postgres refuses an enum value added by `ALTER TYPE … ADD VALUE`
// until that transaction commits ("unsafe use of new value", 55P04). So no migration may use a
// value that an earlier statement added (0004 adds `attempt_outcome` 'filtered'): this file checks
// the files for it, proves the premise, and migrates a fresh database in one batch.

/** Statements (across files, in order) that use an enum value an earlier statement added. */
function unsafeEnumValueUses(files: readonly (readonly string[])[]): string[] {
  const added: { value: string; at: string }[] = [];
  const problems: string[] = [];
  for (const [f, statements] of files.entries()) {
    for (const [s, statement] of statements.entries()) {
      const at = `migration ${f} statement ${s}`;
      const addition = /ALTER\s+TYPE\s+\S+\s+ADD\s+VALUE\s+(?:IF\s+NOT\s+EXISTS\s+)?'([^']+)'/i.exec(
        statement,
      );
      for (const { value, at: where } of added) {
        if (statement.includes(`'${value}'`))
          problems.push(`${at} uses '${value}', added by ${where} in the same migrate() transaction`);
      }
      if (addition?.[1]) added.push({ value: addition[1], at });
    }
  }
  return problems;
}

let pg: TestDatabase;
let sql: Sql;
beforeAll(async () => {
  pg = await createTestDatabase("migrate_fresh", { upTo: 0 }); // the bookkeeping table only
  sql = pg.database.sql;
});
afterAll(() => pg?.drop());

const files = () => readMigrationFiles({ migrationsFolder }).map((m) => m.sql);

it("the check finds a later use of an added enum value", () => {
  expect(
    unsafeEnumValueUses([
      [`ALTER TYPE "public"."attempt_outcome" ADD VALUE 'filtered';`, `ALTER TABLE "x" ADD COLUMN "y" int;`],
      [`UPDATE "attempts" SET "outcome" = 'filtered' WHERE "error" LIKE 'skip%';`],
    ]),
  ).toEqual([
    "migration 1 statement 0 uses 'filtered', added by migration 0 statement 0 in the same migrate() transaction",
  ]);
});

it("no migration uses an enum value added earlier (they share one transaction on a fresh database)", () => {
  expect(unsafeEnumValueUses(files())).toEqual([]);
});

it("Postgres refuses a value added in the same transaction (why the check exists)", async () => {
  const batch = sql.begin(async (tx) => {
    for (const statements of files()) for (const statement of statements) await tx.unsafe(statement);
    await tx`SELECT 'filtered'::attempt_outcome`;
  });
  await expect(batch).rejects.toMatchObject({ code: "55P04" });
  const [tables] = await sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`;
  expect(tables?.n).toBe(0); // rolled back: still fresh
});

it("a fresh database migrates in one batch, and 'filtered' attempts can be written afterwards", async () => {
  await migrate(pg.url);
  const applied = await sql<{ created_at: string; batch: string }[]>`
    SELECT created_at, xmin::text AS batch FROM drizzle.__drizzle_migrations ORDER BY id`;
  expect(applied.map((m) => Number(m.created_at))).toEqual(
    readMigrationFiles({ migrationsFolder }).map((m) => m.folderMillis),
  );
  expect(new Set(applied.map((m) => m.batch)).size).toBe(1); // one transaction wrote them all

  const [source] = await sql<{ id: string }[]>`
    INSERT INTO sources (id, tenant_id, slug, name, scheme, handlers)
    VALUES (gen_random_uuid(), ${DEFAULT_TENANT_ID}, 'fresh', 'fresh', 'none', '[{"name":"log","key":"log","config":{}}]')
    RETURNING id`;
  const [event] = await sql<{ id: string }[]>`
    INSERT INTO events (id, tenant_id, source_id, status, headers, body, size)
    VALUES (gen_random_uuid(), ${DEFAULT_TENANT_ID}, ${source?.id ?? null}, 'completed', '{}', '\\x00', 1)
    RETURNING id`;
  const [attempt] = await sql<{ outcome: string }[]>`
    INSERT INTO attempts (tenant_id, event_id, handler, attempt, started_at, finished_at, outcome, error, duration_ms)
    VALUES (${DEFAULT_TENANT_ID}, ${event?.id ?? null}, 'log', 1, now(), now(), 'filtered', 'source events: no match', 0)
    RETURNING outcome`;
  expect(attempt?.outcome).toBe("filtered");
});
