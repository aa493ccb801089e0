import { hostname } from "node:os";
import type { Redis } from "ioredis";
import type { HandlerCatalogEntry } from "./handlers.ts";

/** One handler as a worker announces it (what `GET /v1/handlers` lists): its catalog entry without code. */
export type ManifestHandler = Pick<
  HandlerCatalogEntry,
  "name" | "kind" | "version" | "provider" | "events" | "tenants" | "retry" | "timeoutMs" | "configJsonSchema"
>;

/** What one running worker can run: written at start, refreshed every MANIFEST_REFRESH_MS. */
export interface WorkerManifest {
  workerId: string;
  hostname: string;
  pid: number;
  startedAt: string;
  heartbeatAt: string;
  handlers: ManifestHandler[];
}

export const MANIFEST_REFRESH_MS = 10_000;
/** A manifest not refreshed for this long belongs to a worker that is gone. */
export const MANIFEST_STALE_MS = 3 * MANIFEST_REFRESH_MS;

/** One hash per deployment (same hash tag as the queues, so it lives in the same cluster slot). */
export function manifestKey(prefix: string): string {
  return `${prefix}:handler-manifests`;
}

export function toManifestHandlers(entries: readonly HandlerCatalogEntry[]): ManifestHandler[] {
  return entries.map((e) => ({
    name: e.name,
    kind: e.kind,
    version: e.version,
    ...(e.provider ? { provider: e.provider } : {}),
    ...(e.events ? { events: e.events } : {}),
    tenants: e.tenants,
    ...(e.retry ? { retry: e.retry } : {}),
    ...(e.timeoutMs ? { timeoutMs: e.timeoutMs } : {}),
    configJsonSchema: e.configJsonSchema,
  }));
}

export function newWorkerManifest(workerId: string, handlers: ManifestHandler[]): WorkerManifest {
  const now = new Date().toISOString();
  return { workerId, hostname: hostname(), pid: process.pid, startedAt: now, heartbeatAt: now, handlers };
}

export async function publishManifest(redis: Redis, prefix: string, manifest: WorkerManifest): Promise<void> {
  const fresh = { ...manifest, heartbeatAt: new Date().toISOString() };
  await redis.hset(manifestKey(prefix), manifest.workerId, JSON.stringify(fresh));
}

export async function withdrawManifest(redis: Redis, prefix: string, workerId: string): Promise<void> {
  await redis.hdel(manifestKey(prefix), workerId);
}

/** The manifests of live workers; stale ones (a worker killed without withdrawing) are removed. */
export async function readManifests(
  redis: Redis,
  prefix: string,
  now = Date.now(),
): Promise<WorkerManifest[]> {
  const all = await redis.hgetall(manifestKey(prefix));
  const live: WorkerManifest[] = [];
  const stale: string[] = [];
  for (const [workerId, json] of Object.entries(all)) {
    try {
      const manifest = JSON.parse(json) as WorkerManifest;
      if (now - Date.parse(manifest.heartbeatAt) > MANIFEST_STALE_MS) stale.push(workerId);
      else live.push(manifest);
    } catch {
      stale.push(workerId);
    }
  }
  if (stale.length > 0) await redis.hdel(manifestKey(prefix), ...stale).catch(() => 0);
  return live.sort((a, b) => a.workerId.localeCompare(b.workerId));
}
