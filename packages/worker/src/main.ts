import { HandlerLoadError, loadConfig } from "@hookbox/shared";
import { runWorker } from "./run.ts";

const config = loadConfig();
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
  running.deps.logger.info("stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
