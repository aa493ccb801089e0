import { fileURLToPath } from "node:url";
// drizzle-orm/migrator only reads the migration files (it imports nothing else from drizzle).
import { readMigrationFiles } from "drizzle-orm/migrator";
import postgres from "postgres";
import type { SecretBox } from "../secrets-at-rest.ts";
import { ensurePartitions, type PartitionPolicy } from "./partitions.ts";
import { type SealReport, sealSourceSecrets } from "./seal-secrets.ts";

/** Arbitrary constant: the advisory lock every Hookbox process takes before migrating. */
const MIGRATION_LOCK_KEY = 7_245_610_931;

export const migrationsFolder = fileURLToPath(new URL("../../drizzle", import.meta.url));

export interface MigrateOptions {
  /**
   * Apply only the first `upTo` migration files (in journal order), e.g. to build a database of an
   * older schema in an upgrade test. Default: all of them.
   */
  upTo?: number;
  /**
   * After the migrations, under the same lock: seal every source secret still in plaintext (or
   * under a previous key) with this box (`sealSourceSecrets`). The api and worker pass theirs.
   */
  secretBox?: SecretBox;
  /** After the migrations, under the same lock: make the inbox partitions of the coming periods. */
  partitions?: PartitionPolicy;
}

/**
 * Applies pending migrations. Several api and worker replicas start at once, so they
 * serialize on a session advisory lock; whoever comes second finds nothing left to do.
 * Uses a client of its own.
 *
 * The migrations are drizzle-kit's (`packages/shared/drizzle`), applied exactly as drizzle's
 * own migrator does (same bookkeeping table, so `drizzle-kit migrate` and this agree), without
 * loading drizzle-orm itself into the api and worker processes (see ../drizzle.ts).
 */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<SealReport | null> {
  const sql = postgres(databaseUrl, { max: 2, connect_timeout: 10, onnotice: () => {} });
  try {
    const lock = await sql.reserve();
    try {
      await lock`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
      await applyMigrations(lock, options.upTo);
      if (options.partitions) await ensurePartitions(lock, options.partitions);
      return options.secretBox ? await sealSourceSecrets(lock, options.secretBox) : null;
    } finally {
      await lock`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.catch(() => {});
      lock.release();
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** drizzle-orm's pg dialect `migrate()`, on postgres.js: every file newer than the last applied one. */
async function applyMigrations(sql: postgres.ReservedSql, upTo: number | undefined): Promise<void> {
  const migrations = readMigrationFiles({ migrationsFolder }).slice(0, upTo);
  await sql`CREATE SCHEMA IF NOT EXISTS drizzle`;
  await sql`CREATE TABLE IF NOT EXISTS drizzle.__drizzle_migrations (
    id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`;
  const [last] = await sql<{ created_at: string }[]>`
    SELECT created_at FROM drizzle.__drizzle_migrations ORDER BY created_at DESC LIMIT 1`;
  const pending = migrations.filter((m) => !last || Number(last.created_at) < m.folderMillis);
  if (pending.length === 0) return;
  // One transaction for all of them, like drizzle (a reserved connection has no sql.begin).
  // So an enum value a migration adds (`ALTER TYPE … ADD VALUE`, e.g. 0004's `filtered`) cannot be
  // used by any later migration: on a fresh database both run in this one transaction, and
  // Postgres refuses a new enum value before its commit ("unsafe use of new value").
  // migrate.fresh.int.test.ts checks the files for that.
  await sql`BEGIN`;
  try {
    for (const migration of pending) {
      for (const statement of migration.sql) await sql.unsafe(statement);
      await sql`INSERT INTO drizzle.__drizzle_migrations (hash, created_at)
                VALUES (${migration.hash}, ${migration.folderMillis})`;
    }
    await sql`COMMIT`;
  } catch (error) {
    await sql`ROLLBACK`.catch(() => {});
    throw error;
  }
}
