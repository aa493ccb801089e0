import { loadConfig } from "../config/index.ts";
import { migrate } from "./migrate.ts";

// `pnpm db:migrate`: apply migrations to DATABASE_URL and exit.
const config = loadConfig();
await migrate(config.databaseUrl);
process.stdout.write("migrations applied\n");
