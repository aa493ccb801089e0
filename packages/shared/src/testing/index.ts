import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import postgres from "postgres";
import { type Config, parseConfig } from "../config/index.ts";
import { warmUpDatabase } from "../db/client.ts";
import { createDatabase, type Database } from "../db/drizzle.ts";
import { type MigrateOptions, migrate } from "../db/migrate.ts";

/**
 * Test fixtures on real services. Postgres and Redis come from DATABASE_URL / REDIS_URL, or the
 * local ones when they answer, or (only where a Docker engine runs) from testcontainers.
 * Every test file gets its own database and its own Redis key prefix, and removes them after.
 */

const LOCAL_PG = "postgres://postgres@127.0.0.1:5432/test";
const LOCAL_REDIS = "redis://127.0.0.1:6379";

let pgBase: Promise<string> | undefined;
let redisBase: Promise<string> | undefined;

async function pgAnswers(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

function postgresBaseUrl(): Promise<string> {
  pgBase ??= (async () => {
    const url = process.env.DATABASE_URL ?? LOCAL_PG;
    if (await pgAnswers(url)) return url;
    if (process.env.DATABASE_URL) throw new Error(`DATABASE_URL does not answer: ${redactUrl(url)}`);
    const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
    const container = await new PostgreSqlContainer("postgres:16-alpine").start();
    return container.getConnectionUri();
  })();
  return pgBase;
}

export function redisBaseUrl(): Promise<string> {
  redisBase ??= (async () => {
    const url = process.env.REDIS_URL ?? LOCAL_REDIS;
    if (await redisAnswers(url)) return url;
    if (process.env.REDIS_URL) throw new Error(`REDIS_URL does not answer: ${redactUrl(url)}`);
    const { RedisContainer } = await import("@testcontainers/redis");
    const container = await new RedisContainer("redis:7-alpine").start();
    return container.getConnectionUrl();
  })();
  return redisBase;
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@]*@/, "//***@");
}

export function uniqueName(label: string): string {
  const clean = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .slice(0, 30);
  return `hbt_${clean}_${randomBytes(4).toString("hex")}`;
}

export interface TestDatabase {
  url: string;
  name: string;
  database: Database;
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own (`options.upTo`: only the first migrations, an older schema). */
export async function createTestDatabase(label: string, options: MigrateOptions = {}): Promise<TestDatabase> {
  const base = await postgresBaseUrl();
  const name = uniqueName(label);
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE "${name}"`);
  const parsed = new URL(base);
  parsed.pathname = `/${name}`;
  const url = parsed.toString();
  const database = createDatabase(url, { max: 5, applicationName: name });
  await migrate(url, options);
  await warmUpDatabase(database.sql);
  return {
    url,
    name,
    database,
    async drop() {
      await database.close();
      await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end({ timeout: 2 });
    },
  };
}

export interface TestRedis {
  url: string;
  prefix: string;
  /** Deletes every key under the prefix. */
  cleanup(): Promise<void>;
}

/** A Redis key prefix of its own (a hash tag, like production's). */
export async function createTestRedis(label: string): Promise<TestRedis> {
  const url = await redisBaseUrl();
  const prefix = `{${uniqueName(label)}}`;
  return {
    url,
    prefix,
    async cleanup() {
      const redis = new Redis(url);
      redis.on("error", () => {});
      try {
        let cursor = "0";
        do {
          // Without the closing brace: the event queue shards' prefixes (`{…-1}`) go too.
          const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix.slice(0, -1)}*`, "COUNT", 500);
          cursor = next;
          if (keys.length > 0) await redis.unlink(...keys);
        } while (cursor !== "0");
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** A Config for tests: defaults, then the test's services, then overrides (env-style names). */
export function testConfig(
  services: { databaseUrl: string; redisUrl: string; redisPrefix: string },
  overrides: Record<string, string> = {},
): Config {
  const result = parseConfig({
    NODE_ENV: "test",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    DATABASE_URL: services.databaseUrl,
    REDIS_URL: services.redisUrl,
    REDIS_PREFIX: services.redisPrefix,
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    ALLOW_PRIVATE_DESTINATIONS: "true",
    PORT: "0",
    WORKER_PORT: "0",
    METRICS_PORT: "0",
    ...overrides,
  });
  if (!result.ok) throw new Error(`bad test config: ${result.problems.join("; ")}`);
  return result.config;
}

export const TEST_ADMIN_KEY = "test-admin-key-0123456789abcdef0123456789";

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 10_000, intervalMs = 50, what = "condition" } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}
export * from "./seed-events.ts";
export * from "./sign.ts";
export * from "./start-flags.ts";
