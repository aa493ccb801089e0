import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "./db/drizzle.ts";
import { sources } from "./db/schema/index.ts";
import { createLogger } from "./logger.ts";
import { createTestDatabase, type TestDatabase } from "./testing/index.ts";

// Real errors from drizzle and postgres.js, each sent with a secret as a bound value, logged the
// ways the code logs errors. No line may hold the secret; each must still name the error.

const SECRET = "whsec_bG9nZ2VyLXRlc3Qtc2VjcmV0LW5ldmVyLWxvZ2dlZA==";
const TENANT = "00000000-0000-7000-8000-000000000001";
const secrets = [{ secret: SECRET, createdAt: new Date().toISOString(), expiresAt: null }];

let pg: TestDatabase;
let impatient: Database; // statement_timeout 200 ms: a lock wait fails the way an outage does
let debugSql: postgres.Sql; // debug mode: postgres.js makes `parameters` and `args` enumerable

beforeAll(async () => {
  pg = await createTestDatabase("logger");
  impatient = createDatabase(pg.url, { max: 1, drizzleMax: 1, statementTimeoutMs: 200 });
  debugSql = postgres(pg.url, { max: 1, debug: () => {}, onnotice: () => {} });
  await pg.database.sql`INSERT INTO tenants (id, name) VALUES (${TENANT}, 'logger')`;
});

afterAll(async () => {
  await debugSql?.end({ timeout: 2 });
  await impatient?.close();
  await pg?.drop();
});

/** Logs through `log` on a fresh logger, returns the written line. */
function logged(log: (logger: ReturnType<typeof createLogger>) => void): string {
  const lines: string[] = [];
  log(createLogger("debug", { service: "test" }, { write: (line: string) => lines.push(line) }));
  expect(lines).toHaveLength(1);
  return lines[0] as string;
}

async function failure(query: () => Promise<unknown>): Promise<Error> {
  const error = await query().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

function insertSource(database: Database, values: Partial<typeof sources.$inferInsert> = {}) {
  return database.db.insert(sources).values({
    id: crypto.randomUUID(),
    tenantId: TENANT,
    slug: `s-${crypto.randomUUID().slice(0, 8)}`,
    name: "logger",
    scheme: "stripe",
    secrets,
    handlers: [
      { name: "forward", key: "forward", config: { headers: { authorization: `Bearer ${SECRET}` } } },
    ],
    ...values,
  });
}

/** A drizzle insert that waits on a lock held by another connection until statement_timeout. */
async function lockTimeoutError(): Promise<Error> {
  const holder = await pg.database.sql.reserve();
  try {
    await holder`BEGIN`;
    await holder`LOCK TABLE sources IN ACCESS EXCLUSIVE MODE`;
    return await failure(() => insertSource(impatient));
  } finally {
    await holder`ROLLBACK`;
    holder.release();
  }
}

const ways: [string, (logger: ReturnType<typeof createLogger>, error: Error) => void][] = [
  ["{ err } with a message", (l, error) => l.error({ err: error }, "postgres unavailable")],
  ["{ err } alone (pino takes msg from it)", (l, error) => l.error({ err: error })],
  ["the error itself", (l, error) => l.error(error)],
  ["{ error }", (l, error) => l.warn({ error }, "failed")],
  ["another key", (l, error) => l.warn({ failure: error }, "failed")],
  ["{ err: error.message }", (l, error) => l.warn({ err: error.message }, "failed")],
  ["a child logger", (l, error) => l.child({ requestId: "r1" }).error({ err: error }, "failed")],
];

describe("a drizzle query that ends in statement_timeout behind a lock", () => {
  let error: Error;
  beforeAll(async () => {
    error = await lockTimeoutError();
  });

  it("carries the secret (what the logger must remove)", () => {
    expect(error.constructor.name).toBe("DrizzleQueryError");
    expect(error.message).toContain(SECRET);
    expect(JSON.stringify(error)).toContain(SECRET);
  });

  it.each(ways)("logged as %s: no secret, the error still named", (_, log) => {
    const line = logged((l) => log(l, error));
    expect(line).not.toContain(SECRET);
    expect(line).toContain('Failed query: insert into \\"sources\\"');
    const { err, msg } = JSON.parse(line) as { err?: unknown; msg: string };
    expect(msg).toBeTruthy();
    if (typeof err === "object") {
      expect(err).toMatchObject({ type: "DrizzleQueryError", code: "57014" });
      expect((err as { message: string }).message).toContain("canceling statement due to statement timeout");
      expect((err as { stack: string }).stack).toMatch(/caused by: PostgresError: canceling statement/);
      expect(err).not.toHaveProperty("params");
    }
  });
});

describe("constraint violations that echo the row", () => {
  it("drizzle, not-null violation: no secret in params, message, stack or Postgres's detail", async () => {
    const error = await failure(() => insertSource(pg.database, { name: null as unknown as string }));
    expect((error.cause as { detail?: string }).detail).toContain(SECRET); // Failing row contains (…)
    const line = logged((l) => l.error({ err: error }, "unhandled error"));
    expect(line).not.toContain(SECRET);
    expect(line).not.toContain("downstream");
    const { err } = JSON.parse(line) as { err: { type: string; message: string; stack: string } };
    expect(err.type).toBe("DrizzleQueryError");
    expect(err.message).toContain('null value in column "name"');
  });

  it("postgres.js in debug mode: no `parameters`, `args` or row values; code and detail kept", async () => {
    const error = await failure(
      () => debugSql`INSERT INTO sources (id, tenant_id, slug, name, scheme, secrets, handlers)
        VALUES (${crypto.randomUUID()}, ${TENANT}, ${"dbg"}, ${null}, 'stripe', ${debugSql.json(secrets)}, '[]')`,
    );
    expect(Object.keys(error)).toEqual(expect.arrayContaining(["parameters", "args"]));
    const line = logged((l) => l.error({ err: error }, "failed"));
    expect(line).not.toContain(SECRET);
    const { err } = JSON.parse(line) as { err: Record<string, unknown> };
    expect(err).toMatchObject({ type: "PostgresError", code: "23502", column_name: "name" });
    expect(err.detail).toBe("Failing row contains ([redacted]).");
    expect(err).not.toHaveProperty("parameters");
    expect(err).not.toHaveProperty("args");
  });
});

it("an AggregateError of real query errors: each one sanitized", async () => {
  const errors = [
    await lockTimeoutError(),
    await failure(() => insertSource(pg.database, { tenantId: crypto.randomUUID() })),
  ];
  const aggregate = new AggregateError(errors, "several writes failed");
  const line = logged((l) => l.error({ err: aggregate }, "batch failed"));
  expect(line).not.toContain(SECRET);
  const { err } = JSON.parse(line) as { err: { aggregateErrors: { type: string; message: string }[] } };
  expect(err.aggregateErrors.map((e) => e.type)).toEqual(["DrizzleQueryError", "DrizzleQueryError"]);
  expect(err.aggregateErrors[1]?.message).toContain("violates foreign key constraint");
});
