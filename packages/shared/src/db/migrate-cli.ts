import { loadConfig } from "../config/index.ts";
import { createDatabase } from "./client.ts";
import { migrate } from "./migrate.ts";

// `pnpm db:migrate`: apply migrations to DATABASE_URL and exit.
const config = loadConfig();
const database = createDatabase(config.databaseUrl, { max: 2, statementTimeoutMs: 0 });
try {
  await migrate(database.sql);
  process.stdout.write("migrations applied\n");
} finally {
  await database.close();
}
