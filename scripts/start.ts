// `pnpm start`: the api and one worker as two processes, for a single machine. Creates the
// database named in DATABASE_URL if it does not exist and applies migrations first. Stops both
// on Ctrl-C; if one exits, stops the other. `--watch` (what `hookbox dev` and `pnpm dev` run): both
// restart when a file in HANDLERS_DIR or in Hookbox's own sources changes (node --watch-path), so a
// code handler's new version, or Hookbox's, is loaded.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import postgres from "postgres";
import { startFlags } from "../packages/shared/src/testing/start-flags.ts";

const root = new URL("..", import.meta.url).pathname;
const env: Record<string, string | undefined> = { ...process.env };
env.DATABASE_URL ??= "postgres://postgres@127.0.0.1:5432/hookbox";

// The admin key: yours from ADMIN_API_KEY, else one generated once and kept in .hookbox/admin-key.
if (!env.ADMIN_API_KEY) {
  const file = `${root}.hookbox/admin-key`;
  if (!existsSync(file)) {
    mkdirSync(`${root}.hookbox`, { recursive: true });
    writeFileSync(file, `hbk_admin_${randomBytes(24).toString("base64url")}\n`, { mode: 0o600 });
  }
  env.ADMIN_API_KEY = readFileSync(file, "utf8").trim();
  console.log(`hookbox: admin API key (from .hookbox/admin-key): ${env.ADMIN_API_KEY}`);
}

await ensureDatabase(env.DATABASE_URL);

// --watch-path turns off node's watching of the import graph, so Hookbox's sources are named too.
const watched = [
  env.HANDLERS_DIR ?? `${root}handlers`,
  ...["shared", "sdk", "api", "worker"].map((p) => `${root}packages/${p}/src`),
];
const watch = process.argv.includes("--watch")
  ? [...watched.map((path) => `--watch-path=${path}`), "--watch-preserve-output"]
  : [];

// Each process with its package's `start` flags (the heap tuning), as `pnpm --filter … start` runs it.
function run(name: "api" | "worker"): ChildProcess {
  const script = `packages/${name}/src/main.ts`;
  const child = spawn(process.execPath, [...startFlags(name), ...watch, script], {
    env,
    stdio: "inherit",
    cwd: root,
  });
  child.on("exit", (code) => {
    console.log(`hookbox: ${name} exited with ${code}`);
    stop(code ?? 1);
  });
  return child;
}

const children = [run("api"), run("worker")];
let stopping = false;
function stop(code: number) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null))).then(
    () => process.exit(code),
  );
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

async function ensureDatabase(url: string) {
  const probe = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await probe`select 1`;
  } catch (error) {
    if ((error as { code?: string }).code !== "3D000") throw error;
    const name = new URL(url).pathname.slice(1);
    const admin = new URL(url);
    admin.pathname = "/postgres";
    const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} });
    await sql.unsafe(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
    await sql.end();
    console.log(`hookbox: created database ${name}`);
  } finally {
    await probe.end();
  }
}
