import { loadConfig } from "../config/index.ts";
import { secretBoxOf } from "../secrets-at-rest.ts";
import { migrate } from "./migrate.ts";

// `pnpm db:migrate`: apply migrations to DATABASE_URL (and seal plaintext secrets) and exit.
const config = loadConfig();
await migrate(config.databaseUrl, { secretBox: secretBoxOf(config) });
process.stdout.write("migrations applied\n");
