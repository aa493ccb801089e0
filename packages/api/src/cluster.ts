import cluster from "node:cluster";
import {
  type Config,
  clusterMetricsSource,
  createLogger,
  logDestination,
  migrate,
  partitionPolicyOf,
  secretBoxOf,
} from "@hookbox/shared";
import { createMetricsApp, listenForMetrics } from "./metrics/app.ts";

/**
 * API_PROCESSES > 1: the primary migrates once, then forks that many api processes sharing the
 * listening port (the kernel spreads connections). A process that dies is replaced; SIGTERM is
 * passed on and the primary exits 0 when all have shut down gracefully. The primary serves
 * METRICS_PORT: one scrape, every process's counts added up.
 */
export async function runApiCluster(config: Config): Promise<void> {
  const logger = createLogger(
    config.logLevel,
    { service: "hookbox-api", role: "primary" },
    logDestination(config.nodeEnv),
  );
  await migrate(config.databaseUrl, {
    secretBox: secretBoxOf(config),
    partitions: partitionPolicyOf(config),
  });
  const metricsServer = await listenForMetrics(createMetricsApp({ source: clusterMetricsSource() }), config);
  let stopping = false;
  const fork = () => cluster.fork();
  for (let i = 0; i < config.apiProcesses; i++) fork();
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) metricsServer.close(() => process.exit(0));
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, "api process died; starting another");
    fork();
  });
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "passing the signal on to the api processes");
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}
