import { describe, expect, it } from "vitest";
import { retryDelayMs } from "./retry-policy.ts";

const policy = { maxAttempts: 8, baseDelayMs: 1000, maxDelayMs: 10_000 };

describe("retryDelayMs", () => {
  it("grows exponentially up to the cap (random = just under 1)", () => {
    const top = () => 0.999_999;
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, policy, top))).toEqual([
      999, 1999, 3999, 7999, 9999, 9999,
    ]);
  });

  it("uses full jitter: anywhere from 0 to the ceiling", () => {
    expect(retryDelayMs(3, policy, () => 0)).toBe(0);
    expect(retryDelayMs(3, policy, () => 0.5)).toBe(2000);
  });
});
