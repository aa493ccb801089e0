import type { Config, EventJob, Logger, Metrics, Sql } from "@hookbox/shared";
import type { Queue } from "bullmq";
import type { RejectionRecorder } from "./record-rejection.ts";
import type { SourceCache } from "./source-cache.ts";

export interface IngestDeps {
  config: Pick<Config, "maxBodyBytes" | "enqueueTimeoutMs">;
  sql: Sql;
  queue: Queue<EventJob>;
  sources: SourceCache;
  rejections: RejectionRecorder;
  metrics: Metrics;
  logger: Logger;
  /** Clock in ms, injectable for signature timestamps. */
  now: () => number;
}
