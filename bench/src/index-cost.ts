// pnpm bench:indexes — what each index of the inbox costs at ingest (docs/adr/0014-storage.md).
// The api's own ingest writer (createEventWriter: the batched INSERT of every delivery) stores
// BENCH_INDEX_ROWS 1 KB keyed deliveries from 128 concurrent submitters, into empty tables, with
// every index, then with one index dropped at a time (and unkeyed deliveries, for the idempotency
// table), interleaved over BENCH_REPS repetitions. An index's cost = the share of the insert time
// it adds (median). Direct to Postgres, no HTTP: the figure is the table's, not the api's.
import { randomBytes } from "node:crypto";
import { createEventWriter, type NewEvent } from "@hookbox/api";
import { createPool, DEFAULT_TENANT_ID, migrate, warmUpDatabase } from "@hookbox/shared";
import postgres from "postgres";
import { median } from "./report.ts";

const env = process.env;
const SMOKE = env.BENCH_SMOKE === "1";
const ROWS = Number(env.BENCH_INDEX_ROWS ?? (SMOKE ? 2_000 : 40_000));
const REPS = Number(env.BENCH_REPS ?? (SMOKE ? 1 : 3));
const CONCURRENCY = 128;

const baseUrl = env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const dbName = `hookbox_indexes_${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
await admin.unsafe(`CREATE DATABASE ${dbName}`);
const u = new URL(baseUrl);
u.pathname = `/${dbName}`;
const sql = createPool(u.toString(), { max: 4, statementTimeoutMs: 0 });

/** Each variant: what is dropped before the run (and made again after), and whether deliveries carry a key. */
const VARIANTS: { name: string; index?: { drop: string; create: string }; keyed: boolean }[] = [
  { name: "all indexes", keyed: true },
  {
    name: "deliveries_tenant_id_idx",
    keyed: true,
    index: {
      drop: "DROP INDEX deliveries_tenant_id_idx",
      create: 'CREATE INDEX deliveries_tenant_id_idx ON deliveries ("tenant_id", "id" DESC NULLS LAST)',
    },
  },
  {
    name: "deliveries_source_id_idx",
    keyed: true,
    index: {
      drop: "DROP INDEX deliveries_source_id_idx",
      create: 'CREATE INDEX deliveries_source_id_idx ON deliveries ("source_id", "id" DESC NULLS LAST)',
    },
  },
  {
    name: "deliveries_tenant_type_id_idx",
    keyed: true,
    index: {
      drop: "DROP INDEX deliveries_tenant_type_id_idx",
      create:
        'CREATE INDEX deliveries_tenant_type_id_idx ON deliveries ("tenant_id", "event_type", "id" DESC NULLS LAST)',
    },
  },
  {
    name: "idempotency_keys_event_brin",
    keyed: true,
    index: {
      drop: "DROP INDEX idempotency_keys_event_brin",
      create: "CREATE INDEX idempotency_keys_event_brin ON idempotency_keys USING brin (event_id)",
    },
  },
  // The key table as a whole (its row and primary key): the same deliveries without a key.
  { name: "idempotency_keys (unkeyed deliveries)", keyed: false },
];

try {
  await migrate(u.toString(), { partitions: { periodHours: 24, ahead: 1 } });
  await warmUpDatabase(sql);
  const [source] = await sql<{ id: string }[]>`
    INSERT INTO sources (id, tenant_id, slug, name, scheme, secrets, handlers)
    VALUES (gen_random_uuid(), ${DEFAULT_TENANT_ID}, 'idx', 'idx', 'none', '[]', '[]') RETURNING id`;
  const writer = createEventWriter(sql, { maxItems: 256, maxWaitMs: 1 });
  const body = Buffer.from(JSON.stringify({ type: "bench.index", padding: "x".repeat(960) }));
  let seq = 0;
  const delivery = (keyed: boolean): NewEvent => ({
    tenantId: DEFAULT_TENANT_ID,
    sourceId: source?.id as string,
    idempotencyKey: keyed ? `k${++seq}` : null,
    eventType: "bench.index",
    headers: { "content-type": "application/json", "user-agent": "bench" },
    body,
    contentType: "application/json",
  });
  const run = async (keyed: boolean): Promise<number> => {
    await sql`TRUNCATE deliveries, event_states, pending_events, idempotency_keys`;
    await sql`CHECKPOINT`.catch(() => {});
    let left = ROWS;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (left-- > 0) await writer.persist(delivery(keyed));
      }),
    );
    return (performance.now() - started) / 1000;
  };
  await run(true); // warm-up: prepared statements, caches
  const seconds: Record<string, number[]> = {};
  for (let rep = 1; rep <= REPS; rep++) {
    // Rotated each repetition, so that no variant always runs first (or after the same one).
    for (const v of [...VARIANTS.slice(rep % VARIANTS.length), ...VARIANTS.slice(0, rep % VARIANTS.length)]) {
      if (v.index) await sql.unsafe(v.index.drop);
      const s = await run(v.keyed);
      if (v.index) await sql.unsafe(v.index.create);
      seconds[v.name] = [...(seconds[v.name] ?? []), s];
      console.log(`[indexes] rep ${rep} ${v.name}: ${Math.round(ROWS / s)} rows/s`);
    }
  }
  const all = median(seconds["all indexes"] ?? []);
  console.log(
    `\nIngest INSERT of ${ROWS} 1 KB deliveries, ${CONCURRENCY} submitters, medians of ${REPS}${SMOKE ? " (SMOKE: not meaningful)" : ""}:`,
  );
  console.log("| without | rows/s | share of the insert time the index (or table) costs |\n|---|---|---|");
  for (const v of VARIANTS) {
    const s = median(seconds[v.name] ?? []);
    const share = v.name === "all indexes" ? "—" : `${(((all - s) / all) * 100).toFixed(1)} %`;
    console.log(`| ${v.name} | ${Math.round(ROWS / s)} | ${share} |`);
  }
} finally {
  await sql.end({ timeout: 5 });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
}
