import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createTestDatabase,
  createTestRedis,
  TEST_ADMIN_KEY,
  uniqueName,
  waitFor,
} from "@hookbox/shared/testing";
import postgres from "postgres";
import { afterAll, expect, it } from "vitest";

// `pnpm dev` is `./hookbox start` with reloading: scripts/start.ts --watch creates the database
// when it is missing, starts the api and a worker, and restarts both when a watched file changes.
const root = new URL("../../", import.meta.url).pathname;
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

it("pnpm dev runs scripts/start.ts --watch", () => {
  const manifest = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as {
    scripts: Record<string, string>;
  };
  expect(manifest.scripts.dev).toBe("node scripts/start.ts --watch");
});

it("creates the missing database, serves, and restarts on a change in HANDLERS_DIR", async () => {
  // A database that exists gives the server's address; the one `pnpm dev` is pointed at does not.
  const existing = await createTestDatabase("dev_base");
  cleanups.push(() => existing.drop());
  const url = new URL(existing.url);
  url.pathname = `/${uniqueName("dev_fresh")}`;
  const admin = postgres(existing.url, { max: 1, onnotice: () => {} });
  cleanups.push(async () => {
    await admin.unsafe(`DROP DATABASE IF EXISTS "${url.pathname.slice(1)}" WITH (FORCE)`);
    await admin.end();
  });
  const redis = await createTestRedis("dev");
  cleanups.push(() => redis.cleanup());
  const handlers = mkdtempSync(join(tmpdir(), "hookbox-dev-handlers-"));
  cleanups.push(() => rmSync(handlers, { recursive: true, force: true }));

  const lines: string[] = [];
  const child: ChildProcess = spawn(process.execPath, [`${root}scripts/start.ts`, "--watch"], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "test",
      DATABASE_URL: url.toString(),
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix,
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      HANDLERS_DIR: handlers,
      HOST: "127.0.0.1",
      PORT: "0",
      WORKER_PORT: "0",
      METRICS_PORT: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((r) => child.once("exit", r));
  cleanups.push(async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
  });
  for (const stream of [child.stdout, child.stderr])
    stream?.on("data", (chunk: Buffer) => lines.push(...String(chunk).split("\n").filter(Boolean)));
  const count = (msg: string) => lines.filter((l) => l.includes(msg)).length;
  const both = (n: number) => count("hookbox api listening") >= n && count("hookbox worker running") >= n;

  await waitFor(async () => both(1) || undefined, {
    timeoutMs: 30_000,
    what: `api and worker up:\n${lines.join("\n")}`,
  });
  expect(lines.join("\n")).toContain("hookbox: created database");
  const port = (
    JSON.parse(lines.find((l) => l.includes("hookbox api listening")) as string) as { port: number }
  ).port;
  expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);

  writeFileSync(join(handlers, "notes.md"), "a change in HANDLERS_DIR\n");
  await waitFor(async () => both(2) || undefined, { timeoutMs: 30_000, what: "api and worker restarted" });

  child.kill("SIGTERM");
  expect(await exited).toBe(0);
}, 90_000);
