import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate as drizzleMigrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";

/** Arbitrary constant: the advisory lock every Hookbox process takes before migrating. */
const MIGRATION_LOCK_KEY = 7_245_610_931;

export const migrationsFolder = fileURLToPath(new URL("../../drizzle", import.meta.url));

/**
 * Applies pending migrations. Several api and worker replicas start at once, so they
 * serialize on a session advisory lock; whoever comes second finds nothing left to do.
 * Uses a client of its own (drizzle alters the serializers of the client it is given).
 */
export async function migrate(databaseUrl: string): Promise<void> {
  const sql = postgres(databaseUrl, { max: 2, connect_timeout: 10, onnotice: () => {} });
  try {
    const lock = await sql.reserve();
    try {
      await lock`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
      await drizzleMigrate(drizzle({ client: sql }), { migrationsFolder });
    } finally {
      await lock`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.catch(() => {});
      lock.release();
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}
