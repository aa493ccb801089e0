import { type Config, migrate, warmUpDatabase } from "@hookbox/shared";
import { createWorkerDeps, type WorkerDeps } from "./deps.ts";
import { createWorkerHttpServer } from "./http.ts";
import { scheduleJanitor } from "./maintenance/janitor.ts";
import { startMaintenanceWorker } from "./maintenance/start.ts";
import { startReconciler } from "./reconciler.ts";
import { startEventWorker } from "./start-worker.ts";

export interface RunningWorker {
  deps: WorkerDeps;
  port: number;
  /** Stop taking jobs, let active ones finish, close connections. */
  stop(): Promise<void>;
}

/** Wires a whole worker process: migrations, BullMQ worker, reconciler, http. */
export async function runWorker(
  config: Config,
  overrides: Parameters<typeof createWorkerDeps>[1] = {},
): Promise<RunningWorker> {
  const deps = createWorkerDeps(config, overrides);
  await migrate(config.databaseUrl);
  await warmUpDatabase(deps.sql);
  const worker = startEventWorker(deps);
  const maintenance = startMaintenanceWorker(deps);
  await scheduleJanitor(deps).catch((error: unknown) =>
    deps.logger.warn({ err: error }, "could not schedule the janitor (Redis?); the next start will"),
  );
  const reconciler = startReconciler(deps);
  const server = createWorkerHttpServer(deps, () => worker.isRunning());
  await new Promise<void>((resolve) => server.listen(config.workerPort, config.host, resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.workerPort;
  deps.logger.info({ port, concurrency: config.workerConcurrency }, "hookbox worker running");
  return {
    deps,
    port,
    async stop() {
      await reconciler.stop();
      await Promise.all([worker.close(), maintenance.close()]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await deps.close();
    },
  };
}
