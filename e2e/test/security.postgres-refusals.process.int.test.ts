import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ProcessStack, startPrivatePostgres, startProcessStack, waitFor } from "../src/index.ts";

/**
 * Every way Postgres can refuse, against a real api process on a private cluster: the answer is
 * 503 with Retry-After (never a 500), nothing is acknowledged without a committed row, and the
 * api recovers by itself (readiness 200, ingest 202) once Postgres takes work again.
 *
 * The api connects as an ordinary role (`hookbox`, owner of database `hb`): superusers are exempt
 * from connection limits, and a production api is no superuser.
 */
let pg: Awaited<ReturnType<typeof startPrivatePostgres>>;
let admin: postgres.Sql;
let hb: postgres.Sql;
let stack: ProcessStack;
let n = 0;

beforeAll(async () => {
  pg = await startPrivatePostgres();
  // This session ignores what the tests do to everyone else (read-only, connection limits).
  admin = postgres(pg.url, {
    max: 1,
    onnotice: () => {},
    connection: { default_transaction_read_only: false },
  });
  await admin`CREATE ROLE hookbox LOGIN`;
  await admin`CREATE DATABASE hb OWNER hookbox`;
  const url = `postgres://hookbox@127.0.0.1:${pg.port}/hb`;
  hb = postgres(url.replace("hookbox@", "postgres@"), {
    max: 1,
    onnotice: () => {},
    connection: { default_transaction_read_only: false },
  });
  await hb`SELECT 1`; // opened now: later the database may accept no new session
  stack = await startProcessStack("pgrefusals", url);
  const res = await stack.call("POST", "/v1/sources", { slug: "pg", scheme: "none", handlers: [] });
  expect(res.status).toBe(201);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  await hb?.end();
  await admin?.end();
  pg?.destroy();
});

interface Answer {
  key: string;
  status: number;
  retryAfter: string | null;
  code: string | undefined;
  id: string | undefined;
}

async function deliver(body: string | Buffer = "{}"): Promise<Answer> {
  const key = `k-${++n}`;
  const res = await fetch(`${stack.base}/in/pg`, {
    method: "POST",
    headers: { "idempotency-key": key, "content-type": "application/octet-stream" },
    body,
  });
  const json = (await res.json().catch(() => ({}))) as { id?: string; code?: string };
  return {
    key,
    status: res.status,
    retryAfter: res.headers.get("retry-after"),
    code: json.code,
    id: json.id,
  };
}

const ready = async () => (await fetch(`${stack.base}/health/ready`)).status;
const untilReady = (status: 200 | 503) =>
  waitFor(async () => ((await ready()) === status ? true : undefined), {
    timeoutMs: 15_000,
    what: `readiness ${status}`,
  });

