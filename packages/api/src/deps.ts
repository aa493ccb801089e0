import type { Config, EventQueues, Logger, Metrics, Sql } from "@hookbox/shared";
import type { Db } from "@hookbox/shared/drizzle";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { KnownHandlers } from "./handlers/known-handlers.ts";
import type { BacklogGauge } from "./ingest/backlog.ts";
import type { EventEnqueuer } from "./ingest/enqueue.ts";
import type { EventWriter } from "./ingest/persist.ts";
import type { RateLimiter } from "./ingest/rate-limit.ts";
import type { RejectionRecorder } from "./ingest/record-rejection.ts";
import type { SourceCache } from "./ingest/source-cache.ts";
import type { CompletionHub } from "./stream/completion-hub.ts";

/**
 * Everything the api's routes use, passed in (tests build their own). This file is the contract
 * and imports types only; the wiring is `createApiDeps()` in create-deps.ts, which only the
 * composition roots import (server.ts, the tests, e2e through index.ts).
 */
export interface ApiDeps {
  config: Config;
  sql: Sql;
  /**
   * A small pool of its own for the heavy management reads (stats, event lists and counts):
   * they queue here, under MANAGEMENT_STATEMENT_TIMEOUT_MS, and never take ingest's connections.
   */
  managementSql: Sql;
  db: Db;
  redis: Redis;
  /** The event queues, one per shard (EVENT_QUEUE_SHARDS; index = shard). */
  queues: EventQueues;
  /** Bulk replays are handed to the worker through this queue. */
  maintenance: Queue;
  sources: SourceCache;
  rejections: RejectionRecorder;
  writer: EventWriter;
  enqueuer: EventEnqueuer;
  backlog: BacklogGauge;
  rateLimiter: RateLimiter;
  /** What a source may attach: built-ins, this api's code handlers, the workers' manifests. */
  handlers: KnownHandlers;
  /** Fans Redis completion messages out to SSE clients (connects on first use). */
  hub: CompletionHub;
  logger: Logger;
  metrics: Metrics;
  now: () => number;
  state: ApiState;
  close(): Promise<void>;
}

/**
 * `shuttingDown`: set on SIGTERM, readiness answers 503 so load balancers stop sending.
 * `draining`: set when the listener closes, answers carry `Connection: close` so keep-alive
 * clients let go (Node keeps serving requests on open keep-alive sockets otherwise).
 */
export interface ApiState {
  shuttingDown: boolean;
  draining: boolean;
}
