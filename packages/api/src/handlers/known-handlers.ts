import {
  builtinCatalogEntries,
  createHandlerCatalog,
  type HandlerCatalog,
  type HandlerCatalogEntry,
  type ManifestHandler,
  readManifests,
  type WorkerManifest,
  zodConfigParser,
} from "@hookbox/shared";
import type { Redis } from "ioredis";
import { z } from "zod";

/** How long the api reuses the workers' manifests before reading Redis again. */
const MANIFEST_CACHE_MS = 2_000;

/**
 * What can be attached to a source: the built-ins, the code handlers this api loaded from its
 * own HANDLERS_DIR (validated with their real config schemas), and whatever live workers announce
 * in their manifests (validated with the JSON Schema they publish). A handler unknown to all three
 * is refused with the list of known ones.
 */
export interface KnownHandlers {
  /** Built-ins and this api's code handlers. */
  local: HandlerCatalog;
  /** Local ∪ live workers' manifests (the api's own schema wins for a handler both know). */
  catalog(): Promise<HandlerCatalog>;
  manifests(): Promise<WorkerManifest[]>;
}

export function createKnownHandlers(
  code: readonly HandlerCatalogEntry[],
  redis: Redis,
  prefix: string,
): KnownHandlers {
  const local = createHandlerCatalog([...builtinCatalogEntries(), ...code]);
  let cached: { at: number; manifests: Promise<WorkerManifest[]> } | undefined;
  const manifests = () => {
    if (!cached || Date.now() - cached.at > MANIFEST_CACHE_MS) {
      // Redis away: the local catalog still answers (workers' extra handlers are not known then).
      cached = { at: Date.now(), manifests: readManifests(redis, prefix).catch(() => []) };
    }
    return cached.manifests;
  };
  return {
    local,
    manifests,
    async catalog() {
      const entries = new Map(local.entries().map((e) => [e.name, e]));
      for (const manifest of await manifests()) {
        for (const handler of manifest.handlers) {
          if (!entries.has(handler.name)) entries.set(handler.name, fromManifest(handler));
        }
      }
      return createHandlerCatalog([...entries.values()]);
    },
  };
}

/** A handler only the workers know: its config is checked against the JSON Schema it published. */
function fromManifest(handler: ManifestHandler): HandlerCatalogEntry {
  let schema: z.ZodType | null = null;
  try {
    schema = handler.configJsonSchema ? z.fromJSONSchema(handler.configJsonSchema as never) : null;
  } catch {
    schema = null;
  }
  return {
    name: handler.name,
    kind: handler.kind,
    version: handler.version,
    ...(handler.provider ? { provider: handler.provider } : {}),
    ...(handler.events ? { events: handler.events } : {}),
    tenants: handler.tenants,
    configJsonSchema: handler.configJsonSchema,
    parseConfig: schema
      ? zodConfigParser(schema)
      : (config) => ({ ok: true, config: (config ?? {}) as Record<string, unknown> }),
  };
}
