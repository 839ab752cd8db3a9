/**
 * Prometheus metrics (prom-client), one registry per server. Names follow Triton's where one exists
 * (`model_server_inference_count` / `model_server_inference_exec_count`: their ratio is the mean batch size).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
  readonly modelReady: Gauge<'model' | 'version' | 'provider'>;
  readonly providerInfo: Gauge<'model' | 'version' | 'provider' | 'requested'>;

  constructor(options: { defaultMetrics: boolean }) {
    const registers = [this.registry];
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'model_server_requests_total',
      help: 'HTTP requests answered, by model, version, route and status code',
      labelNames: ['model', 'version', 'route', 'code'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'model_server_request_duration_seconds',
      help: 'Total time from request received to response sent',
      labelNames: ['model', 'version', 'route'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.queueDuration = new Histogram({
      name: 'model_server_queue_duration_seconds',
      help: 'Time a request waited in the batching queue before its execution started',
      labelNames: ['model', 'version'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.inferenceDuration = new Histogram({
      name: 'model_server_inference_duration_seconds',
      help: 'onnxruntime session.run time per execution (one batch)',
      labelNames: ['model', 'version', 'provider'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.batchSize = new Histogram({
      name: 'model_server_batch_size',
      help: 'Rows per execution',
      labelNames: ['model', 'version'],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'model_server_queue_depth',
      help: 'Requests waiting for an execution (Triton: pending request count)',
      labelNames: ['model', 'version'],
      registers,
    });
    this.inflight = new Gauge({
      name: 'model_server_inflight_requests',
      help: 'Requests accepted and not yet answered',
      labelNames: ['model', 'version'],
      registers,
    });
    this.inferenceCount = new Counter({
      name: 'model_server_inference_count',
      help: 'Inferences performed (one per batch row)',
      labelNames: ['model', 'version'],
      registers,
    });
    this.execCount = new Counter({
      name: 'model_server_inference_exec_count',
      help: 'Model executions (session.run calls); inference_count / exec_count is the mean batch size',
      labelNames: ['model', 'version'],
      registers,
    });
    this.failures = new Counter({
      name: 'model_server_inference_failures_total',
      help: 'Inference requests that failed, by reason',
      labelNames: ['model', 'version', 'reason'],
      registers,
    });
    this.predictedClass = new Counter({
      name: 'model_server_predicted_class_total',
      help: 'Predicted classes (argmax of a [batch, classes] float output, or the value of an integer [batch] label output)',
      labelNames: ['model', 'version', 'output', 'class'],
      registers,
    });
    this.modelReady = new Gauge({
      name: 'model_server_model_ready',
      help: '1 when the model version is ready to serve',
      labelNames: ['model', 'version', 'provider'],
      registers,
    });
    this.providerInfo = new Gauge({
      name: 'model_server_execution_provider_info',
      help: 'Execution provider in use per model version (value 1), with the configured list',
      labelNames: ['model', 'version', 'provider', 'requested'],
      registers,
    });
  }
}
