/**
 * Open `/v1/stream` connections per tenant in this process: `take` returns the release function
 * (idempotent), or null when the tenant already holds `max`. Per process, not per cluster: an
 * SSE connection lives on one process, and a count in Redis would outlive a crashed process.
 */
export function createStreamSlots(max: number) {
  const open = new Map<string, number>();
  return {
    take(tenantId: string): (() => void) | null {
      const n = open.get(tenantId) ?? 0;
      if (n >= max) return null;
      open.set(tenantId, n + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (open.get(tenantId) ?? 1) - 1;
        if (left > 0) open.set(tenantId, left);
        else open.delete(tenantId);
      };
    },
    /** Open streams of the tenant (tests, diagnostics). */
    count: (tenantId: string) => open.get(tenantId) ?? 0,
  };
}
