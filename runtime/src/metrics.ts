/**
 * Prometheus metrics (prom-client), one registry per server. Names, help and labels come from
 * lib/contract.ts (SERVER_METRICS), which the constructs' autoscaling and analysis queries are built from.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { MetricSpec, SERVER_METRICS } from '../../lib/contract';
import { CounterSeries, GaugeSeries, HistogramSeries, SeriesTable } from './metric-series';

/** Name, help and label names of a metric, from the contract the constructs' queries are built on. */
function spec<L extends string>(m: MetricSpec & { labels: readonly L[] }): { name: string; help: string; labelNames: L[] } {
  return { name: m.name, help: m.help, labelNames: [...m.labels] };
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'model' | 'version' | 'route' | 'code'>;
  readonly requestDuration: Histogram<'model' | 'version' | 'route'>;
  readonly queueDuration: Histogram<'model' | 'version'>;
  readonly inferenceDuration: Histogram<'model' | 'version' | 'provider'>;
  readonly batchSize: Histogram<'model' | 'version'>;
  readonly queueDepth: Gauge<'model' | 'version'>;
  readonly inflight: Gauge<'model' | 'version'>;
  readonly inferenceCount: Counter<'model' | 'version'>;
  readonly execCount: Counter<'model' | 'version'>;
  readonly failures: Counter<'model' | 'version' | 'reason'>;
  readonly predictedClass: Counter<'model' | 'version' | 'output' | 'class'>;
  readonly authFailures: Counter<'reason'>;
  readonly transportRefusals: Counter<'reason'>;
  readonly modelReady: Gauge<'model' | 'version' | 'provider'>;
  readonly providerInfo: Gauge<'model' | 'version' | 'provider' | 'requested'>;
  readonly cacheRequests: Counter<'model' | 'version' | 'result'>;
  readonly rateLimited: Counter<'limit'>;
  readonly breakerState: Gauge<'model' | 'version' | 'state'>;
  readonly fallbackResponses: Counter<'model' | 'version' | 'result'>;

  /** Per-model series, bound once (metric-series.ts). */
  private readonly models = new Map<string, ModelSeries>();
  private readonly requestSeries = new SeriesTable((labels) => ({
    requests: new CounterSeries(this.requests, labels),
    duration: new HistogramSeries(this.requestDuration, { model: labels.model!, version: labels.version!, route: labels.route! }),
  }));

  constructor(options: { defaultMetrics: boolean }) {
    const registers = [this.registry];
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      ...spec(SERVER_METRICS.requests),
      registers,
    });
    this.requestDuration = new Histogram({
      ...spec(SERVER_METRICS.requestDuration),
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.queueDuration = new Histogram({
      ...spec(SERVER_METRICS.queueDuration),
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.inferenceDuration = new Histogram({
      ...spec(SERVER_METRICS.inferenceDuration),
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.batchSize = new Histogram({
      ...spec(SERVER_METRICS.batchSize),
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers,
    });
    this.queueDepth = new Gauge({
      ...spec(SERVER_METRICS.queueDepth),
      registers,
    });
    this.inflight = new Gauge({
      ...spec(SERVER_METRICS.inflight),
      registers,
    });
    this.inferenceCount = new Counter({
      ...spec(SERVER_METRICS.inferenceCount),
      registers,
    });
    this.execCount = new Counter({
      ...spec(SERVER_METRICS.execCount),
      registers,
    });
    this.failures = new Counter({
      ...spec(SERVER_METRICS.failures),
      registers,
    });
    this.predictedClass = new Counter({
      ...spec(SERVER_METRICS.predictedClass),
      registers,
    });
    this.authFailures = new Counter({ ...spec(SERVER_METRICS.authFailures), registers });
    this.transportRefusals = new Counter({ ...spec(SERVER_METRICS.transportRefusals), registers });
    this.modelReady = new Gauge({
      ...spec(SERVER_METRICS.modelReady),
      registers,
    });
    this.providerInfo = new Gauge({
      ...spec(SERVER_METRICS.providerInfo),
      registers,
    });
    this.cacheRequests = new Counter({ ...spec(SERVER_METRICS.cacheRequests), registers });
    this.rateLimited = new Counter({ ...spec(SERVER_METRICS.rateLimited), registers });
    this.breakerState = new Gauge({ ...spec(SERVER_METRICS.breakerState), registers });
    this.fallbackResponses = new Counter({ ...spec(SERVER_METRICS.fallbackResponses), registers });
  }

  /** The series of one model version (bound once per server). */
  model(model: string, version: string): ModelSeries {
    const key = `${model}\u0000${version}`;
    let series = this.models.get(key);
    if (!series) this.models.set(key, (series = new ModelSeries(this, model, version)));
    return series;
  }

  /** Counts one answered HTTP request and observes its duration (seconds). */
  requestDone(model: string, version: string, route: string, code: number, seconds: number): void {
    const key = `${model}\u0000${version}\u0000${route}\u0000${code}`;
    const series = this.requestSeries.find(key) ?? this.requestSeries.get(key, { model, version, route, code: String(code) });
    series.requests.inc();
    series.duration.observe(seconds);
  }
}

/** The series of one model version that every inference touches. */
export class ModelSeries {
  readonly queueDepth: GaugeSeries;
  readonly inflight: GaugeSeries;
  readonly queueDuration: HistogramSeries;
  readonly batchSize: HistogramSeries;
  readonly execCount: CounterSeries;
  readonly inferenceCount: CounterSeries;
  private readonly durations: SeriesTable<HistogramSeries>;
  private readonly labels: { readonly model: string; readonly version: string };

  constructor(private readonly metrics: ServerMetrics, model: string, version: string) {
    const labels = { model, version };
    this.labels = labels;
    this.queueDepth = new GaugeSeries(metrics.queueDepth, labels);
    this.inflight = new GaugeSeries(metrics.inflight, labels);
    this.queueDuration = new HistogramSeries(metrics.queueDuration, labels);
    this.batchSize = new HistogramSeries(metrics.batchSize, labels);
    this.execCount = new CounterSeries(metrics.execCount, labels);
    this.inferenceCount = new CounterSeries(metrics.inferenceCount, labels);
    this.durations = new SeriesTable((l) => new HistogramSeries(metrics.inferenceDuration, l));
  }

  /** model_server_inference_duration_seconds of this model on `provider`. */
  inferenceDuration(provider: string): HistogramSeries {
    return this.durations.find(provider) ?? this.durations.get(provider, { ...this.labels, provider });
  }

  /** A new binding of model_server_predicted_class_total for one output's class (the caller keeps it). */
  predictedClass(output: string, label: string): CounterSeries {
    return new CounterSeries(this.metrics.predictedClass, { ...this.labels, output, class: label });
  }
}
