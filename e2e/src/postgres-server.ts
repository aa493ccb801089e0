import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./redis-server.ts";

/** PostgreSQL's server binaries (Debian puts them under /usr/lib/postgresql/<major>/bin). */
function pgBin(tool: string): string {
  const root = "/usr/lib/postgresql";
  const majors = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const major of majors) {
    const path = join(root, major, "bin", tool);
    if (existsSync(path)) return path;
  }
  throw new Error(`${tool} not found under ${root}: the outage tests need PostgreSQL's server binaries`);
}

/** initdb and the server refuse to run as root: run them as `postgres` when we are root. */
function run(tool: string, args: string[]): void {
  const asRoot = process.getuid?.() === 0;
  // runuser lives in /usr/sbin, which a minimal PATH (a CI runner's) may not have.
  const runuser = ["/usr/sbin/runuser", "/sbin/runuser"].find((path) => existsSync(path)) ?? "runuser";
  const [cmd, argv] = asRoot
    ? [runuser, ["-u", "postgres", "--", pgBin(tool), ...args]]
    : [pgBin(tool), args];
  const result = spawnSync(cmd, argv, { stdio: "pipe", timeout: 60_000 });
  if (result.status !== 0)
    throw new Error(
      `${tool} ${args.join(" ")} failed: ${result.error?.message ?? result.stderr?.toString() ?? `exit ${result.status}`}`,
    );
}

/**
 * A private PostgreSQL cluster on its own port, so a test can stop and start it without
 * touching the shared server. Trust auth, database `postgres`.
 */
export async function startPrivatePostgres() {
  const dir = mkdtempSync(join(tmpdir(), "hookbox-pg-"));
  chmodSync(dir, 0o777);
  const data = join(dir, "data");
  const port = await freePort();
  if (process.getuid?.() === 0) execFileSync("chown", ["postgres", dir]);
  run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  const start = () =>
    run("pg_ctl", ["-D", data, "-o", options, "-l", join(dir, "log"), "-w", "-t", "30", "start"]);
  const stop = () => run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
  start();
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    /** Stops for good and removes the data directory. */
    destroy() {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
