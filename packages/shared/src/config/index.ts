import { z } from "zod";

const bool = z
  .enum(["true", "false", "1", "0"])
  .transform((v) => v === "true" || v === "1")
  .default(false);
const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);

/**
 * Every environment variable Hookbox reads. `process.env` is read nowhere else.
 * Keys are the variable names; parsed values are exposed camelCased by `loadConfig()`.
 */
const EnvSchema = z
  .object({
    /** development | production | test; production demands an ADMIN_API_KEY. */
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    /** Postgres connection string. */
    DATABASE_URL: z.url().default("postgres://postgres@127.0.0.1:5432/hookbox"),
    /** Connections in this process's Postgres pool. */
    DATABASE_POOL_MAX: int(10, 1),
    /** Redis connection string. */
    REDIS_URL: z.url().default("redis://127.0.0.1:6379"),
    /** BullMQ key prefix; the braces make it a Redis Cluster hash tag. */
    REDIS_PREFIX: z.string().min(1).default("{hookbox}"),
    /** api listen port and address. */
    PORT: int(3000, 0),
    HOST: z.string().default("0.0.0.0"),
    /** Base URL senders use, shown as `ingestUrl`; defaults to http://localhost:PORT. */
    PUBLIC_URL: z.url().optional(),
    /** worker `/metrics` and `/health/*` port. */
    WORKER_PORT: int(3001, 0),
    /** Bootstrap bearer key for `/v1` (tenant `default`). No default: required outside development. */
    ADMIN_API_KEY: z.string().min(32, "must be at least 32 characters").optional(),
    /**
     * Jobs one worker process runs at once. Handlers wait on I/O and claims/settles are batched,
     * so more jobs in flight mean bigger batches, not more Postgres connections.
     */
    WORKER_CONCURRENCY: int(128, 1),
    /** Attempts per handler key before the event is dead-lettered (a code handler's `retry` overrides it). */
    MAX_ATTEMPTS: int(8, 1),
    /**
     * Directory of code handler modules (api and worker). Unset: `./handlers` of the working
     * directory, if it exists; set: it must exist. Every top-level .ts/.js file but tests is loaded.
     */
    HANDLERS_DIR: z.string().min(1).optional(),
    /** A handler attempt's timeout, unless the handler sets `timeoutMs`. */
    HANDLER_TIMEOUT_MS: int(300_000, 100),
    /** On SIGTERM a worker takes no new jobs; handlers still running after this long are aborted (`signal`). */
    WORKER_SHUTDOWN_GRACE_MS: int(10_000, 0),
    /** Retry delay: min(RETRY_MAX_DELAY_MS, RETRY_BASE_DELAY_MS * 2^(n-1)), full jitter. */
    RETRY_BASE_DELAY_MS: int(1000, 0),
    RETRY_MAX_DELAY_MS: int(3_600_000, 0),
    /** BullMQ lock of an active job; a worker that dies loses its jobs after this long. */
    WORKER_LOCK_DURATION_MS: int(30_000, 1000),
    /** How often workers look for stalled jobs. */
    WORKER_STALLED_INTERVAL_MS: int(15_000, 500),
    /** How many stalls a job survives before BullMQ fails it (the reconciler then re-enqueues it). */
    WORKER_MAX_STALLED_COUNT: int(2, 0),
    /** Default body limit of a source. */
    MAX_BODY_BYTES: int(1_048_576, 1),
    /** 429 above this many waiting jobs. */
    INGEST_MAX_BACKLOG: int(100_000, 1),
    /** Group commit: most deliveries in one INSERT / one addBulk, and the longest wait to fill one. */
    INGEST_BATCH_MAX: int(256, 1),
    INGEST_BATCH_WAIT_MS: int(1, 0),
    /** api processes (node:cluster) sharing the port; 1 = no cluster. */
    API_PROCESSES: int(1, 1),
    /** Longest time ingest waits for Redis before answering 202 `received`. */
    ENQUEUE_TIMEOUT_MS: int(500, 10),
    /** api: after SIGTERM, readiness answers 503 this long before the listener closes (load balancers notice). */
    SHUTDOWN_GRACE_MS: int(5_000, 0),
    /** How often the janitor deletes events older than RETENTION_DAYS. */
    JANITOR_INTERVAL_MS: int(3_600_000, 1000),
    /** Rows per janitor DELETE: short statements, short locks. */
    JANITOR_BATCH_SIZE: int(1_000, 1),
    /** Bull Board password (user `admin`); defaults to ADMIN_API_KEY. */
    BULL_BOARD_PASSWORD: z.string().min(12).optional(),
    /** Bull Board without retry/remove/promote buttons. */
    BULL_BOARD_READ_ONLY: bool,
    /** Node server timeouts (slow clients are cut after these). */
    REQUEST_TIMEOUT_MS: int(30_000, 1000),
    HEADERS_TIMEOUT_MS: int(10_000, 1000),
    /** How often the reconciler runs, and how old a row must be before it is touched. */
    RECONCILE_INTERVAL_MS: int(5_000, 100),
    RECONCILE_MIN_AGE_MS: int(10_000, 0),
    /** Events older than this are deleted by the janitor. */
    RETENTION_DAYS: int(30, 1),
    /** Let `forward` reach loopback and private networks (tests, same-host receivers). */
    ALLOW_PRIVATE_DESTINATIONS: bool,
    /** Default timeout of a `forward` request. */
    FORWARD_TIMEOUT_MS: int(10_000, 100),
    /** Slack incoming-webhook URL for dead-letter alerts. */
    SLACK_ALERT_WEBHOOK_URL: z.url().optional(),
    /** pino level. */
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV !== "development" && env.NODE_ENV !== "test" && !env.ADMIN_API_KEY) {
      ctx.addIssue({
        code: "custom",
        path: ["ADMIN_API_KEY"],
        message: "is required when NODE_ENV=production",
      });
    }
  });

