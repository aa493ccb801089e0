import cluster from "node:cluster";
import { HandlerLoadError, loadConfig } from "@hookbox/shared";
import { runApiCluster } from "./cluster.ts";
import { startApiServer } from "./server.ts";

const config = loadConfig();
if (config.apiProcesses > 1 && cluster.isPrimary) {
  await runApiCluster(config);
} else {
  await startApiServer(config, { runMigrations: cluster.isPrimary }).catch((error: unknown) => {
    if (!(error instanceof HandlerLoadError)) throw error;
    process.stderr.write(`hookbox api: ${error.message}\n`);
    process.exit(1);
  });
}
