import { serve } from "@hono/node-server";
import { loadConfig, migrate, warmUpDatabase } from "@hookbox/shared";
import { createApp } from "./app.ts";
import { createApiDeps } from "./deps.ts";

const config = loadConfig();
const deps = createApiDeps(config);
const { logger } = deps;

await migrate(config.databaseUrl);
await warmUpDatabase(deps.sql);

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
      keepAliveTimeout: 5_000,
      maxHeaderSize: 16 * 1024,
    },
  },
  (info) => logger.info({ port: info.port, host: config.host }, "hookbox api listening"),
);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down: readiness off, finishing in-flight requests");
  deps.state.shuttingDown = true;
  server.close();
  if ("closeIdleConnections" in server) server.closeIdleConnections();
  await new Promise<void>((resolve) => server.once("close", () => resolve()));
  await deps.close();
  logger.info("stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
