import type { Redis } from "ioredis";

/**
 * Token bucket per source in one Lua call, shared by every api replica: capacity = one
 * second's worth, refilled continuously, time from Redis (no clock skew between replicas).
 * Returns {1, 0} when allowed, else {0, ms until a token}.
 */
const TOKEN_BUCKET = `
local rate = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1])
local ts = tonumber(b[2])
if not tokens then tokens = rate; ts = now end
tokens = math.min(rate, tokens + (now - ts) * rate / 1000)
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)
redis.call('PEXPIRE', KEYS[1], 2000)
return {allowed, wait}
`;

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  check(sourceId: string, perSecond: number): Promise<RateDecision>;
}

/**
 * Fails open: when Redis is slow or away (past `timeoutMs`) the delivery is allowed, because
 * losing a webhook is worse than exceeding a rate for a moment.
 */
export function createRateLimiter(redis: Redis, prefix: string, timeoutMs: number): RateLimiter {
  redis.defineCommand("hookboxTokenBucket", { numberOfKeys: 1, lua: TOKEN_BUCKET });
  const call = (
    redis as unknown as { hookboxTokenBucket(key: string, rate: number): Promise<[number, number]> }
  ).hookboxTokenBucket;
  return {
    async check(sourceId, perSecond) {
      let timer: NodeJS.Timeout | undefined;
      try {
        const [allowed, waitMs] = await Promise.race([
          call.call(redis, `${prefix}:rate:${sourceId}`, perSecond),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error("rate limit check timed out")), timeoutMs);
          }),
        ]);
        return allowed === 1
          ? { allowed: true }
          : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
      } catch {
        return { allowed: true };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
