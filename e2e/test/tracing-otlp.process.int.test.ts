import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createTestDatabase, signDelivery } from "@hookbox/shared/testing";
import { afterAll, expect, it } from "vitest";
import { type Spawned, startProcessStack, startReceiver, waitFor } from "../src/index.ts";

// The real processes, configured only by the standard variables: OTEL_EXPORTER_OTLP_ENDPOINT
// makes api and worker export OTLP/HTTP to it (here a local stand-in for a collector), and what
// they export on a graceful stop is one trace across both services.

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
}
interface OtlpExport {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function startCollector() {
  const exports: { path: string; body: OtlpExport }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      exports.push({ path: req.url ?? "", body: JSON.parse(Buffer.concat(chunks).toString()) as OtlpExport });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, exports, close: () => server.close() };
}

async function stop(p: Spawned) {
  p.child.kill("SIGTERM");
  expect(await p.exited).toBe(0);
}

it("api and worker export one trace over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set", async () => {
  const collector = await startCollector();
  cleanups.push(() => collector.close());
  const receiver = await startReceiver(() => 200);
  cleanups.push(() => receiver.close());
  const db = await createTestDatabase("tracing_otlp");
  cleanups.push(() => db.drop());
  const stack = await startProcessStack("tracing_otlp", db.url, {
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    SHUTDOWN_GRACE_MS: "0",
    SPAWN_LOG_LEVEL: "debug",
  });
  cleanups.push(() => stack.stop());
  const worker = await stack.startWorker();

  const created = await stack.call("POST", "/v1/sources", {
    slug: "otlp",
    scheme: "hmac-sha256",
    secret: "otlp-secret",
    handlers: [{ name: "forward", config: { url: receiver.url } }],
  });
  expect(created.status).toBe(201);
  const body = JSON.stringify({ type: "otlp.test" });
  const headers = signDelivery("hmac-sha256", { body, secret: "otlp-secret" });
  const accepted = await fetch(`${stack.base}/in/otlp`, { method: "POST", headers, body });
  expect(accepted.status).toBe(202);
  await waitFor(() => (receiver.requests.length === 1 ? true : undefined), { what: "the forward" });
  // A graceful stop exports what the batch processor still holds.
  await stop(worker);
  await stop(stack.api);

  expect(new Set(collector.exports.map((e) => e.path))).toEqual(new Set(["/v1/traces"]));
  const byService = new Map<string, OtlpSpan[]>();
  for (const { body: exported } of collector.exports) {
    for (const rs of exported.resourceSpans) {
      const service = rs.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue ?? "";
      const spans = rs.scopeSpans.flatMap((s) => s.spans);
      byService.set(service, [...(byService.get(service) ?? []), ...spans]);
    }
  }
  const ingest = byService.get("hookbox-api")?.find((s) => s.name === "POST /in/:source");
  const job = byService.get("hookbox-worker")?.find((s) => s.name === "process events");
  expect(ingest).toBeDefined();
  expect(job?.traceId).toBe(ingest?.traceId);
  expect(job?.parentSpanId).toBe(ingest?.spanId);
  expect(String(receiver.requests[0]?.headers.traceparent)).toContain(`-${ingest?.traceId}-`);
  // The request's own log line (debug "request") carries its trace id.
  const requestLine = stack.api.output
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((l) => l.msg === "request" && l.route === "/in/:source");
  expect(requestLine?.traceId).toBe(ingest?.traceId);
});
