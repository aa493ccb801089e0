import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { cliEnv } from "./env.ts";
import { CliError } from "./errors.ts";

/** What `hookbox login` stores. The key is never printed. */
export interface StoredLogin {
  url: string;
  apiKey: string;
}

/** Where the CLI keeps its files; every path honours the XDG variables. */
export function configFile(env: NodeJS.ProcessEnv = cliEnv()): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "hookbox", "config.json");
}
export function stateFile(env: NodeJS.ProcessEnv = cliEnv()): string {
  return join(env.XDG_STATE_HOME || join(homedir(), ".local", "state"), "hookbox", "state.json");
}

export const DEFAULT_URL = "http://localhost:3000";

function readJson(file: string): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch {
    throw new CliError(`${file} is not JSON: fix or delete it`);
  }
}

/** Writes JSON readable by the owner only (0600), creating the directory (0700). */
function writePrivateJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // an existing file keeps its mode on write
}

export function readLogin(env: NodeJS.ProcessEnv = cliEnv()): StoredLogin | undefined {
  const value = readJson(configFile(env));
  return typeof value?.url === "string" && typeof value.apiKey === "string"
    ? { url: value.url, apiKey: value.apiKey }
    : undefined;
}

export function writeLogin(login: StoredLogin, env: NodeJS.ProcessEnv = cliEnv()): string {
  const file = configFile(env);
  writePrivateJson(file, login);
  return file;
}

/** `.hookbox/admin-key` of the checkout the working directory is in (what `./hookbox start` writes). */
export function findLocalAdminKey(from: string = process.cwd()): { file: string; key: string } | undefined {
  let dir = from;
  for (;;) {
    const file = join(dir, ".hookbox", "admin-key");
    if (existsSync(file)) return { file, key: readFileSync(file, "utf8").trim() };
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Per-URL state kept across runs (the tail's resume points). */
export function readState(url: string, env: NodeJS.ProcessEnv = cliEnv()): Record<string, string> {
  const all = readJson(stateFile(env)) ?? {};
  const mine = all[url];
  return mine && typeof mine === "object" ? (mine as Record<string, string>) : {};
}

export function writeState(
  url: string,
  state: Record<string, string>,
  env: NodeJS.ProcessEnv = cliEnv(),
): void {
  const file = stateFile(env);
  const all = readJson(file) ?? {};
  writePrivateJson(file, { ...all, [url]: state });
}

export interface Target {
  url: string;
  apiKey: string;
  /** Where the key came from, for messages (never the key itself). */
  keyFrom: string;
}

/**
 * Which Hookbox and which key: HOOKBOX_URL / HOOKBOX_API_KEY, else what `hookbox login` stored,
 * else a local checkout's defaults (http://localhost:3000 and `.hookbox/admin-key`).
 */
export function resolveTarget(env: NodeJS.ProcessEnv = cliEnv(), cwd = process.cwd()): Target {
  const stored = readLogin(env);
  const url = (env.HOOKBOX_URL || stored?.url || DEFAULT_URL).replace(/\/+$/, "");
  if (env.HOOKBOX_API_KEY) return { url, apiKey: env.HOOKBOX_API_KEY, keyFrom: "HOOKBOX_API_KEY" };
  if (stored) return { url, apiKey: stored.apiKey, keyFrom: configFile(env) };
  const local = findLocalAdminKey(cwd);
  if (local) return { url, apiKey: local.key, keyFrom: local.file };
  throw new CliError(
    "no API key: run `hookbox login` (or set HOOKBOX_API_KEY; in a checkout, `./hookbox start` writes .hookbox/admin-key)",
  );
}
