import { type Logger, type Metrics, type RejectionReason, type Sql, uuidv7 } from "@hookbox/shared";
import { redactHeaders } from "./redact-headers.ts";
import type { RequestHeaders } from "./types.ts";

/**
 * Bounds of the rejection log, so an attacker sending garbage cannot fill the disk: the newest
 * `perSource` rows of a source, none older than `maxAgeDays`, and at most `writesPerSecond`
 * writes per source per second from one api process (the rest are counted, not written).
 */
export const REJECTION_LIMITS = { perSource: 1_000, maxAgeDays: 7, writesPerSecond: 20 };
export type RejectionLimits = typeof REJECTION_LIMITS;

export interface RejectionRecorder {
  /** Fire and forget: never delays or fails the answer to the sender. */
  record(
    source: { id: string; tenantId: string },
    reason: RejectionReason,
    headers: RequestHeaders,
    size: number,
  ): void;
}

export function createRejectionRecorder(
  deps: { sql: Sql; logger: Logger; metrics: Metrics },
  limits: RejectionLimits = REJECTION_LIMITS,
): RejectionRecorder {
  const windows = new Map<string, { second: number; count: number }>();
  return {
    record(source, reason, headers, size) {
      const second = Math.floor(Date.now() / 1000);
      const window = windows.get(source.id);
      if (window && window.second === second) {
        if (window.count >= limits.writesPerSecond) return;
        window.count++;
      } else {
        windows.set(source.id, { second, count: 1 });
      }
      deps.metrics.rejectionsRecorded.inc({ reason });
      insertRejection(deps.sql, limits, source, reason, redactHeaders(headers), size).catch(
        (error: unknown) =>
          deps.logger.warn({ err: error, sourceId: source.id }, "could not record rejection"),
      );
    },
  };
}

async function insertRejection(
  sql: Sql,
  limits: RejectionLimits,
  source: { id: string; tenantId: string },
  reason: RejectionReason,
  headers: Record<string, string>,
  size: number,
): Promise<void> {
  await sql`
    INSERT INTO rejections (id, tenant_id, source_id, reason, size, headers)
    VALUES (${uuidv7()}, ${source.tenantId}, ${source.id}, ${reason}, ${size}, ${sql.json(headers)})`;
  // Keep the newest `perSource` and nothing older than the age bound.
  await sql`
    DELETE FROM rejections WHERE source_id = ${source.id} AND (
      received_at < now() - ${`${limits.maxAgeDays} days`}::interval
      OR id IN (SELECT id FROM rejections WHERE source_id = ${source.id}
                ORDER BY id DESC OFFSET ${limits.perSource}))`;
}
