/**
 * The OpenTelemetry SDK part of tracing: provider, sampler and OTLP exporter. Loaded (required) only when an
 * OTLP endpoint is configured, so a server without tracing never evaluates this code.
 */
import type { Tracer } from '@opentelemetry/api';
import { parseKeyPairsIntoRecord } from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler, AlwaysOnSampler, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider, type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';

export interface TracingSettings {
  readonly url: string;
  readonly protocol: 'http/protobuf' | 'http/json';
  readonly headers: string;
  readonly serviceName: string;
  readonly sampler: string;
  readonly samplerArg: number;
}

/** OTEL_TRACES_SAMPLER values of the OpenTelemetry specification (jaeger_remote and xray are not offered). */
function samplerOf(name: string, ratio: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

export function startSdk(settings: TracingSettings, exporter?: SpanExporter): { tracer: Tracer; shutdown(): Promise<void> } {
  const headers = parseKeyPairsIntoRecord(settings.headers);
  const exp =
    exporter ??
    (settings.protocol === 'http/json'
      ? new OtlpJsonExporter({ url: settings.url, headers, timeoutMillis: 10_000 })
      : new OtlpProtoExporter({ url: settings.url, headers, timeoutMillis: 10_000 }));
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName }),
    sampler: samplerOf(settings.sampler, settings.samplerArg),
    spanProcessors: [new BatchSpanProcessor({ exporter: exp, scheduledDelayMillis: 1000, maxQueueSize: 4096 })],
  });
  return { tracer: provider.getTracer('model-server'), shutdown: () => provider.shutdown() };
}
