import type { Config, EventJob, Logger, Metrics, Sql } from "@hookbox/shared";
import type { Queue } from "bullmq";
import type { BacklogGauge } from "./backlog.ts";
import type { RateLimiter } from "./rate-limit.ts";
import type { RejectionRecorder } from "./record-rejection.ts";
import type { SourceCache } from "./source-cache.ts";

export interface IngestDeps {
  config: Pick<Config, "maxBodyBytes" | "enqueueTimeoutMs" | "ingestMaxBacklog">;
  sql: Sql;
  queue: Queue<EventJob>;
  sources: SourceCache;
  rejections: RejectionRecorder;
  backlog: BacklogGauge;
  rateLimiter: RateLimiter;
  metrics: Metrics;
  logger: Logger;
  /** Clock in ms, injectable for signature timestamps. */
  now: () => number;
}
