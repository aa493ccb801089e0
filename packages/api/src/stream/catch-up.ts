import type { CompletionMessage, Sql } from "@hookbox/shared";
import { hasCompletedEvent, listSettledAfter, type SettledRow } from "./queries.ts";

const PAGE = 500;

function toMessage(row: SettledRow): CompletionMessage {
  return {
    ...row,
    receivedAt: row.receivedAt.toISOString(),
    completedAt: row.completedAt.toISOString(),
    durationMs: row.completedAt.getTime() - row.receivedAt.getTime(),
  };
}

/**
 * Every completion of the tenant after the one with id `lastEventId`, in completion order,
 * read from Postgres page by page. Unknown id → nothing.
 */
export async function* completionsAfter(
  sql: Sql,
  tenantId: string,
  lastEventId: string,
): AsyncGenerator<CompletionMessage> {
  if (!(await hasCompletedEvent(sql, tenantId, lastEventId))) return;
  let after = lastEventId;
  for (;;) {
    const rows = await listSettledAfter(sql, tenantId, after, PAGE);
    for (const row of rows) yield toMessage(row);
    const last = rows.at(-1);
    if (!last || rows.length < PAGE) return;
    after = last.id;
  }
}
