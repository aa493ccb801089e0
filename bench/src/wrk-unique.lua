-- wrk script of `pnpm bench` (bench/src/wrk.ts runs it): every request POSTs the same signed
-- 1 KB JSON body with a unique Idempotency-Key (run, thread, counter). The hmac-sha256 scheme
-- signs the body only and takes the key from the unsigned header, so one signature serves every
-- request and no HMAC is computed here. done() prints one JSON line with the figures.
-- Environment: WRK_BODY, WRK_SIGNATURE ("sha256=<hex>"), WRK_RUN (unique per invocation).

local run = os.getenv("WRK_RUN") or "wrk"
wrk.method = "POST"
wrk.body = os.getenv("WRK_BODY") or ""
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Signature"] = os.getenv("WRK_SIGNATURE") or ""

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  sent = 0
  prefix = run .. "-" .. tostring(id) .. "-"
end

function request()
  sent = sent + 1
  wrk.headers["Idempotency-Key"] = prefix .. sent
  return wrk.format()
end

function done(summary, latency, requests)
  local generated = 0
  for _, thread in ipairs(threads) do
    generated = generated + (thread:get("sent") or 0)
  end
  local e = summary.errors
  -- wrk counts answers with a status above 399 in errors.status; every other answer is 2xx here
  -- (the targets answer 202, 200 for a duplicate, never 3xx).
  io.write(string.format(
    '{"generator":"wrk","durationMicros":%d,"sent":%d,"completed":%d,"non2xx":%d,"errors":%d,"timeouts":%d,"latencyP50Micros":%d,"latencyP99Micros":%d}\n',
    summary.duration, generated, summary.requests, e.status, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
