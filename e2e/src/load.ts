import { signDelivery } from "@hookbox/shared/testing";

export interface LoadResult {
  /** HTTP status, or 0 when the request failed without an answer (refused, reset). */
  status: number;
  id?: string;
  error?: string;
  at: number;
  ms: number;
}

/**
 * Sends signed deliveries to `base/in/<slug>` at a fixed rate for `durationMs` (bounded in
 * count and time; 127.0.0.1 only), calling `onTick(elapsedMs)` so a test can inject faults on
 * a schedule. Resolves when every request has answered or failed.
 */
export async function steadyLoad(options: {
  base: string;
  slug: string;
  secret: string;
  perSecond: number;
  durationMs: number;
  timeoutMs?: number;
  onTick?: (elapsedMs: number) => void | Promise<void>;
}): Promise<LoadResult[]> {
  const started = Date.now();
  const results: LoadResult[] = [];
  const pending: Promise<void>[] = [];
  const interval = 1000 / options.perSecond;
  let n = 0;
  while (Date.now() - started < options.durationMs) {
    const body = JSON.stringify({ type: "load.tick", n: n++, at: Date.now() });
    const sentAt = Date.now();
    pending.push(
      fetch(`${options.base}/in/${options.slug}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...signDelivery("hmac-sha256", { body, secret: options.secret }),
        },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      }).then(
        async (res) => {
          const answer = (await res.json().catch(() => ({}))) as { id?: string };
          results.push({
            status: res.status,
            ...(answer.id ? { id: answer.id } : {}),
            at: sentAt - started,
            ms: Date.now() - sentAt,
          });
        },
        (error: Error) => {
          results.push({ status: 0, error: error.message, at: sentAt - started, ms: Date.now() - sentAt });
        },
      ),
    );
    await options.onTick?.(Date.now() - started);
    const next = started + n * interval;
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
  await Promise.all(pending);
  return results.sort((a, b) => a.at - b.at);
}

/** Counts results by status. */
export function tally(results: LoadResult[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}
