import type { Json, StepStore } from "@hookbox/sdk";
import type { Sql } from "@hookbox/shared";

/**
 * `step()` results in Postgres, keyed by (event, run, handler key, step name). The first call
 * loads every stored step of this key at once (one round trip however many steps); a save is
 * `INSERT … ON CONFLICT DO NOTHING`, so when two attempts race the first writer's result wins
 * and both go on with it.
 */
export function createStepStore(
  sql: Sql,
  at: { tenantId: string; eventId: string; run: number; handler: string },
): StepStore {
  let stored: Promise<Map<string, Json>> | undefined;
  const all = () => {
    stored ??= sql<{ name: string; result: Json }[]>`
      SELECT name, result FROM steps
      WHERE event_id = ${at.eventId} AND run = ${at.run} AND handler = ${at.handler}`.then(
      (rows) => new Map(rows.map((r) => [r.name, r.result])),
    );
    return stored;
  };
  return {
    async load(name) {
      const map = await all();
      return map.has(name) ? { found: true, value: map.get(name) as Json } : { found: false };
    },
    async save(name, value) {
      const [inserted] = await sql<{ result: Json }[]>`
        INSERT INTO steps (tenant_id, event_id, run, handler, name, result)
        VALUES (${at.tenantId}, ${at.eventId}, ${at.run}, ${at.handler}, ${name}, ${sql.json(value as never)})
        ON CONFLICT DO NOTHING
        RETURNING result`;
      if (inserted) return inserted.result;
      const [first] = await sql<{ result: Json }[]>`
        SELECT result FROM steps
        WHERE event_id = ${at.eventId} AND run = ${at.run} AND handler = ${at.handler} AND name = ${name}`;
      return first ? first.result : value;
    },
  };
}
