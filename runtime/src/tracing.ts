/**
 * OpenTelemetry tracing, configured by the standard variables (OTEL_EXPORTER_OTLP_ENDPOINT, ...). With no
 * endpoint set nothing is loaded: `createTracing` returns undefined and each request pays one `undefined`
 * check. With one, the W3C `traceparent`/`tracestate` of a REST request's headers or a gRPC call's metadata is
 * continued (or a new trace starts), the answer carries the server span's `traceparent`, and each request
 * gets a server span with children for authentication, the cache lookup and the inference (breaker and
 * queue included). Attributes name the route, model, version, status, cache result and breaker outcome;
 * never a payload value, a key or a token.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type TextMapGetter, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { TracingSettings } from './tracing-sdk';
import { OTEL_ENV } from '../../lib/contract';

/** The variables read, all from the OpenTelemetry specification (one table with the constructs: lib/contract.ts). */
export { OTEL_ENV };

const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'];
const PROTOCOLS = ['http/protobuf', 'http/json'];

export interface TracingProblem {
  readonly variable: string;
  readonly given: string;
  readonly allowed: string;
}

/** The settings, or undefined when tracing is off; `problems` lists every malformed variable. */
export function tracingSettings(env: Readonly<Record<string, string | undefined>>): { settings?: TracingSettings; problems: TracingProblem[] } {
  const problems: TracingProblem[] = [];
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  if (get(OTEL_ENV.sdkDisabled) === 'true' || get(OTEL_ENV.exporter) === 'none') return { problems };
  const exporter = get(OTEL_ENV.exporter);
  if (exporter !== undefined && exporter !== 'otlp') problems.push({ variable: OTEL_ENV.exporter, given: JSON.stringify(exporter), allowed: 'otlp or none' });
  const traces = get(OTEL_ENV.tracesEndpoint);
  const base = get(OTEL_ENV.endpoint);
  if (traces === undefined && base === undefined) return { problems };
  // The signal-specific endpoint is used as given; the base one gets /v1/traces appended (the specification).
  const url = traces ?? `${base!.replace(/\/+$/, '')}/v1/traces`;
  const urlVariable = traces !== undefined ? OTEL_ENV.tracesEndpoint : OTEL_ENV.endpoint;
  if (!/^https?:\/\/[^\s/]+/.test(url)) problems.push({ variable: urlVariable, given: JSON.stringify(traces ?? base), allowed: 'an http:// or https:// URL (OTLP over HTTP)' });
  const protocolVariable = get(OTEL_ENV.tracesProtocol) !== undefined ? OTEL_ENV.tracesProtocol : OTEL_ENV.protocol;
  const protocol = get(protocolVariable) ?? 'http/protobuf';
  if (!PROTOCOLS.includes(protocol)) problems.push({ variable: protocolVariable, given: JSON.stringify(protocol), allowed: `one of ${PROTOCOLS.join(', ')} (OTLP over gRPC is not offered)` });
  const sampler = get(OTEL_ENV.sampler) ?? 'parentbased_always_on';
  if (!SAMPLERS.includes(sampler)) problems.push({ variable: OTEL_ENV.sampler, given: JSON.stringify(sampler), allowed: `one of ${SAMPLERS.join(', ')}` });
  const argText = get(OTEL_ENV.samplerArg);
  const samplerArg = argText === undefined ? 1 : Number(argText);
  if (!Number.isFinite(samplerArg) || samplerArg < 0 || samplerArg > 1) problems.push({ variable: OTEL_ENV.samplerArg, given: JSON.stringify(argText), allowed: 'a number from 0 to 1' });
  if (problems.length > 0) return { problems };
  return {
    problems,
    settings: {
      url,
      protocol: protocol as TracingSettings['protocol'],
      headers: get(OTEL_ENV.tracesHeaders) ?? get(OTEL_ENV.headers) ?? '',
      serviceName: get(OTEL_ENV.serviceName) ?? 'model-server',
      sampler,
      samplerArg,
    },
  };
}

const propagator = new W3CTraceContextPropagator();

/** Reads propagation fields from a plain header object (REST) or a getter (gRPC metadata). */
const getter: TextMapGetter<(key: string) => string | undefined> = {
  keys: () => ['traceparent', 'tracestate'],
  get: (carrier, key) => carrier(key),
};

