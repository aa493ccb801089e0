/**
 * A tenant's bounded share of one BullMQ worker's slots (WORKER_TENANT_SHARE; see
 * docs/adr/0012-tenant-share.md). A tenant may run `shareSlots` attempts at once; past that its
 * next job is deferred (handed back, no attempt spent) while another tenant has work, so one
 * tenant's target that never answers cannot hold every slot. A tenant alone uses every slot.
 *
 * "Another tenant has work", as far as this worker can know without a query: one of its
 * attempts runs here, or one of its jobs was deferred or taken here in the last `recentMs`. A
 * tenant that reaches its share with none of those is *probed*: its excess jobs are deferred
 * briefly until this worker has taken as many of its jobs as were waiting when the probe began
 * (the queue is FIFO: by then every job that was waiting has been seen, and all were its). Only
 * then is it alone: until a job of another tenant is taken, or for `aloneMs` at most (a tenant
 * alone may fill every slot; one that arrives meanwhile is behind its jobs in the queue, and is
 * found by the next probe once a slot frees).
 */

export interface TenantShareOptions {
  /** This worker's slots (its BullMQ concurrency). */
  slots: number;
  /** WORKER_TENANT_SHARE: the fraction of `slots` one tenant may hold while others have work. */
  share: number;
  /** Jobs waiting for a slot right now (the probe's length); an error counts as none. */
  waitingJobs(): Promise<number>;
  /** Another tenant counts as having work this long after its last job here. */
  recentMs?: number;
  /** How long a tenant found alone stays alone before it is probed again. */
  aloneMs?: number;
  /** How far a job over its tenant's share is deferred while others have work. */
  deferMs?: number;
  /** How far a probed job is deferred (short: a tenant that turns out alone gets it back soon). */
  probeDeferMs?: number;
  now?: () => number;
}

export const TENANT_SHARE_DEFER_MS = 1_000;
export const TENANT_SHARE_PROBE_DEFER_MS = 100;
export const TENANT_RECENT_MS = 10_000;
export const TENANT_ALONE_MS = 10_000;

export type TenantAdmission =
  /** Run now; call `done()` when the attempts have ended. */
  | { admitted: true; done(): void }
  /** Over its share: defer the job this long. */
  | { admitted: false; delayMs: number; reason: "tenant_share" | "tenant_share_probe" };

export interface TenantShareGate {
  /** Slots one tenant may hold while others have work (at least 1). */
  readonly shareSlots: number;
  admit(tenantId: string): Promise<TenantAdmission>;
  /** Attempts running now, by tenant (metrics, tests). */
  running(): ReadonlyMap<string, number>;
}

interface Probe {
  tenantId: string;
  /** Jobs of the tenant taken since the probe began. */
  seen: number;
  /** Jobs waiting when it began (asked once; the jobs taken meanwhile wait for the answer). */
  waiting: Promise<number>;
  /** When it was found alone (null: not yet). */
  aloneAt: number | null;
}

export function createTenantShareGate(options: TenantShareOptions): TenantShareGate {
  const {
    slots,
    waitingJobs,
    recentMs = TENANT_RECENT_MS,
    aloneMs = TENANT_ALONE_MS,
    deferMs = TENANT_SHARE_DEFER_MS,
    probeDeferMs = TENANT_SHARE_PROBE_DEFER_MS,
    now = Date.now,
  } = options;
  const shareSlots = Math.max(1, Math.floor(options.share * slots));
  const running = new Map<string, number>();
  /** When each tenant last had a job taken or deferred here. */
  const lastSeen = new Map<string, number>();
  let probe: Probe | null = null;

  const admitted = (tenantId: string): TenantAdmission => {
    running.set(tenantId, (running.get(tenantId) ?? 0) + 1);
    let finished = false;
    return {
      admitted: true,
      done() {
        if (finished) return;
        finished = true;
        const left = (running.get(tenantId) ?? 1) - 1;
        if (left > 0) running.set(tenantId, left);
        else running.delete(tenantId);
        lastSeen.set(tenantId, now());
      },
    };
  };

  const othersHaveWork = (tenantId: string, at: number): boolean => {
    for (const [other, n] of running) if (other !== tenantId && n > 0) return true;
    for (const [other, seenAt] of lastSeen) {
      if (other === tenantId) continue;
      if (at - seenAt < recentMs) return true;
      lastSeen.delete(other); // forgotten: the map stays as small as the set of recent tenants
    }
    return false;
  };

  async function admit(tenantId: string): Promise<TenantAdmission> {
    const at = now();
    lastSeen.set(tenantId, at);
    // A job of another tenant: whoever was probed or alone is not alone any more.
    if (probe && probe.tenantId !== tenantId) probe = null;
    if (probe?.aloneAt != null && at - probe.aloneAt >= aloneMs) probe = null;
    if (probe) probe.seen += 1;
    if ((running.get(tenantId) ?? 0) < shareSlots) return admitted(tenantId);
    if (othersHaveWork(tenantId, at)) {
      probe = null;
      return { admitted: false, delayMs: deferMs, reason: "tenant_share" };
    }
    if (!probe) probe = { tenantId, seen: 1, waiting: waitingJobs().catch(() => 0), aloneAt: null };
    const current = probe;
    const waiting = await current.waiting;
    // A job of another tenant ended the probe meanwhile: this one waits its turn.
    if (probe !== current) return { admitted: false, delayMs: deferMs, reason: "tenant_share" };
    if (current.aloneAt == null && current.seen > waiting) current.aloneAt = at;
    if (current.aloneAt != null) return admitted(tenantId);
    return { admitted: false, delayMs: probeDeferMs, reason: "tenant_share_probe" };
  }

  return { shareSlots, admit, running: () => running };
}
