import type { RetryPolicy } from "@hookbox/shared";

/**
 * Delay before attempt n+1 after attempt n failed: full jitter over
 * min(maxDelay, base · 2^(n-1)) — spreads a burst of failures instead of retrying in lockstep.
 */
export function retryDelayMs(
  attemptsMade: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attemptsMade - 1));
  return Math.floor(random() * ceiling);
}

/** Thrown by the processor to ask BullMQ for a retry after exactly `delayMs` (the one stored on the row). */
export class RetryLaterError extends Error {
  readonly delayMs: number;
  constructor(message: string, delayMs: number) {
    super(message);
    this.name = "RetryLaterError";
    this.delayMs = delayMs;
  }
}
