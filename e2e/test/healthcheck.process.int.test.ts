import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { createTestDatabase } from "@hookbox/shared/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type ProcessStack, startProcessStack } from "../src/index.ts";

// The image's HEALTHCHECK is scripts/healthcheck.ts. One image runs the api (PORT) or a worker
// (WORKER_PORT): a container of either, started with only its own port set, is healthy.
const root = new URL("../../", import.meta.url).pathname;
const cleanups: (() => unknown)[] = [];
let stack: ProcessStack;
let apiPort: number;
let workerPort: number;
let closed: number;

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

function healthcheck(env: Record<string, string>) {
  const run = spawnSync(process.execPath, [`${root}scripts/healthcheck.ts`], {
    env: { PATH: process.env.PATH ?? "", ...stack.env, ...env },
    timeout: 15_000,
  });
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

beforeAll(async () => {
  const db = await createTestDatabase("healthcheck");
  cleanups.push(() => db.drop());
  stack = await startProcessStack("healthcheck", db.url);
  cleanups.push(() => stack.stop());
  apiPort = Number(new URL(stack.base).port);
  const worker = await stack.startWorker();
  workerPort = await worker.ready;
  closed = await closedPort();
}, 60_000);
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

it("an api container (PORT) is healthy", () => {
  const run = healthcheck({ PORT: String(apiPort), WORKER_PORT: String(closed) });
  expect(run, run.output).toMatchObject({ code: 0 });
  expect(run.output).toContain(`live on :${apiPort}`);
});

it("a worker container started on its own (WORKER_PORT) is healthy", () => {
  const run = healthcheck({ PORT: String(closed), WORKER_PORT: String(workerPort) });
  expect(run, run.output).toMatchObject({ code: 0 });
  expect(run.output).toContain(`live on :${workerPort}`);
});

it("a container whose process does not answer is unhealthy", () => {
  const run = healthcheck({ PORT: String(closed), WORKER_PORT: String(closed) });
  expect(run.code).toBe(1);
});

it("the Dockerfile's HEALTHCHECK runs this script, which the image contains", () => {
  const dockerfile = readFileSync(`${root}Dockerfile`, "utf8");
  expect(dockerfile).toMatch(/HEALTHCHECK [^\n]*\\\n\s+CMD \["node", "scripts\/healthcheck\.ts"\]/);
  expect(dockerfile).toMatch(/^COPY [^\n]*scripts\/healthcheck\.ts scripts\//m);
  expect(dockerfile).not.toContain("HEALTH_PORT");
});
