import { z } from "zod";
import { DEV_ENCRYPTION_KEY, parseEncryptionKey } from "../secrets-at-rest.ts";

const bool = z
  .enum(["true", "false", "1", "0"])
  .transform((v) => v === "true" || v === "1")
  .default(false);
const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);

/**
 * Every environment variable Hookbox reads; `process.env` is read nowhere else. Keys are the
 * variable names; `Config` and the parsed object are derived from this one schema, camelCased
 * (`RETRY_BASE_DELAY_MS` → `config.retryBaseDelayMs`), so a new variable is one entry here.
 */
const EnvVariables = z.object({
  /** development | production | test; production demands an ADMIN_API_KEY. */
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** Postgres connection string. */
  DATABASE_URL: z.url().default("postgres://postgres@127.0.0.1:5432/hookbox"),
  /** Connections in this process's Postgres pool. */
  DATABASE_POOL_MAX: int(10, 1),
  /**
   * api: connections of the pool that serves the heavy management reads (`/v1/stats`, event
   * lists and counts, the console's lists, bulk-replay counts), apart from ingest's pool: however
   * many of them run, they never take an ingest connection.
   */
  MANAGEMENT_POOL_MAX: int(2, 1),
  /** api: statement timeout of those reads; a query past it is cancelled and answered 503. */
  MANAGEMENT_STATEMENT_TIMEOUT_MS: int(10_000, 100),
  /** Redis connection string. */
  REDIS_URL: z.url().default("redis://127.0.0.1:6379"),
  /** BullMQ key prefix; the braces make it a Redis Cluster hash tag. */
  REDIS_PREFIX: z.string().min(1).default("{hookbox}"),
  /**
   * Event queues (shards), each under its own hash tag so Redis Cluster can place them on
   * different nodes; an event's shard is a stable hash of its id (see queue/shards.ts). 1 is
   * exactly the single queue under REDIS_PREFIX.
   */
  EVENT_QUEUE_SHARDS: int(1, 1),
  /** Comma-separated Redis URLs, one per shard (shard n on the n-th); unset: every shard on REDIS_URL. */
  REDIS_SHARD_URLS: z
    .string()
    .transform((v) => v.split(",").map((u) => u.trim()))
    .pipe(z.array(z.url()))
    .optional(),
  /** The shards this worker serves, comma-separated (e.g. `0,1`); unset: all of them. */
  WORKER_QUEUE_SHARDS: z
    .string()
    .transform((v) => v.split(",").map((n) => n.trim()))
    .pipe(z.array(z.string().regex(/^\d+$/, "shards are numbers: 0,1,…").transform(Number)).min(1))
    .optional(),
  /** api listen port. */
  PORT: int(3000, 0),
  /** api listen address. */
  HOST: z.string().default("0.0.0.0"),
  /** Base URL senders use, shown as `ingestUrl`; defaults to http://localhost:PORT. */
  PUBLIC_URL: z.url().optional(),
  /**
   * api `/metrics` port, a listener of its own: the metrics name every tenant's sources, volumes
   * and rotation state, so they are not served on the ingest port. 0 picks a free port (tests).
   */
  METRICS_PORT: int(3002, 0),
  /**
   * api `/metrics` listen address. Loopback by default (the metrics carry no credentials check):
   * expose it on purpose, e.g. `0.0.0.0` inside a private container network that Prometheus shares.
   */
  METRICS_HOST: z.string().min(1).default("127.0.0.1"),
  /** worker `/metrics` and `/health/*` port. */
  WORKER_PORT: int(3001, 0),
  /** Bootstrap bearer key for `/v1` (tenant `default`). No default: required outside development. */
  ADMIN_API_KEY: z.string().min(32, "must be at least 32 characters").optional(),
  /**
   * AES-256-GCM key (32 bytes, base64 or hex) sealing source secrets, forward signing secrets and
   * forward header values in Postgres (api and worker). Required in production; in development
   * and test a fixed, public dev key (`DEV_ENCRYPTION_KEY`) is used when unset.
   */
  ENCRYPTION_KEY: z
    .string()
    .refine((v) => parseEncryptionKey(v) !== null, "must be 32 bytes, base64 or hex")
    .optional(),
  /** Comma-separated earlier keys: they still open what they sealed, until the start step reseals it. */
  ENCRYPTION_KEYS_PREVIOUS: z
    .string()
    .transform((v) =>
      v
        .split(",")
        .map((k) => k.trim())
        .filter((k) => k !== ""),
    )
    .pipe(
      z.array(z.string().refine((v) => parseEncryptionKey(v) !== null, "must be 32 bytes, base64 or hex")),
    )
    .default([]),
  /**
   * Jobs one worker process runs at once. Handlers wait on I/O and claims/settles are batched,
   * so more jobs in flight mean bigger batches, not more Postgres connections.
   */
  WORKER_CONCURRENCY: int(128, 1),
  /**
   * The fraction of a worker's slots one tenant may hold while another tenant has work (at least
   * one slot); its excess jobs wait their turn, no attempt spent. A tenant alone uses every slot.
   * 1 turns the share off. See docs/adr/0012-tenant-share.md.
   */
  WORKER_TENANT_SHARE: z.coerce.number().gt(0).max(1).default(0.5),
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
  /** Longest retry delay (the cap of the formula above). */
  RETRY_MAX_DELAY_MS: int(3_600_000, 0),
  /** BullMQ lock of an active job; a worker that dies loses its jobs after this long. */
  WORKER_LOCK_DURATION_MS: int(30_000, 1000),
  /** How often workers look for stalled jobs. */
  WORKER_STALLED_INTERVAL_MS: int(15_000, 500),
  /** How many stalls a job survives before BullMQ fails it (the reconciler then re-enqueues it). */
  WORKER_MAX_STALLED_COUNT: int(2, 0),
  /** Body limit of a source: its default and its ceiling (a source may lower it, never raise it). */
  MAX_BODY_BYTES: int(1_048_576, 1),
  /**
   * worker: body bytes one process holds at once. Claims are weighed by body size: an event whose
   * body would go over waits (unclaimed) until bodies are released; one body larger than this runs
   * when nothing else is held.
   */
  WORKER_BODY_BUDGET_BYTES: int(67_108_864, 1),
  /** 429 above this many waiting jobs. */
  INGEST_MAX_BACKLOG: int(100_000, 1),
  /** `GET /v1/stream` connections one tenant may hold open on one api process; the next is 429. */
  STREAM_MAX_PER_TENANT: int(10, 1),
  /**
   * Bytes of completions an SSE client may have waiting unsent (it reads too slowly or not at
   * all); above it the client is dropped and resumes with `Last-Event-ID`.
   */
  STREAM_CLIENT_BUFFER_BYTES: int(1_048_576, 1024),
  /** Group commit: most deliveries in one INSERT / one addBulk. */
  INGEST_BATCH_MAX: int(256, 1),
  /** Group commit: the longest wait to fill a batch. */
  INGEST_BATCH_WAIT_MS: int(1, 0),
  /** api processes (node:cluster) sharing the port; 1 = no cluster. */
  API_PROCESSES: int(1, 1),
  /**
   * Longest time an enqueue waits for Redis; past it its rows go back to `received` (the
   * reconciler's). Ingest answers before the enqueue (docs/adr/0013-ack-without-redis.md).
   */
  ENQUEUE_TIMEOUT_MS: int(500, 10),
  /**
   * api: enqueues that may be outstanding after their 202; above it a delivery's answer waits for
   * its own enqueue (202 `queued` or `received`), so a slow Redis slows ingest. 0 = always wait.
   */
  INGEST_MAX_PENDING_ENQUEUES: int(4_096, 0),
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
  /** Node server's requestTimeout: a slow client is cut after this long. */
  REQUEST_TIMEOUT_MS: int(30_000, 1000),
  /** Node server's headersTimeout: a client that sends its headers slowly is cut after this long. */
  HEADERS_TIMEOUT_MS: int(10_000, 1000),
  /** How often the reconciler runs. */
  RECONCILE_INTERVAL_MS: int(5_000, 100),
  /** How old a row must be before the reconciler touches it. */
  RECONCILE_MIN_AGE_MS: int(10_000, 0),
  /** Events older than this are deleted by the janitor. */
  RETENTION_DAYS: int(30, 1),
  /**
   * The time range of one inbox partition (deliveries, event states, attempts, steps,
   * settlements). Retention drops whole partitions, so a settled event is kept between
   * RETENTION_DAYS and RETENTION_DAYS plus one period. A change applies to partitions made after it.
   */
  PARTITION_PERIOD_HOURS: int(24, 1),
  /** Periods of partitions made ahead of time (by the api at start and hourly, and by the janitor). */
  PARTITIONS_AHEAD: int(3, 1),
  /** Let `forward` reach loopback and private networks (tests, same-host receivers). */
  ALLOW_PRIVATE_DESTINATIONS: bool,
  /** Default timeout of a `forward` request. */
  FORWARD_TIMEOUT_MS: int(10_000, 100),
  /** Slack incoming-webhook URL for dead-letter alerts. */
  SLACK_ALERT_WEBHOOK_URL: z.url().optional(),
  /** pino level. */
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  // OpenTelemetry traces (see tracing.ts): off unless an exporter or an OTLP endpoint is set. These
  // decide whether tracing starts and how it samples; the OTLP exporter reads its own transport
  // variables (OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT, _COMPRESSION, …) and the resource detector
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, as the OpenTelemetry spec defines them.
  /** `true`: no tracing whatever the other OTEL_* variables say. */
  OTEL_SDK_DISABLED: bool,
  /** Span exporters, comma-separated: `otlp`, `console`, `none`. Unset: `otlp` when an endpoint is set. */
  OTEL_TRACES_EXPORTER: z
    .string()
    .transform((v) =>
      v
        .split(",")
        .map((e) => e.trim().toLowerCase())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(["otlp", "console", "none"])))
    .optional(),
  /** OTLP/HTTP base URL (`/v1/traces` is appended), e.g. http://otel-collector:4318. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  /** OTLP/HTTP traces URL, used as is; wins over OTEL_EXPORTER_OTLP_ENDPOINT. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
  /**
   * Hookbox sends OTLP over HTTP, JSON-encoded (a collector's :4318 takes it under either name);
   * `grpc` is refused at start rather than ignored.
   */
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(["http/json", "http/protobuf"]).optional(),
  /** Which spans are kept. Parent-based by default: a job is sampled when its ingest request was. */
  OTEL_TRACES_SAMPLER: z
    .enum([
      "always_on",
      "always_off",
      "traceidratio",
      "parentbased_always_on",
      "parentbased_always_off",
      "parentbased_traceidratio",
    ])
    .default("parentbased_always_on"),
  /** The ratio of the `traceidratio` samplers, 0..1. */
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1),
});

