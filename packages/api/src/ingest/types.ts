import type { Config, Logger, Metrics } from "@hookbox/shared";
import type { BacklogGauge } from "./backlog.ts";
import type { EventEnqueuer } from "./enqueue.ts";
import type { EventWriter } from "./persist.ts";
import type { RateLimiter } from "./rate-limit.ts";
import type { RejectionRecorder } from "./record-rejection.ts";
import type { SourceCache } from "./source-cache.ts";

export interface IngestDeps {
  config: Pick<Config, "maxBodyBytes" | "ingestMaxBacklog" | "ingestMaxPendingEnqueues">;
  /** Group commit of inbox rows. */
  writer: EventWriter;
  /** Batched enqueue of their jobs, after the answer. */
  enqueuer: EventEnqueuer;
  sources: SourceCache;
  rejections: RejectionRecorder;
  backlog: BacklogGauge;
  rateLimiter: RateLimiter;
  metrics: Metrics;
  logger: Logger;
  /** Clock in ms, injectable for signature timestamps. */
  now: () => number;
}

/** `seen`: bytes declared (Content-Length) or read before giving up. */
export type ReadBodyResult = { ok: true; body: Buffer } | { ok: false; seen: number };

/** The request headers ingest needs: a Fetch `Headers`, or a view over Node's parsed headers. */
export interface RequestHeaders {
  get(name: string): string | null;
  forEach(callback: (value: string, name: string) => void): void;
}

/** One delivery as ingest sees it: headers, and a body that is read at most once, bounded. */
export interface Delivery {
  headers: RequestHeaders;
  readBody(limit: number): Promise<ReadBodyResult>;
}