export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  nodeEnv: Env["NODE_ENV"];
  databaseUrl: string;
  databasePoolMax: number;
  redisUrl: string;
  redisPrefix: string;
  port: number;
  host: string;
  publicUrl: string;
  workerPort: number;
  adminApiKey: string | undefined;
  workerConcurrency: number;
  maxAttempts: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  workerLockDurationMs: number;
  workerStalledIntervalMs: number;
  workerMaxStalledCount: number;
  maxBodyBytes: number;
  ingestMaxBacklog: number;
  enqueueTimeoutMs: number;
  ingestBatchMax: number;
  ingestBatchWaitMs: number;
  apiProcesses: number;
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  reconcileIntervalMs: number;
  reconcileMinAgeMs: number;
  retentionDays: number;
  shutdownGraceMs: number;
  bullBoardPassword: string | undefined;
  bullBoardReadOnly: boolean;
  janitorIntervalMs: number;
  janitorBatchSize: number;
  allowPrivateDestinations: boolean;
  forwardTimeoutMs: number;
  /** Absolute or cwd-relative directory of code handlers. */
  handlersDir: string;
  /** HANDLERS_DIR was set: a missing directory is an error, not "no code handlers". */
  handlersDirRequired: boolean;
  handlerTimeoutMs: number;
  workerShutdownGraceMs: number;
  slackAlertWebhookUrl: string | undefined;
  logLevel: Env["LOG_LEVEL"];
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

/** Parses an environment into a frozen Config, or the list of problems (one line per variable). */
export function parseConfig(env: Record<string, string | undefined>): ConfigResult {
  // An empty variable means "unset": `FOO= node …` should fall back to the default.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => `${i.path.join(".") || "(env)"}: ${i.message}`),
    };
  }
  const e = parsed.data;
  return {
    ok: true,
    config: Object.freeze({
      nodeEnv: e.NODE_ENV,
      databaseUrl: e.DATABASE_URL,
      databasePoolMax: e.DATABASE_POOL_MAX,
      redisUrl: e.REDIS_URL,
      redisPrefix: e.REDIS_PREFIX,
      port: e.PORT,
      host: e.HOST,
      publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ""),
      workerPort: e.WORKER_PORT,
      adminApiKey: e.ADMIN_API_KEY,
      workerConcurrency: e.WORKER_CONCURRENCY,
      maxAttempts: e.MAX_ATTEMPTS,
      retryBaseDelayMs: e.RETRY_BASE_DELAY_MS,
      retryMaxDelayMs: e.RETRY_MAX_DELAY_MS,
      workerLockDurationMs: e.WORKER_LOCK_DURATION_MS,
      workerStalledIntervalMs: e.WORKER_STALLED_INTERVAL_MS,
      workerMaxStalledCount: e.WORKER_MAX_STALLED_COUNT,
      maxBodyBytes: e.MAX_BODY_BYTES,
      ingestMaxBacklog: e.INGEST_MAX_BACKLOG,
      enqueueTimeoutMs: e.ENQUEUE_TIMEOUT_MS,
      ingestBatchMax: e.INGEST_BATCH_MAX,
      ingestBatchWaitMs: e.INGEST_BATCH_WAIT_MS,
      apiProcesses: e.API_PROCESSES,
      requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
      headersTimeoutMs: e.HEADERS_TIMEOUT_MS,
      reconcileIntervalMs: e.RECONCILE_INTERVAL_MS,
      reconcileMinAgeMs: e.RECONCILE_MIN_AGE_MS,
      retentionDays: e.RETENTION_DAYS,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
      bullBoardPassword: e.BULL_BOARD_PASSWORD,
      bullBoardReadOnly: e.BULL_BOARD_READ_ONLY,
      janitorIntervalMs: e.JANITOR_INTERVAL_MS,
      janitorBatchSize: e.JANITOR_BATCH_SIZE,
      allowPrivateDestinations: e.ALLOW_PRIVATE_DESTINATIONS,
      forwardTimeoutMs: e.FORWARD_TIMEOUT_MS,
      handlersDir: e.HANDLERS_DIR ?? "handlers",
      handlersDirRequired: e.HANDLERS_DIR !== undefined,
      handlerTimeoutMs: e.HANDLER_TIMEOUT_MS,
      workerShutdownGraceMs: e.WORKER_SHUTDOWN_GRACE_MS,
      slackAlertWebhookUrl: e.SLACK_ALERT_WEBHOOK_URL,
      logLevel: e.LOG_LEVEL,
    }),
  };
}

/**
 * Reads `process.env` once. A bad value prints every problem and exits with status 1:
 * a process that starts with a wrong setting is worse than one that does not start.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = parseConfig(env);
  if (!result.ok) {
    process.stderr.write(`Invalid configuration:\n${result.problems.map((p) => `  - ${p}`).join("\n")}\n`);
    process.exit(1);
  }
  return result.config;
}
