import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { afterEach, describe, expect, it } from "vitest";
import { type Config, parseConfig, traceExportersOf } from "../config/index.ts";
import { createLogger } from "../logger.ts";
import { currentTraceCarrier, inSpan, startTracing, type Tracing, tracingActive } from "./index.ts";

function config(env: Record<string, string> = {}): Config {
  const result = parseConfig(env);
  if (!result.ok) throw new Error(result.problems.join("; "));
  return result.config;
}

describe("whether tracing is on (OTEL_* variables)", () => {
  it.each([
    [{}, []],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }, ["otlp"]],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces" }, ["otlp"]],
    [{ OTEL_TRACES_EXPORTER: "console" }, ["console"]],
    [{ OTEL_TRACES_EXPORTER: "otlp, console,otlp" }, ["otlp", "console"]],
    [{ OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }, []],
    [{ OTEL_SDK_DISABLED: "true", OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }, []],
  ])("%o → %o", (env, exporters) => {
    expect(traceExportersOf(config(env))).toEqual(exporters);
  });

  it.each([
    ["OTEL_TRACES_EXPORTER", "zipkin"],
    ["OTEL_EXPORTER_OTLP_ENDPOINT", "no url"],
    ["OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"],
    ["OTEL_TRACES_SAMPLER", "sometimes"],
    ["OTEL_TRACES_SAMPLER_ARG", "2"],
  ])("refuses %s=%s at start", (name, value) => {
    const result = parseConfig({ [name]: value });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join()).toContain(name);
  });
});

describe("tracing off", () => {
  it("starts nothing: no provider, no trace context, no log fields", async () => {
    expect(await startTracing(config(), { serviceName: "test" })).toBeNull();
    expect(tracingActive()).toBe(false);
    const lines: string[] = [];
    const logger = createLogger("info", {}, { write: (l: string) => lines.push(l) });
    await inSpan("unseen", {}, async (span) => {
      expect(span).toBeUndefined();
      expect(currentTraceCarrier()).toBeUndefined();
      logger.info({ eventId: "e" }, "inside");
    });
    expect(JSON.parse(lines[0] as string)).not.toHaveProperty("traceId");
  });
});

describe("tracing on", () => {
  let tracing: Tracing | null = null;
  afterEach(async () => {
    await tracing?.shutdown();
    tracing = null;
  });

  it("puts the active span's trace and span ids on log lines, and only inside a span", async () => {
    const exporter = new InMemorySpanExporter();
    tracing = await startTracing(config(), {
      serviceName: "test",
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    const lines: string[] = [];
    const logger = createLogger("info", {}, { write: (l: string) => lines.push(l) });
    logger.info("outside");
    await inSpan("outer", {}, async () => {
      logger.info({ headers: { authorization: "Bearer s3cret" } }, "inside");
      expect(currentTraceCarrier()?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    });
    const [outside, inside] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const [span] = exporter.getFinishedSpans();
    expect(outside).not.toHaveProperty("traceId");
    expect(inside).toMatchObject({
      traceId: span?.spanContext().traceId,
      spanId: span?.spanContext().spanId,
      msg: "inside",
      headers: { authorization: "[redacted]" },
    });
    expect(span?.resource.attributes["service.name"]).toBe("test");
  });

  it("records a thrown error on the span, unless the caller says it is not a failure", async () => {
    const exporter = new InMemorySpanExporter();
    tracing = await startTracing(config(), {
      serviceName: "test",
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    const fail = (failsOn?: (e: unknown) => boolean) =>
      inSpan("s", failsOn ? { failsOn } : {}, async () => {
        throw new Error("boom");
      }).catch(() => {});
    await fail();
    await fail(() => false);
    expect(exporter.getFinishedSpans().map((s) => s.status.code)).toEqual([2, 0]);
  });
});
