import { AggregatorRegistry, Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Outcomes of POST /in/:source, the `result` label of hookbox_ingest_requests_total. */
export const INGEST_RESULTS = [
  "accepted",
  "duplicate",
  "invalid_signature",
  "not_found",
  "too_large",
  "rate_limited",
  "unavailable",
] as const;
export type IngestResult = (typeof INGEST_RESULTS)[number];

/** Milliseconds to minutes, in seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * Every metric Hookbox exports, on its own registry (tests create several apps in one process).
 * Labels are bounded: source slugs, handler names, outcomes; never event ids.
 */
/** Queue states reported by hookbox_queue_jobs. */
export const QUEUE_STATES = ["waiting", "active", "delayed", "failed", "completed", "prioritized"] as const;

export interface MetricsOptions {
  /** Job counts by state of the events queue, read at scrape time (cached for `cacheMs`). */
  queueCounts?: () => Promise<Record<string, number>>;
  cacheMs?: number;
}

export function createMetrics(role: "api" | "worker", options: MetricsOptions = {}) {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({ register: registry, prefix: "hookbox_" });
  const r = [registry];
  return {
    registry,
    ingestRequests: new Counter({
      name: "hookbox_ingest_requests_total",
      help: "Deliveries to POST /in/:source by source and result.",
      labelNames: ["source", "result"] as const,
      registers: r,
    }),
    ingestDuration: new Histogram({
      name: "hookbox_ingest_duration_seconds",
      help: "Time from request to answer of POST /in/:source.",
      labelNames: ["result"] as const,
      buckets: LATENCY_BUCKETS,
      registers: r,
    }),
    httpRequests: new Counter({
      name: "hookbox_http_requests_total",
      help: "HTTP requests by route template, method and status.",
      labelNames: ["route", "method", "status"] as const,
      registers: r,
    }),
    ingestVerified: new Counter({
      name: "hookbox_ingest_verified_total",
      help: "Verified deliveries by which secret verified them: current (newest) or previous (rotation overlap).",
      labelNames: ["source", "secret"] as const,
      registers: r,
    }),
    rejectionsRecorded: new Counter({
      name: "hookbox_rejections_recorded_total",
      help: "Refused deliveries written to the rejection log, by reason.",
      labelNames: ["reason"] as const,
      registers: r,
    }),
    enqueueFailures: new Counter({
      name: "hookbox_enqueue_failures_total",
      help: "Ingested events whose enqueue (after the 202) failed or timed out: the row went back to `received` for the reconciler.",
      registers: r,
    }),
    jobDuration: new Histogram({
      name: "hookbox_job_duration_seconds",
      help: "Duration of one handler run.",
      labelNames: ["handler", "outcome"] as const,
      buckets: LATENCY_BUCKETS,
      registers: r,
    }),
    handlerAttempts: new Counter({
      name: "hookbox_handler_attempts_total",
      help: "Handler attempts by handler and outcome (success, error, filtered: excluded by its events).",
      labelNames: ["handler", "outcome"] as const,
      registers: r,
    }),
    eventsSettled: new Counter({
      name: "hookbox_events_settled_total",
      help: "Events that reached a final status, by source and status (completed or dead).",
      labelNames: ["source", "status"] as const,
      registers: r,
    }),
    deadEvents: new Counter({
      name: "hookbox_dead_events_total",
      help: "Events dead-lettered after their last attempt failed.",
      labelNames: ["source"] as const,
      registers: r,
    }),
    endToEndLatency: new Histogram({
      name: "hookbox_event_latency_seconds",
      help: "Time from ingest to completed.",
      labelNames: ["source"] as const,
      buckets: LATENCY_BUCKETS,
      registers: r,
    }),
    handlerUnavailable: new Counter({
      name: "hookbox_handler_unavailable_total",
      help: "Jobs a worker handed back because it lacks one of their handlers (rolling deploys).",
      registers: r,
    }),
    jobsDeferred: new Counter({
      name: "hookbox_jobs_deferred_total",
      help: "Jobs a worker moved back to delayed without spending an attempt, by reason (tenant_share: its tenant holds its share of the worker's slots while others have work; tenant_share_probe: the same while the worker checks whether others wait; bulk_replay_slot: the maintenance worker's bulk-replay slot is taken).",
      labelNames: ["reason"] as const,
      registers: r,
    }),
    reconcilerRequeues: new Counter({
      name: "hookbox_reconciler_requeues_total",
      help: "Events the reconciler enqueued again, by the status they were found in.",
      labelNames: ["status"] as const,
      registers: r,
    }),
    queueJobs: new Gauge({
      name: "hookbox_queue_jobs",
      help: "Jobs in the events queue by state, read from BullMQ at scrape time (short cache).",
      labelNames: ["state"] as const,
      registers: r,
      // Every api process reads the same queue: across a cluster the first answer is the figure.
      aggregator: "first",
      collect: queueCollector(options),
    }),
  };
}

function queueCollector(options: MetricsOptions) {
  const { queueCounts, cacheMs = 2_000 } = options;
  if (!queueCounts) return undefined;
  let cached: { at: number; counts: Record<string, number> } | undefined;
  return async function collect(this: Gauge<"state">) {
    if (!cached || Date.now() - cached.at > cacheMs) {
      let timer: NodeJS.Timeout | undefined;
      try {
        // Never let a scrape hang on a Redis that does not answer.
        const counts = await Promise.race([
          queueCounts(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error("queue counts timed out")), 500);
          }),
        ]);
        cached = { at: Date.now(), counts };
      } catch {
        return; // Redis away: report nothing rather than stale numbers as fresh
      } finally {
        clearTimeout(timer);
      }
    }
    for (const state of QUEUE_STATES) this.set({ state }, cached.counts[state] ?? 0);
  };
}

/**
 * API_PROCESSES > 1: each api process keeps its own registry; the primary alone listens on
 * METRICS_PORT and answers a scrape with every process's samples added up (prom-client's
 * AggregatorRegistry asks each process over the cluster IPC channel). Counters and histograms
 * sum; gauges say how they aggregate (`hookbox_queue_jobs`: `first`).
 */
export function clusterMetricsSource(): { metrics(): Promise<string>; contentType: string } {
  const aggregator = new AggregatorRegistry();
  return { metrics: () => aggregator.clusterMetrics(), contentType: aggregator.contentType };
}

/** In an api process of a cluster: answer the primary's metric requests from this registry. */
export function answerClusterMetrics(registry: Registry): void {
  AggregatorRegistry.setRegistries([registry]);
  // The constructor installs the IPC listener (once per process).
  new AggregatorRegistry();
}