const EnvSchema = EnvVariables.superRefine((env, ctx) => {
  if (env.NODE_ENV !== "development" && env.NODE_ENV !== "test" && !env.ADMIN_API_KEY) {
    ctx.addIssue({
      code: "custom",
      path: ["ADMIN_API_KEY"],
      message: "is required when NODE_ENV=production",
    });
  }
  if (env.NODE_ENV === "production" && !env.ENCRYPTION_KEY) {
    ctx.addIssue({
      code: "custom",
      path: ["ENCRYPTION_KEY"],
      message: "is required when NODE_ENV=production (32 random bytes, base64: `openssl rand -base64 32`)",
    });
  }
  if (env.REDIS_SHARD_URLS && env.REDIS_SHARD_URLS.length !== env.EVENT_QUEUE_SHARDS) {
    ctx.addIssue({
      code: "custom",
      path: ["REDIS_SHARD_URLS"],
      message: `needs one URL per shard (EVENT_QUEUE_SHARDS=${env.EVENT_QUEUE_SHARDS}), got ${env.REDIS_SHARD_URLS.length}`,
    });
  }
  for (const shard of env.WORKER_QUEUE_SHARDS ?? []) {
    if (shard >= env.EVENT_QUEUE_SHARDS) {
      ctx.addIssue({
        code: "custom",
        path: ["WORKER_QUEUE_SHARDS"],
        message: `shard ${shard} does not exist (EVENT_QUEUE_SHARDS=${env.EVENT_QUEUE_SHARDS}: shards 0..${env.EVENT_QUEUE_SHARDS - 1})`,
      });
    }
  }
}).transform((env) => ({
  ...env,
  ENCRYPTION_KEY: env.ENCRYPTION_KEY ?? DEV_ENCRYPTION_KEY,
  PUBLIC_URL: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ""),
}));

