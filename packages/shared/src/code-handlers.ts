import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseHandlerDefinition } from "@hookbox/sdk";
import type { Config } from "./config/index.ts";
import { BUILTIN_HANDLER_NAMES, codeCatalogEntry, type HandlerCatalogEntry } from "./handlers.ts";

/** A module in HANDLERS_DIR that cannot be loaded: the message is one line naming the file and the problem. */
export class HandlerLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HandlerLoadError";
  }
}

const MODULE_FILE = /\.(ts|mts|js|mjs)$/;
const NOT_A_HANDLER = /(\.test\.|\.spec\.|\.test-d\.|\.d\.)[cm]?[jt]s$/;

/** The handler modules of a directory: its top-level `.ts`/`.js` files, minus tests, declarations and `_`/`.` files. */
export async function listHandlerFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && MODULE_FILE.test(e.name) && !NOT_A_HANDLER.test(e.name))
    .filter((e) => !e.name.startsWith("_") && !e.name.startsWith("."))
    .map((e) => join(dir, e.name))
    .sort();
}

/**
 * Loads every code handler of `dir` (HANDLERS_DIR). The deployed code is the allowlist: only
 * these files are imported, never anything named by a request. A module that fails to import
 * or whose default export is not a handler, two modules with one id, or an id that is a
 * built-in's name throw a `HandlerLoadError` — the process must not start with half its handlers.
 * A missing directory is no error when `required` is false (the default HANDLERS_DIR).
 */
export async function loadCodeHandlers(
  dir: string,
  options: { required: boolean; cwd?: string },
): Promise<HandlerCatalogEntry[]> {
  let files: string[];
  try {
    files = await listHandlerFiles(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" && !options.required) return [];
    throw new HandlerLoadError(`HANDLERS_DIR ${dir}: ${(error as Error).message}`);
  }
  const shown = (file: string) => relative(options.cwd ?? process.cwd(), file) || file;
  const loaded: HandlerCatalogEntry[] = [];
  const byId = new Map<string, string>();
  for (const file of files) {
    let mod: { default?: unknown };
    try {
      mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
    } catch (error) {
      const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
      throw new HandlerLoadError(`handler module ${shown(file)} failed to import: ${reason}`);
    }
    if (mod.default === undefined) {
      throw new HandlerLoadError(
        `handler module ${shown(file)} has no default export (export default defineHandler({...}))`,
      );
    }
    const parsed = parseHandlerDefinition(mod.default);
    if (!parsed.ok)
      throw new HandlerLoadError(`handler module ${shown(file)} is not a valid handler: ${parsed.problem}`);
    const { id } = parsed.handler;
    if ((BUILTIN_HANDLER_NAMES as readonly string[]).includes(id)) {
      throw new HandlerLoadError(
        `handler module ${shown(file)}: id "${id}" is the name of a built-in handler`,
      );
    }
    const other = byId.get(id);
    if (other)
      throw new HandlerLoadError(`handler modules ${shown(other)} and ${shown(file)} both have id "${id}"`);
    byId.set(id, file);
    const version = createHash("sha256")
      .update(await readFile(file))
      .digest("hex")
      .slice(0, 12);
    loaded.push(codeCatalogEntry({ definition: parsed.handler, version, file }));
  }
  return loaded;
}

/** The code handlers of HANDLERS_DIR (or of `./handlers`, when it exists and the variable is unset). */
export function loadConfiguredHandlers(config: Pick<Config, "handlersDir">): Promise<HandlerCatalogEntry[]> {
  return loadCodeHandlers(resolve(config.handlersDir ?? "handlers"), {
    required: config.handlersDir !== undefined,
  });
}
