// The image's HEALTHCHECK (Dockerfile), for the api and the worker alike: one image runs either
// command, so the container is healthy when /health/live answers 2xx on PORT (the api) or on
// WORKER_PORT (the worker), read with the processes' own config and defaults. Exit 0 or 1.
import { parseConfig } from "../packages/shared/src/config/index.ts";

const result = parseConfig(process.env);
if (!result.ok) {
  console.error(`healthcheck: invalid configuration: ${result.problems.join("; ")}`);
  process.exit(1);
}
const { host, port, workerPort } = result.config;
// Both processes listen on HOST; a wildcard address is reached on loopback.
const target = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;

async function live(p: number): Promise<number> {
  const res = await fetch(`http://${target}:${p}/health/live`, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`:${p} answered ${res.status}`);
  return p;
}

try {
  const answered = await Promise.any([port, workerPort].map(live));
  console.log(`healthcheck: live on :${answered}`);
  process.exit(0);
} catch {
  console.error(`healthcheck: no /health/live on :${port} (PORT) or :${workerPort} (WORKER_PORT)`);
  process.exit(1);
}
