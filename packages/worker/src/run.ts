import {
  type Config,
  loadConfiguredHandlers,
  MANIFEST_REFRESH_MS,
  migrate,
  newWorkerManifest,
  partitionPolicyOf,
  publishManifest,
  secretBoxOf,
  servedEventShards,
  toManifestHandlers,
  warmUpDatabase,
  withdrawManifest,
} from "@hookbox/shared";
import { createWorkerDeps, type WorkerDeps } from "./deps.ts";
import { createWorkerHttpServer } from "./http.ts";
import { scheduleJanitor } from "./maintenance/janitor.ts";
import { startMaintenanceWorker } from "./maintenance/start.ts";
import { startReconciler } from "./reconciler.ts";
import { startEventWorkers } from "./start-worker.ts";

export interface RunningWorker {
  deps: WorkerDeps;
  port: number;
  /** Stop taking jobs, let active ones finish, close connections. */
  stop(): Promise<void>;
}

/**
 * Wires a whole worker process: code handlers (a broken module stops it here, before it takes
 * any job), migrations, BullMQ worker, handler manifest, reconciler, http.
 */
export async function runWorker(
  config: Config,
  overrides: Parameters<typeof createWorkerDeps>[1] = {},
): Promise<RunningWorker> {
  const codeHandlers = overrides.codeHandlers ?? (await loadConfiguredHandlers(config));
  const deps = createWorkerDeps(config, { ...overrides, codeHandlers });
  await migrate(config.databaseUrl, {
    secretBox: secretBoxOf(config),
    partitions: partitionPolicyOf(config),
  });
  await warmUpDatabase(deps.sql);
  const worker = startEventWorkers(deps);
  const maintenance = startMaintenanceWorker(deps);
  await scheduleJanitor(deps).catch((error: unknown) =>
    deps.logger.warn({ err: error }, "could not schedule the janitor (Redis?); the next start will"),
  );
  const manifest = newWorkerManifest(deps.workerId, toManifestHandlers(deps.handlers.catalog.entries()));
  const announce = () =>
    publishManifest(deps.redis, config.redisPrefix, manifest).catch((error: unknown) =>
      deps.logger.warn({ err: error }, "could not publish the handler manifest; will retry"),
    );
  await announce();
  const heartbeat = setInterval(announce, MANIFEST_REFRESH_MS);
  heartbeat.unref();
  const reconciler = startReconciler(deps);
  const server = createWorkerHttpServer(deps, () => worker.isRunning());
  await new Promise<void>((resolve) => server.listen(config.workerPort, config.host, resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.workerPort;
  deps.logger.info(
    {
      port,
      concurrency: config.workerConcurrency,
      shards: servedEventShards(config),
      codeHandlers: codeHandlers.map((h) => `${h.name}@${h.version}`),
    },
    "hookbox worker running",
  );
  return {
    deps,
    port,
    async stop() {
      clearInterval(heartbeat);
      await withdrawManifest(deps.redis, config.redisPrefix, deps.workerId).catch(() => {});
      await reconciler.stop();
      // Active handlers get the grace period to finish; then their `signal` aborts.
      const grace = setTimeout(() => deps.abortHandlers(), config.workerShutdownGraceMs);
      await Promise.all([worker.close(), maintenance.close()]);
      clearTimeout(grace);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await deps.close();
    },
  };
}
