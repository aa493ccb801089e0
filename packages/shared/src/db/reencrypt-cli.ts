import { loadConfig } from "../config/index.ts";
import { secretBoxOf } from "../secrets-at-rest.ts";
import { migrate } from "./migrate.ts";

// `pnpm db:reencrypt`: after a key rotation, reseal every source secret with ENCRYPTION_KEY now
// (the api and worker also do it at start), so the previous key can be dropped. Migrates first.
const config = loadConfig();
const report = await migrate(config.databaseUrl, { secretBox: secretBoxOf(config) });
process.stdout.write(`source rows: ${report?.rows ?? 0}, rewritten: ${report?.rewritten ?? 0}\n`);
