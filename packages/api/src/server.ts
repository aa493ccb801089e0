import cluster from "node:cluster";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import {
  answerClusterMetrics,
  type Config,
  ensurePartitions,
  loadConfiguredHandlers,
  migrate,
  partitionPolicyOf,
  secretBoxOf,
  startTracing,
  warmUpDatabase,
} from "@hookbox/shared";
import { createApp } from "./app.ts";
import { createApiDeps } from "./create-deps.ts";
import { createMetricsApp, listenForMetrics } from "./metrics/app.ts";

const PARTITION_CHECK_INTERVAL_MS = 3_600_000;

/**
 * One api process: deps, app, HTTP server with timeouts in seconds, graceful shutdown.
 * `runMigrations` is false in cluster workers (the primary migrated already).
 */
export async function startApiServer(config: Config, options: { runMigrations: boolean }): Promise<void> {
  // Off (nothing loaded) unless the OTEL_* variables ask for it; first, so every span is exported.
  const tracing = await startTracing(config, { serviceName: "hookbox-api" });
  // The same HANDLERS_DIR as the workers: a source's code handlers are validated with their real schemas.
  const codeHandlers = await loadConfiguredHandlers(config);
  const deps = createApiDeps(config, { codeHandlers });
  const { logger } = deps;
  if (options.runMigrations)
    await migrate(config.databaseUrl, {
      secretBox: secretBoxOf(config),
      partitions: partitionPolicyOf(config),
    });
  // Both pools: postgres.js sends array parameters wrongly until a connection has loaded the types.
  await Promise.all([warmUpDatabase(deps.sql), warmUpDatabase(deps.managementSql)]);
  // Ingest needs a partition for every delivery: the janitor makes them ahead, and so does each
  // api process (hourly), so that ingest does not depend on a worker running.
  const partitionTimer = setInterval(() => {
    ensurePartitions(deps.sql, partitionPolicyOf(config)).catch((error: unknown) =>
      logger.warn({ err: error }, "could not make the coming partitions; will retry"),
    );
  }, PARTITION_CHECK_INTERVAL_MS);
  partitionTimer.unref();

  // Before the ingest listener, so the "listening" line can name both ports. In a cluster the
  // primary listens on METRICS_PORT and adds up every process's samples (metrics/cluster.ts).
  let metricsServer: Server | null = null;
  if (cluster.isWorker) answerClusterMetrics(deps.metrics.registry);
  else metricsServer = await listenForMetrics(createMetricsApp(deps), config);
  const metricsPort = metricsServer ? (metricsServer.address() as AddressInfo).port : config.metricsPort;
  const app = createApp(deps);
  const server = serve(
    {
      fetch: app.fetch,
      port: config.port,
      hostname: config.host,
      serverOptions: {
        // Seconds, not Node's 300 s default: a slow client cannot hold a socket for minutes.
        requestTimeout: config.requestTimeoutMs,
        headersTimeout: config.headersTimeoutMs,
        // How often those timeouts are enforced (Node's default is 30 s).
        connectionsCheckingInterval: 1_000,
        keepAliveTimeout: 5_000,
        // Larger headers answer 431 (10 000 headers or one 1 MB header included).
        maxHeaderSize: 16 * 1024,
      },
    },
    (info) =>
      logger.info(
        {
          port: info.port,
          host: config.host,
          metricsPort,
          metricsHost: config.metricsHost,
          pid: process.pid,
        },
        "hookbox api listening",
      ),
  );

  let stopping = false;
  /**
   * SIGTERM: readiness answers 503 at once; after SHUTDOWN_GRACE_MS (load balancers stop sending)
   * the listener closes (new connections refused), idle keep-alive sockets close, in-flight
   * requests finish and their sockets close (`Connection: close`), connections to Postgres and
   * Redis close, exit 0.
   */
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    deps.state.shuttingDown = true;
    logger.info({ signal, graceMs: config.shutdownGraceMs }, "shutting down: readiness off");
    await new Promise((resolve) => setTimeout(resolve, config.shutdownGraceMs));
    deps.state.draining = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    if ("closeIdleConnections" in server) server.closeIdleConnections();
    // A request still running after REQUEST_TIMEOUT_MS would have been cut anyway.
    const force = setTimeout(() => {
      if ("closeAllConnections" in server) server.closeAllConnections();
    }, config.requestTimeoutMs);
    force.unref();
    await closed;
    // Last to close: Prometheus sees the process until it is gone.
    if (metricsServer) {
      const listener = metricsServer;
      listener.closeAllConnections();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
    await deps.close();
    await tracing?.shutdown();
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}
