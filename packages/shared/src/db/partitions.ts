import type { Sql } from "./client.ts";

/**
 * The inbox's time partitions (migration 0009, docs/adr/0014-storage.md). deliveries,
 * event_states, settlements, attempts and steps are partitioned by range of the event id with
 * the same bounds; `inbox_partitions` lists the ranges (one suffix per range, one partition of
 * each table per suffix). Partitions are made ahead of time, and retention drops whole ranges.
 */
export const PARTITIONED_TABLES = ["deliveries", "event_states", "settlements", "attempts", "steps"] as const;

export interface PartitionRange {
  suffix: string;
  fromAt: Date;
  toAt: Date;
}

export interface PartitionPolicy {
  periodHours: number;
  ahead: number;
}

export function partitionPolicyOf(config: {
  partitionPeriodHours: number;
  partitionsAhead: number;
}): PartitionPolicy {
  return { periodHours: config.partitionPeriodHours, ahead: config.partitionsAhead };
}

/**
 * Makes the partitions that cover now up to `ahead` periods later (idempotent; concurrent
 * callers serialize in Postgres). Returns how many ranges it made.
 */
export async function ensurePartitions(sql: Sql, policy: PartitionPolicy, now = new Date()): Promise<number> {
  const period = `${policy.periodHours} hours`;
  const until = new Date(now.getTime() + policy.ahead * policy.periodHours * 3_600_000);
  const [row] = await sql<{ made: number }[]>`
    SELECT hookbox_ensure_partitions(${now}, ${until}, ${period}::interval) AS made`;
  return row?.made ?? 0;
}

export async function listPartitions(sql: Sql): Promise<PartitionRange[]> {
  return sql<PartitionRange[]>`
    SELECT suffix, from_at AS "fromAt", to_at AS "toAt" FROM inbox_partitions ORDER BY from_at`;
}

export type DropOutcome =
  | { dropped: true; range: PartitionRange }
  | { dropped: false; range: PartitionRange; reason: "in-flight" | "locked" };

/**
 * Drops one range's partitions, unless an event of the range is still pending (not settled):
 * those are kept until it settles. In one short transaction: the range's event_states partition
 * is locked against updates (a replay that would make one of its events pending again waits,
 * and finds the event gone), the pending check runs after the lock, then the five partitions
 * go. `lock_timeout` bounds how long ingest can queue behind the drop's locks on the parents;
 * a drop that cannot get them in time is tried again at the next round.
 */
export async function dropPartition(
  sql: Sql,
  range: PartitionRange,
  options: { lockTimeoutMs?: number } = {},
): Promise<DropOutcome> {
  const lockTimeout = `${options.lockTimeoutMs ?? 500}ms`;
  try {
    return await sql.begin(async (tx) => {
      await tx`SELECT set_config('lock_timeout', ${lockTimeout}, true)`;
      await tx.unsafe(`LOCK TABLE ${ident(`event_states_${range.suffix}`)} IN SHARE MODE`);
      const [pending] = await tx`
        SELECT 1 FROM pending_events
        WHERE id >= hookbox_uuid_floor(${range.fromAt}) AND id < hookbox_uuid_floor(${range.toAt}) LIMIT 1`;
      if (pending) return { dropped: false, range, reason: "in-flight" } as const;
      for (const table of PARTITIONED_TABLES)
        await tx.unsafe(`DROP TABLE ${ident(`${table}_${range.suffix}`)}`);
      await tx`DELETE FROM inbox_partitions WHERE suffix = ${range.suffix}`;
      return { dropped: true, range } as const;
    });
  } catch (error) {
    if ((error as { code?: string }).code === "55P03") return { dropped: false, range, reason: "locked" };
    throw error;
  }
}

/**
 * After a drop: the rows outside the partitioned tables that belonged to the range's events
 * (their idempotency keys, dead-letter marks, alerts), in batches of `batch`. Returns how many.
 */
export async function purgeRange(sql: Sql, range: PartitionRange, batch: number): Promise<number> {
  let purged = 0;
  for (const [table, column] of [
    ["idempotency_keys", "event_id"],
    ["dead_letters", "event_id"],
    ["alerts", "event_id"],
  ] as const) {
    for (;;) {
      const deleted = await sql.unsafe(
        `DELETE FROM ${table} WHERE ctid = ANY(ARRAY(
           SELECT ctid FROM ${table}
           WHERE ${column} >= hookbox_uuid_floor($1) AND ${column} < hookbox_uuid_floor($2) LIMIT $3))`,
        [range.fromAt, range.toAt, batch],
      );
      purged += deleted.count;
      if (deleted.count < batch) break;
    }
  }
  return purged;
}

/** Partition names are made by hookbox_ensure_partition (`p` + digits + `t`); quoted anyway. */
function ident(name: string): string {
  if (!/^[a-z_]+_p\d{8}t\d{6}$/.test(name)) throw new Error(`not a partition name: ${name}`);
  return `"${name}"`;
}
