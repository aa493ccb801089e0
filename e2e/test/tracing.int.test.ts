import { createLogger, startTracing, type Tracing, tracingActive } from "@hookbox/shared";
import { type RunningWorker, runWorker } from "@hookbox/worker";
import { trace } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStack, type Stack, startReceiver, waitFor, waitForStatus } from "../src/index.ts";

// One delivery to a source with a `forward` handler whose receiver fails the first request and
// takes the second: one trace from the ingest request through the queue to both job passes,
// both handler attempts and both forward calls, and the receiver sees that trace's traceparent.

const SECRET = "trace-secret";
let stack: Stack;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let worker: RunningWorker | undefined;
let tracing: Tracing | null = null;
const exporter = new InMemorySpanExporter();
const workerLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  stack = await createStack("tracing");
  receiver = await startReceiver((n) => (n === 1 ? 500 : 200));
  await stack.createSource({
    slug: "traced",
    scheme: "hmac-sha256",
    secret: SECRET,
    handlers: [{ name: "forward", config: { url: receiver.url } }],
  });
});

afterAll(async () => {
  await worker?.stop();
  await tracing?.shutdown();
  await receiver?.close();
  await stack?.close();
});

const spans = () => exporter.getFinishedSpans();
const named = (name: string) => spans().filter((s) => s.name === name);
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe("tracing off (no OTEL_* variables)", () => {
  it("starts nothing and carries nothing with the job", async () => {
    expect(await startTracing(stack.config, { serviceName: "hookbox-test" })).toBeNull();
    expect(tracingActive()).toBe(false);
    // The API's global provider is still the no-op proxy: no SDK provider was registered.
    expect(trace.getTracer("probe").startSpan("probe").isRecording()).toBe(false);
    const { code, id } = await stack.deliver("traced", SECRET);
    expect(code).toBe(202);
    await stack.api.enqueuer.drain(); // the job is added after the answer
    const job = await stack.api.queues[0].getJob(id);
    expect(job?.data).toEqual({ eventId: id });
    await job?.remove();
    await stack.sql`DELETE FROM events WHERE id = ${id}`;
  });
});

describe("tracing on (an in-process span exporter)", () => {
  let eventId = "";
  let traceId = "";

  beforeAll(async () => {
    tracing = await startTracing(stack.config, {
      serviceName: "hookbox-test",
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    worker = await runWorker(stack.config, {
      logger: createLogger(
        "info",
        { service: "worker" },
        {
          write: (line: string) => workerLines.push(JSON.parse(line) as Record<string, unknown>),
        },
      ),
    });
    const { code, id } = await stack.deliver("traced", SECRET);
    expect(code).toBe(202);
    eventId = id;
    await waitForStatus(stack.sql, id, "completed");
    // The last span of the second pass ends just after the row is settled.
    await waitFor(() => (named("process events").length === 2 ? true : undefined), {
      what: "both job spans",
    });
    traceId = named("POST /in/:source")[0]?.spanContext().traceId ?? "";
  });

  it("starts a trace at the ingest request", () => {
    const [ingest, ...more] = named("POST /in/:source");
    expect(more).toHaveLength(0);
    expect(ingest?.kind).toBe(1); // SERVER
    expect(ingest?.parentSpanContext).toBeUndefined();
    expect(ingest?.attributes).toMatchObject({
      "hookbox.event.id": eventId,
      "hookbox.ingest.result": "accepted",
      "http.response.status_code": 202,
    });
  });

  it("chains ingest → job → handler attempt → forward call, all in one trace", () => {
    const [ingest] = named("POST /in/:source");
    const jobs = named("process events");
    const attempts = named("handler forward");
    const calls = named("POST");
    expect(jobs).toHaveLength(2);
    expect(attempts).toHaveLength(2);
    expect(calls).toHaveLength(2);
    for (const span of [...jobs, ...attempts, ...calls]) expect(span.spanContext().traceId).toBe(traceId);
    // Each pass of the job is a child of the ingest span (the traceparent carried with the job).
    for (const job of jobs) {
      expect(job.kind).toBe(4); // CONSUMER
      expect(parentOf(job)).toBe(ingest?.spanContext().spanId);
      expect(job.attributes["hookbox.event.id"]).toBe(eventId);
    }
    const jobIds = jobs.map((j) => j.spanContext().spanId);
    for (const attempt of attempts) expect(jobIds).toContain(parentOf(attempt));
    const attemptIds = attempts.map((a) => a.spanContext().spanId);
    for (const call of calls) {
      expect(call.kind).toBe(2); // CLIENT
      expect(attemptIds).toContain(parentOf(call));
    }
    // Attempt 1 failed (500), attempt 2 succeeded; their calls say what the receiver answered.
    const byAttempt = attempts.sort(
      (a, b) =>
        Number(a.attributes["hookbox.handler.attempt"]) - Number(b.attributes["hookbox.handler.attempt"]),
    );
    expect(byAttempt.map((a) => a.status.code)).toEqual([2, 0]); // ERROR, UNSET
    const callOf = (attempt: ReadableSpan | undefined) =>
      calls.find((c) => parentOf(c) === attempt?.spanContext().spanId);
    expect(callOf(byAttempt[0])?.attributes["http.response.status_code"]).toBe(500);
    expect(callOf(byAttempt[1])?.attributes["http.response.status_code"]).toBe(200);
    expect(jobs.map((j) => j.attributes["hookbox.job.outcome"]).sort()).toEqual(["completed", "retrying"]);
  });

  it("sends traceparent downstream: the forward call's span, in the ingest's trace", () => {
    const calls = named("POST").map((c) => c.spanContext().spanId);
    expect(receiver.requests).toHaveLength(2);
    for (const request of receiver.requests) {
      const [version, trace, parent, flags] = String(request.headers.traceparent).split("-");
      expect(version).toBe("00");
      expect(trace).toBe(traceId);
      expect(calls).toContain(parent);
      expect(flags).toBe("01");
    }
  });

  it("puts the trace id on the job's log lines", () => {
    const ofJob = workerLines.filter((l) => l.eventId === eventId);
    expect(ofJob.map((l) => l.msg)).toEqual(
      expect.arrayContaining(["handler failed", "event will be retried"]),
    );
    for (const line of ofJob) expect(line.traceId).toBe(traceId);
  });
});
