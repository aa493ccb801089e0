import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DEFAULT_TENANT_ID } from "../domain.ts";
import { createTestDatabase, type TestDatabase } from "../testing/index.ts";
import { migrate, migrationsFolder } from "./migrate.ts";

// The slug_reservations migration reserves every slug already in use (deleted sources' too) for
// its tenant, so the upgrade itself opens no takeover window. Found by tag, not number: branches
// that add migrations renumber them on merge.
const journal = JSON.parse(readFileSync(join(migrationsFolder, "meta/_journal.json"), "utf8")) as {
  entries: { idx: number; tag: string }[];
};
const BEFORE = journal.entries.findIndex((e) => e.tag.endsWith("_slug_reservations"));
const ACME = "00000000-0000-7000-8000-0000000000ac";
const GLOBEX = "00000000-0000-7000-8000-0000000000b0";
const id = (n: number) => `0190a000-0000-7000-8000-${n.toString(16).padStart(12, "0")}`;

let pg: TestDatabase;
beforeAll(async () => {
  expect(BEFORE).toBeGreaterThan(0);
  pg = await createTestDatabase("migrate_slugs", { upTo: BEFORE });
  const sql = pg.database.sql;
  await sql`INSERT INTO tenants (id, name) VALUES (${ACME}, 'acme'), (${GLOBEX}, 'globex')`;
  const source = (n: number, tenant: string, slug: string, deletedAt: string | null, updatedAt: string) =>
    sql`INSERT INTO sources (id, tenant_id, slug, name, scheme, handlers, deleted_at, updated_at)
        VALUES (${id(n)}, ${tenant}, ${slug}, ${slug}, 'none', '[]', ${deletedAt}, ${updatedAt})`;
  await source(1, ACME, "live", null, "2026-01-01T00:00:00Z");
  await source(2, ACME, "deleted", "2026-01-02T00:00:00Z", "2026-01-02T00:00:00Z");
  // Taken over before the fix: globex holds it live now, acme deleted it earlier.
  await source(3, ACME, "taken-over", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
  await source(4, GLOBEX, "taken-over", null, "2026-01-03T00:00:00Z");
  // Deleted by both in turn: the later one keeps it.
  await source(5, ACME, "both-deleted", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
  await source(6, GLOBEX, "both-deleted", "2026-01-05T00:00:00Z", "2026-01-05T00:00:00Z");
  await source(7, DEFAULT_TENANT_ID, "default-one", null, "2026-01-01T00:00:00Z");
  await migrate(pg.url);
});
afterAll(() => pg?.drop());

it("reserves every existing slug, deleted or not, for the tenant that holds it", async () => {
  const rows = await pg.database.sql<{ slug: string; tenant_id: string }[]>`
    SELECT slug, tenant_id FROM slug_reservations ORDER BY slug`;
  expect(rows).toEqual([
    { slug: "both-deleted", tenant_id: GLOBEX },
    { slug: "default-one", tenant_id: DEFAULT_TENANT_ID },
    { slug: "deleted", tenant_id: ACME },
    { slug: "live", tenant_id: ACME },
    { slug: "taken-over", tenant_id: GLOBEX },
  ]);
});

it("leaves the sources as they were, and every tenant active", async () => {
  const [count] = await pg.database.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM sources`;
  expect(count?.n).toBe(7);
  const tenants = await pg.database.sql<{ active: boolean }[]>`SELECT active FROM tenants`;
  expect(tenants.length).toBe(3);
  expect(tenants.every((t) => t.active)).toBe(true);
});
