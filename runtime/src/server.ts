/**
 * buildServer(options) assembles the model server: the shared core (models, keys, limits, drain), the
 * hooks every HTTP route shares, one plugin per protocol, and the gRPC service on its own port. Models load
 * in worker threads in the background; `app.modelsLoaded` settles when every model is READY or UNAVAILABLE.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { ServerConfig } from '../../lib/contract';
import { ServingCore } from './core';
import { startGrpc, type GrpcHandle } from './grpc/service';
import { azurePlugin } from './http/azure';
import { closeIdleConnectionsGracefully } from './http/drain';
import { registerFeatureHooks } from './http/features';
import { clientErrorHandler, MAX_PARAM_LENGTH, OPEN_ROUTES, registerHooks, URI_TOO_LONG_MESSAGE } from './http/hooks';
import { oipPlugin } from './http/oip';
import { metricsHandler, prometheusPlugin } from './http/prometheus';
import { sagemakerPlugin } from './http/sagemaker';
import { tfServingPlugin } from './http/tfserving';
import { vertexPlugin } from './http/vertex';
import { ServerMetrics } from './metrics';
import { ModelRuntime, type ModelLocation } from './model';
import type { ModelRepository } from './repository';
import type { JwksOptions } from './jwt';
import { createTracing } from './tracing';
import type { SpanExporter } from '@opentelemetry/sdk-trace';

export { SERVER_NAME, SERVER_VERSION } from './core';

export interface ServerOptions {
  readonly config: ServerConfig;
  readonly models: readonly ModelLocation[];
  /** Vertex AI routes (AIP_HEALTH_ROUTE, AIP_PREDICT_ROUTE); registered when set. */
  readonly vertexHealthRoute?: string;
  readonly vertexPredictRoute?: string;
  /** false: no logs; an object: extra pino options (e.g. `stream`). @default JSON logs at config.logLevel */
  readonly logger?: boolean | Record<string, unknown>;
  /** Worker entry (built JS). @default dist/worker.js next to the bundle, or runtime/dist/worker.js */
  readonly workerPath?: string;
  /** Process metrics (collectDefaultMetrics). @default true */
  readonly processMetrics?: boolean;
  /** Where the OTEL_* tracing variables are read from (main passes process.env). @default {} (tracing off) */
  readonly tracingEnv?: Readonly<Record<string, string | undefined>>;
  /** Replaces the OTLP exporter (tests). */
  readonly spanExporter?: SpanExporter;
  /** JWKS fetch options: an extra trusted CA for the JWKS host, the refetch cooldown. */
  readonly jwks?: JwksOptions;
}

export interface ModelServerExtras {
  readonly core: ServingCore;
  readonly repository: ModelRepository;
  readonly metrics: ServerMetrics;
  /** Settles when every model has finished loading (READY or UNAVAILABLE). */
  readonly modelsLoaded: Promise<void>;
  /** Readiness false at once; requests keep being served. */
  beginDrain(): void;
  readonly draining: boolean;
  /** Starts the metrics listener (GET /metrics only, MODEL_SERVER_METRICS_PORT); resolves with the bound port. */
  listenMetrics(port: number, host?: string): Promise<number>;
  /** Starts the OIP gRPC service; resolves with the bound port. */
  listenGrpc(port: number, host?: string): Promise<number>;
  /**
   * SIGTERM: readiness false at once, requests still served for `acceptMs` (skipped when no model is
   * ready), then the listeners close, every request that arrived is answered, and the workers end.
   */
  shutdown(acceptMs: number): Promise<void>;
  /** Whether an onnxruntime call may be running (exiting the process now would abort it). */
  readonly inNativeCall: boolean;
}

export type ModelServer = FastifyInstance & ModelServerExtras;

export function defaultWorkerPath(): string {
  const candidates = [join(__dirname, 'worker.js'), join(__dirname, '..', 'dist', 'worker.js')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`inference worker not built: none of ${candidates.join(', ')} exists (run npm run build -w runtime)`);
  return found;
}

