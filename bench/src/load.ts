// A load-generator process: `node load.ts '<json options>'` runs autocannon against one target
// and prints one JSON line with the figures. Each request is a signed 1 KB JSON delivery with a
// unique idempotency key.
import { createHmac, randomBytes } from "node:crypto";
import autocannon from "autocannon";

interface Options {
  url: string;
  connections: number;
  durationSeconds: number;
  secret: string;
  /** Fixed offered rate (requests/s over all connections); unset = as fast as possible. */
  overallRate?: number;
}

const options = JSON.parse(process.argv[2] ?? "{}") as Options;
const run = randomBytes(4).toString("hex");
const padding = "x".repeat(900);
let n = 0;

const result = await autocannon({
  url: options.url,
  connections: options.connections,
  duration: options.durationSeconds,
  ...(options.overallRate ? { overallRate: options.overallRate } : {}),
  method: "POST",
  requests: [
    {
      setupRequest: (request) => {
        const key = `${run}-${n++}`;
        const body = JSON.stringify({ id: key, type: "bench.event", at: Date.now(), padding });
        const signature = createHmac("sha256", options.secret).update(body).digest("hex");
        return {
          ...request,
          body,
          headers: {
            "content-type": "application/json",
            "idempotency-key": key,
            "x-signature": `sha256=${signature}`,
          },
        };
      },
    },
  ],
});

process.stdout.write(
  `${JSON.stringify({
    generator: "autocannon",
    durationSeconds: result.duration,
    sent: result.requests.sent,
    ok2xx: result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    acceptedPerSecond: result["2xx"] / result.duration,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
  })}\n`,
);