/** One request's trace: the server span and its context, for child spans and the outgoing traceparent. */
export class RequestTrace {
  readonly context: Context;

  constructor(readonly tracer: Tracer, readonly span: Span) {
    this.context = trace.setSpan(ROOT_CONTEXT, span);
  }

  /** A child span; end it with `end()`. */
  child(name: string, attributes?: Attributes): Span {
    return this.tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes }, this.context);
  }

  /** The same trace seen from `span` (a child's children hang under it). */
  under(span: Span): RequestTrace {
    return new RequestTrace(this.tracer, span);
  }

  /** `traceparent` (and `tracestate`) naming the server span, for the response. */
  outgoing(): Record<string, string> {
    const out: Record<string, string> = {};
    propagator.inject(this.context, out, { set: (c, k, v) => (c[k] = v) });
    return out;
  }

  setModel(model: string, version: string): void {
    this.span.setAttributes({ 'model_server.model': model, 'model_server.model_version': version });
  }

  end(status: number, attributes?: Attributes): void {
    if (attributes) this.span.setAttributes(attributes);
    this.span.setStatus(status >= 500 ? { code: SpanStatusCode.ERROR } : { code: SpanStatusCode.UNSET });
    this.span.end();
  }
}

/**
 * One execution's spans: a `queue wait` span per traced request (from its arrival in the queue to the start
 * of the run) and a `batch run` span, a child of the first traced request, linked to every request it
 * served. Undefined when none of the batch is traced (tracing off: one loop over the batch).
 */
export function traceBatch(batch: readonly { request: { trace?: RequestTrace }; enqueuedAt: number }[], start: number, rows: number, where: string): Span | undefined {
  let first: RequestTrace | undefined;
  for (const p of batch) {
    const t = p.request.trace;
    if (t === undefined) continue;
    first ??= t;
    t.tracer.startSpan('queue wait', { kind: SpanKind.INTERNAL, startTime: p.enqueuedAt }, t.context).end(start);
  }
  if (first === undefined) return undefined;
  const links = batch.flatMap((p) => (p.request.trace ? [{ context: p.request.trace.span.spanContext() }] : []));
  return first.tracer.startSpan(
    'batch run',
    { kind: SpanKind.INTERNAL, startTime: start, links, attributes: { 'model_server.batch.requests': batch.length, 'model_server.batch.rows': rows, 'model_server.run_on': where } },
    first.context,
  );
}

export class Tracing {
  constructor(private readonly tracer: Tracer, private readonly stop: () => Promise<void>) {}

  /** Starts a request's server span, continuing the caller's W3C trace context when valid. */
  startRequest(name: string, read: (key: string) => string | undefined, attributes: Attributes): RequestTrace {
    const parent = propagator.extract(ROOT_CONTEXT, read, getter);
    const span = this.tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
    return new RequestTrace(this.tracer, span);
  }

  /** Ends a span with an error status naming only the error's code (never its message: it may quote input). */
  static fail(span: Span, error: unknown): void {
    const code = (error as { code?: string }).code ?? 'error';
    span.setAttribute('error.type', code);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }

  shutdown(): Promise<void> {
    return this.stop();
  }
}

/**
 * Tracing for this environment, or undefined when no OTLP endpoint is set (nothing of the SDK is loaded).
 * Throws on malformed variables, naming each. `exporter` replaces the OTLP exporter (tests).
 */
export function createTracing(env: Readonly<Record<string, string | undefined>>, exporter?: SpanExporter): Tracing | undefined {
  const { settings, problems } = tracingSettings(env);
  if (problems.length > 0) {
    throw new Error(`invalid tracing configuration:\n${problems.map((p) => `  ${p.variable}=${p.given} is not ${p.allowed}`).join('\n')}`);
  }
  if (!settings) return undefined;
  // Required here, not imported at the top: the SDK and exporters are evaluated only when tracing is on.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require('./tracing-sdk') as typeof import('./tracing-sdk');
  const { tracer, shutdown } = sdk.startSdk(settings, exporter);
  return new Tracing(tracer, shutdown);
}