export type Env = z.infer<typeof EnvSchema>;

/** `RETRY_BASE_DELAY_MS` → `retryBaseDelayMs`, in types (below) and at run time (`camelCase`). */
type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Lowercase<Head>}${PascalCase<Tail>}`
  : Lowercase<S>;
type PascalCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Capitalize<Lowercase<Head>>}${PascalCase<Tail>}`
  : Capitalize<Lowercase<S>>;
function camelCase(name: string): string {
  return name.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

// Through an alias, not `keyof Env` inline: the mapping is then not homomorphic, so optional
// variables become required keys whose value may be `undefined` (every key is always present).
type EnvName = keyof Env;
/** The parsed environment, camelCased: `config.retryBaseDelayMs` is `RETRY_BASE_DELAY_MS`. */
export type Config = { [K in EnvName as CamelCase<K>]: Env[K] };

const ENV_NAMES = Object.keys(EnvVariables.shape);

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
  const values: Record<string, unknown> = parsed.data;
  const config = Object.fromEntries(ENV_NAMES.map((name) => [camelCase(name), values[name]]));
  // The one unchecked step: the keys are exactly CamelCase<EnvName>, built from the same schema.
  return { ok: true, config: Object.freeze(config) as Config };
}

/** The span exporters tracing runs with; empty = tracing off (nothing of the SDK is loaded). */
export function traceExportersOf(
  config: Pick<
    Config,
    "otelSdkDisabled" | "otelTracesExporter" | "otelExporterOtlpEndpoint" | "otelExporterOtlpTracesEndpoint"
  >,
): ("otlp" | "console")[] {
  if (config.otelSdkDisabled) return [];
  const named = config.otelTracesExporter;
  if (named?.includes("none")) return [];
  if (named) return [...new Set(named.filter((e) => e !== "none"))];
  return config.otelExporterOtlpEndpoint || config.otelExporterOtlpTracesEndpoint ? ["otlp"] : [];
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