export function buildServer(options: ServerOptions): ModelServer {
  const { config } = options;
  const loggerOption: FastifyServerOptions['logger'] =
    options.logger === false ? false : { level: config.logLevel, ...(typeof options.logger === 'object' ? options.logger : {}) };
  // The body deadline (MODEL_SERVER_BODY_TIMEOUT_MS after the headers) is a timer per request (http/hooks.ts);
  // Node's whole-request deadline is only the backstop behind it, a few seconds later.
  const requestTimeout = config.headerTimeoutMs + config.bodyTimeoutMs + 5000;
  const app = Fastify({
    logger: loggerOption,
    bodyLimit: config.maxRequestBodyBytes,
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // Requests that reach a closing server are answered, not refused: they arrived before it closed.
    return503OnClosing: false,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    requestTimeout,
    // Node checks its header and request deadlines on this interval (default 30 s, which let slow headers
    // live for 90 s); 1 s keeps the deadlines close to what they say.
    // requireHostHeader off: Node's own refusal is a 400 with no body; the onRequest hook answers it instead.
    http: { headersTimeout: config.headerTimeoutMs, requestTimeout, connectionsCheckingInterval: 1000, requireHostHeader: false },
    clientErrorHandler: clientErrorHandler(config, (reason) => metrics.transportRefusals.inc({ reason })),
    // The router's own refusals, in the one error shape (their default body is fastify's, not ours).
    frameworkErrors: (error: Error & { code?: string }, _request: unknown, reply: { code(n: number): { send(b: unknown): void } }) => {
      if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
        reply.code(414).send({ error: URI_TOO_LONG_MESSAGE });
      } else {
        reply.code(400).send({ error: `malformed URL: ${error.code === 'FST_ERR_BAD_URL' ? 'a percent-encoding in the path is not valid' : error.code ?? 'unreadable'}` });
      }
    },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  } as FastifyServerOptions);
  // The listener's close answers what arrived on idle kept-alive connections instead of resetting it.
  closeIdleConnectionsGracefully(app.server);
  const metrics = new ServerMetrics({ defaultMetrics: options.processMetrics !== false });
  const workerPath = options.workerPath ?? defaultWorkerPath();
  let core: ServingCore | undefined;
  const runtimes = options.models.map(
    (location) =>
      new ModelRuntime(location, {
        config,
        workerPath,
        metrics,
        log: app.log,
        expectedSignature: config.modelSignature,
        receiving: () => core?.receiving ?? false,
      }),
  );
  core = new ServingCore(config, runtimes, metrics, app.log, { jwks: options.jwks, tracing: createTracing(options.tracingEnv ?? {}, options.spanExporter) });
  const shared = core;
  const modelsLoaded = Promise.all(runtimes.map((r) => r.load())).then(() => undefined);
  let grpc: GrpcHandle | undefined;

  const healthRoutes = new Set<string>(OPEN_ROUTES);
  if (options.vertexHealthRoute) healthRoutes.add(options.vertexHealthRoute);
  healthRoutes.add(config.livenessRoute).add(config.readinessRoute);
  registerFeatureHooks(app, shared, healthRoutes);
  registerHooks(app, shared, healthRoutes);
  const protocol = { core: shared };
  void app.register(oipPlugin, protocol);
  void app.register(sagemakerPlugin, protocol);
  void app.register(vertexPlugin, { ...protocol, healthRoute: options.vertexHealthRoute, predictRoute: options.vertexPredictRoute });
  void app.register(azurePlugin, protocol);
  void app.register(tfServingPlugin, protocol);
  // With a metrics port, /metrics is served there only (listenMetrics) and the serving port answers 404.
  if (config.metricsPort === 0) void app.register(prometheusPlugin, protocol);
  let metricsListener: Server | undefined;
  app.addHook('onClose', async () => {
    if (metricsListener) await new Promise<void>((resolve) => metricsListener!.close(() => resolve()));
    // Every HTTP request has been answered by now (the listener waits for its connections); gRPC calls too.
    await grpc?.close();
    await Promise.all(runtimes.map((r) => r.close()));
    await shared.closeFeatures();
  });

  const extras: ModelServerExtras = {
    core: shared,
    repository: shared.repository,
    metrics,
    modelsLoaded,
    beginDrain() {
      if (shared.draining) return;
      shared.beginDrain();
      app.log.info('draining: readiness is false; requests are still served');
    },
    get draining() {
      return shared.draining;
    },
    async listenMetrics(port: number, host = '0.0.0.0') {
      const listener = createServer(metricsHandler(metrics));
      listener.headersTimeout = config.headerTimeoutMs;
      listener.requestTimeout = requestTimeout;
      await new Promise<void>((resolve, reject) => {
        listener.once('error', reject);
        listener.listen(port, host, () => resolve());
      });
      metricsListener = listener;
      return (listener.address() as { port: number }).port;
    },
    async listenGrpc(port: number, host = '0.0.0.0') {
      grpc = await startGrpc(shared, port, host);
      return grpc.port;
    },
    async shutdown(acceptMs: number) {
      extras.beginDrain();
      if (acceptMs > 0 && runtimes.some((r) => r.state === 'READY')) {
        app.log.info({ acceptMs }, 'accepting requests during the drain window');
        await new Promise((resolve) => setTimeout(resolve, acceptMs));
      }
      app.log.info('closing the listeners; answering the requests that arrived');
      await Promise.all([grpc?.close(), app.close()]);
    },
    get inNativeCall() {
      return runtimes.some((r) => r.inNativeCall);
    },
  };
  for (const [key, value] of Object.entries(Object.getOwnPropertyDescriptors(extras))) {
    Object.defineProperty(app, key, value);
  }
  return app as unknown as ModelServer;
}