/** Sessions of the api: what an administrator terminates. */
const terminateApiSessions = () =>
  admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'hookbox'`;

/** Each refusal: 503 + Retry-After + code `unavailable`; each 202 has its committed row. */
async function expectHonest(answers: Answer[], { strict = true } = {}) {
  for (const a of answers) {
    expect([202, 503]).toContain(a.status);
    if (a.status === 503) {
      expect(a.retryAfter).toMatch(/^\d+$/);
      expect(a.code).toBe("unavailable");
    }
  }
  const keys = answers.map((a) => a.key);
  const rows = await hb<{ key: string; id: string }[]>`
    SELECT idempotency_key AS key, id FROM events WHERE idempotency_key = ANY(${keys})`;
  const stored = new Map(rows.map((r) => [r.key, r.id]));
  for (const a of answers.filter((a) => a.status === 202)) expect(stored.get(a.key)).toBe(a.id);
  // Deterministic refusals commit nothing at all (a terminated COMMIT may have, before its answer).
  if (strict) for (const a of answers.filter((a) => a.status === 503)) expect(stored.has(a.key)).toBe(false);
}

/** Refused while broken (several deliveries, readiness 503); back by itself once repaired. */
async function refusedThenRecovered(breakIt: () => Promise<unknown>, repair: () => Promise<unknown>) {
  expect((await deliver()).status).toBe(202);
  await breakIt();
  const during: Answer[] = [];
  for (let i = 0; i < 5; i++) during.push(await deliver());
  await expectHonest(during);
  expect(during.map((a) => a.status)).toEqual([503, 503, 503, 503, 503]);
  expect(await ready()).toBe(503);
  await repair();
  await untilReady(200);
  const after = await deliver();
  expect(after.status).toBe(202);
  await expectHonest([after]);
}

describe("Postgres refuses; the api answers 503 with Retry-After and recovers by itself", () => {
  it("a database not accepting connections (ALLOW_CONNECTIONS false, sessions terminated)", async () => {
    await refusedThenRecovered(
      async () => {
        await admin`ALTER DATABASE hb ALLOW_CONNECTIONS false`;
        await terminateApiSessions();
      },
      () => admin`ALTER DATABASE hb ALLOW_CONNECTIONS true`,
    );
  });

  it("a database whose connection limit is reached (CONNECTION LIMIT 0: 53300)", async () => {
    await refusedThenRecovered(
      async () => {
        await admin`ALTER DATABASE hb CONNECTION LIMIT 0`;
        await terminateApiSessions();
      },
      () => admin`ALTER DATABASE hb CONNECTION LIMIT -1`,
    );
  });

  it("a read-only server after a failover (default_transaction_read_only = on: 25006)", async () => {
    await refusedThenRecovered(
      async () => {
        await admin`ALTER SYSTEM SET default_transaction_read_only = on`;
        await admin`SELECT pg_reload_conf()`;
        // The api's sessions read the new setting at their next statement.
        await untilReady(503);
      },
      async () => {
        await admin`ALTER SYSTEM RESET default_transaction_read_only`;
        await admin`SELECT pg_reload_conf()`;
      },
    );
  });

  it("sessions terminated by an administrator (pg_terminate_backend: 57P01) under load", async () => {
    const answers: Answer[] = [];
    let running = true;
    const senders = Array.from({ length: 4 }, async () => {
      while (running) answers.push(await deliver());
    });
    for (let i = 0; i < 10; i++) {
      await terminateApiSessions();
      await new Promise((r) => setTimeout(r, 150));
    }
    running = false;
    await Promise.all(senders);
    await expectHonest(answers, { strict: false });
    expect(answers.some((a) => a.status === 202)).toBe(true);
    await untilReady(200);
    expect((await deliver()).status).toBe(202);
  });
});

// A real full disk: the inbox table on a tablespace in a small tmpfs (mounting needs root).
const isRoot = process.getuid?.() === 0;
describe.skipIf(!isRoot)("a full disk (53100)", () => {
  const mnt = join(tmpdir(), `hookbox-tiny-${process.pid}`);
  afterAll(async () => {
    try {
      execFileSync("umount", ["-l", mnt]);
    } catch {}
    rmSync(mnt, { recursive: true, force: true });
  });

  it("answers 503 while the inbox cannot grow, and 202 again once the disk has room", async () => {
    mkdirSync(mnt, { recursive: true });
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt]);
    execFileSync("chown", ["postgres", mnt]);
    await admin.unsafe(`CREATE TABLESPACE tiny LOCATION '${mnt}'`);
    // The partition of the deliveries arriving now (docs/adr/0014-storage.md).
    const [current] = await hb<{ suffix: string }[]>`
      SELECT suffix FROM inbox_partitions WHERE from_at <= now() AND to_at > now()`;
    const partition = `deliveries_${current?.suffix}`;
    await hb.unsafe(`ALTER TABLE "${partition}" SET TABLESPACE tiny`);

    // Incompressible bodies of 200 KB fill 2 MB in about ten deliveries.
    const answers: Answer[] = [];
    for (let i = 0; i < 40 && !answers.some((a) => a.status === 503); i++)
      answers.push(await deliver(randomBytes(200_000)));
    expect(answers.at(-1)?.status).toBe(503);
    const during: Answer[] = [];
    for (let i = 0; i < 3; i++) during.push(await deliver(Buffer.alloc(200_000, 7)));
    await expectHonest([...answers, ...during]);
    expect(during.every((a) => a.status === 503)).toBe(true);

    // The operator grows the volume; nothing is restarted.
    execFileSync("mount", ["-o", "remount,size=64m", mnt]);
    const after = await deliver(Buffer.alloc(200_000, 8));
    expect(after.status).toBe(202);
    await expectHonest([after]);
    await hb.unsafe(`ALTER TABLE "${partition}" SET TABLESPACE pg_default`);
    await admin`DROP TABLESPACE tiny`;
  });
});
