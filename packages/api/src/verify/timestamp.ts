/**
 * A signed timestamp (seconds) is acceptable when it is within `toleranceSeconds` of now in
 * either direction: a future timestamp is as suspicious as a stale one (replays, skewed clocks).
 */
export function withinTolerance(
  timestamp: string | undefined | null,
  nowMs: number,
  toleranceSeconds: number,
): boolean {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return false;
  return Math.abs(nowMs / 1000 - Number(timestamp)) <= toleranceSeconds;
}
