import { HandlerLoadError, loadConfig, startTracing } from "@hookbox/shared";
import { runWorker } from "./run.ts";

const config = loadConfig();
// Off (nothing loaded) unless the OTEL_* variables ask for it.
const tracing = await startTracing(config, { serviceName: "hookbox-worker" });
const running = await runWorker(config).catch((error: unknown) => {
  // One clear line naming the file and the problem; no job was taken.
  if (error instanceof HandlerLoadError) {
    process.stderr.write(`hookbox worker: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  running.deps.logger.info({ signal }, "shutting down: no new jobs, finishing active ones");
  await running.stop();
  await tracing?.shutdown();
  running.deps.logger.info("stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
