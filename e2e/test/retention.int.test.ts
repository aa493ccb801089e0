import { DEFAULT_TENANT_ID, uuidv7Floor } from "@hookbox/shared";
import { runJanitor } from "@hookbox/worker";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createStack, type Stack, waitFor } from "../src/index.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await createStack("retention", { RETENTION_DAYS: "30", JANITOR_BATCH_SIZE: "3" });
});
afterAll(() => stack?.close());

const DAY = 86_400_000;

it("drops the partitions of settled events older than the cutoff (with their attempts and alerts), keeps those with an event in flight", async () => {
  // The worker schedules the janitor (a BullMQ job scheduler) and its first run starts at once:
  // let that one finish on the empty database, then call it directly on known data.
  // No reconciler round during the test: it would re-enqueue the 45-day-old `retrying` and
  // `received` rows below, the worker would complete them, and the janitor would delete them.
  const worker = await stack.startWorker({ RECONCILE_INTERVAL_MS: "3600000" });
  await waitFor(async () => ((await worker.deps.maintenance.getCompletedCount()) >= 1 ? true : undefined), {
    what: "the scheduled janitor's first run",
  });
  const now = new Date();
  const { id: sourceId } = await stack.createSource({ slug: "ret", scheme: "none", handlers: [] });
  let seq = 0;
  const insert = async (ageDays: number, status: string) => {
    const at = new Date(now.getTime() - ageDays * DAY);
    // A uuid v7 of that moment (the janitor finds candidates through the time-ordered id).
    const id = `${uuidv7Floor(at).slice(0, 24)}${(++seq).toString(16).padStart(12, "0")}`;
    await stack.sql`
      INSERT INTO events (id, tenant_id, source_id, status, received_at, completed_at, headers, body, size)
      VALUES (${id}, ${DEFAULT_TENANT_ID}, ${sourceId}, ${status}, ${at}, ${status === "completed" || status === "dead" ? at : null}, '{}', '\\x00', 1)`;
    await stack.sql`
      INSERT INTO attempts (tenant_id, event_id, handler, attempt, started_at, finished_at, outcome, duration_ms)
      VALUES (${DEFAULT_TENANT_ID}, ${id}, 'log', 1, ${at}, ${at}, 'success', 1)`;
    return id;
  };
  const old = [
    ...(await Promise.all(Array.from({ length: 5 }, () => insert(31, "completed")))),
    await insert(40, "dead"),
    await insert(400, "completed"),
  ];
  await stack.sql`
    INSERT INTO alerts (id, tenant_id, kind, event_id, message) VALUES (${uuidv7Floor(now)}, ${DEFAULT_TENANT_ID}, 'dead_letter', ${old[5] as string}, 'old')`;
  const kept = [
    await insert(29, "completed"),
    await insert(1, "dead"),
    await insert(45, "retrying"), // never delete what is not settled
    await insert(45, "received"),
  ];
  await stack.sql`
    INSERT INTO rejections (id, tenant_id, source_id, reason, received_at, size, headers)
    VALUES (${uuidv7Floor(new Date(now.getTime() - 8 * DAY))}, ${DEFAULT_TENANT_ID}, ${sourceId}, 'signature_mismatch', ${new Date(now.getTime() - 8 * DAY)}, 1, '{}'),
           (${uuidv7Floor(new Date(now.getTime() - DAY))}, ${DEFAULT_TENANT_ID}, ${sourceId}, 'signature_mismatch', ${new Date(now.getTime() - DAY)}, 1, '{}')`;

  const result = await runJanitor(worker.deps, now);
  expect(result).toMatchObject({
    events: old.length,
    partitionsDropped: 3, // the days 31, 40 and 400 days ago, whole
    partitionsKept: 1, // 45 days ago: a retrying and a received event are not settled
    purged: 2, // the dead event's dead-letter mark and its alert
    rejections: 1,
  });
  const left = await stack.sql<
    { id: string }[]
  >`SELECT id FROM events WHERE source_id = ${sourceId} ORDER BY id`;
  expect(left.map((r) => r.id).sort()).toEqual([...kept].sort());
  const [attempts] = await stack.sql<
    { n: number }[]
  >`SELECT count(*)::int AS n FROM attempts WHERE event_id = ANY(${stack.sql.array(old)}::uuid[])`;
  expect(attempts?.n).toBe(0);
  const [alerts] = await stack.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM alerts`;
  expect(alerts?.n).toBe(0);
  const [rejections] = await stack.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM rejections`;
  expect(rejections?.n).toBe(1);

  // Once the last event in flight there settles, the next round drops the 45-day-old range too.
  await stack.sql`UPDATE events SET status = 'completed', completed_at = now() WHERE id = ANY(${stack.sql.array(kept.slice(2))}::uuid[])`;
  expect(await runJanitor(worker.deps, now)).toMatchObject({
    events: 2,
    partitionsDropped: 1,
    partitionsKept: 0,
  });
  const still = await stack.sql<
    { id: string }[]
  >`SELECT id FROM events WHERE source_id = ${sourceId} ORDER BY id`;
  expect(still.map((r) => r.id).sort()).toEqual(kept.slice(0, 2).sort());
  // Partitions of the coming days exist (the janitor makes them ahead).
  const [ahead] = await stack.sql<
    { n: number }[]
  >`SELECT count(*)::int AS n FROM inbox_partitions WHERE from_at > now()`;
  expect(ahead?.n).toBeGreaterThanOrEqual(2);

  // Scheduled once for all replicas, as a BullMQ job scheduler.
  const schedulers = await worker.deps.maintenance.getJobSchedulers();
  expect(schedulers.map((s) => s.key)).toContain("janitor");
});
