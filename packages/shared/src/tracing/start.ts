import { context, propagation, trace } from "@opentelemetry/api";
import type { Sampler, SpanProcessor } from "@opentelemetry/sdk-trace";
import { type Config, traceExportersOf } from "../config/index.ts";
import { setTracingActive } from "./spans.ts";

export interface Tracing {
  /** Exports what is buffered, then unregisters the provider. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** `service.name` unless OTEL_SERVICE_NAME (or OTEL_RESOURCE_ATTRIBUTES) names one. */
  serviceName: string;
  /** Tests: these processors (e.g. an in-memory exporter) instead of the configured exporters. */
  spanProcessors?: SpanProcessor[];
}

/**
 * Starts tracing when the OTEL_* variables ask for it (see `traceExportersOf`): an SDK tracer
 * provider with W3C trace-context propagation and async-local context, exporting OTLP/HTTP
 * (batched) or to the console. Otherwise returns null and loads nothing of the SDK: the code
 * paths then run on `@opentelemetry/api`'s no-op defaults, guarded by `tracingActive()`.
 */
export async function startTracing(config: Config, options: TracingOptions): Promise<Tracing | null> {
  const exporters = traceExportersOf(config);
  if (exporters.length === 0 && !options.spanProcessors) return null;
  const [sdk, { AsyncLocalStorageContextManager }, { W3CTraceContextPropagator }, resources] =
    await Promise.all([
      import("@opentelemetry/sdk-trace"),
      import("@opentelemetry/context-async-hooks"),
      import("@opentelemetry/core"),
      import("@opentelemetry/resources"),
    ]);
  const spanProcessors =
    options.spanProcessors ??
    (await Promise.all(
      exporters.map(async (name): Promise<SpanProcessor> => {
        if (name === "console")
          return new sdk.SimpleSpanProcessor({ exporter: new sdk.ConsoleSpanExporter() });
        // The exporter reads its endpoint, headers, timeout and compression from OTEL_EXPORTER_OTLP_*.
        const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
        return new sdk.BatchSpanProcessor({ exporter: new OTLPTraceExporter() });
      }),
    ));
  const resource = resources
    .resourceFromAttributes({ "service.name": options.serviceName })
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const provider = new sdk.TracerProvider({ resource, sampler: samplerOf(config, sdk), spanProcessors });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  setTracingActive(true);
  return {
    async shutdown() {
      setTracingActive(false);
      await provider.shutdown().catch(() => {});
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG as the spec names them. */
function samplerOf(
  config: Pick<Config, "otelTracesSampler" | "otelTracesSamplerArg">,
  sdk: typeof import("@opentelemetry/sdk-trace"),
): Sampler {
  const ratio = new sdk.TraceIdRatioBasedSampler(config.otelTracesSamplerArg);
  switch (config.otelTracesSampler) {
    case "always_on":
      return new sdk.AlwaysOnSampler();
    case "always_off":
      return new sdk.AlwaysOffSampler();
    case "traceidratio":
      return ratio;
    case "parentbased_always_on":
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() });
    case "parentbased_always_off":
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new sdk.ParentBasedSampler({ root: ratio });
    default:
      return config.otelTracesSampler satisfies never;
  }
}
