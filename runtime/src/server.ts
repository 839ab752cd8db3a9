/**
 * buildServer(options) returns the fastify app: every route of every protocol, the hooks for API keys, rate
 * limits, draining, logs and metrics. Models load in worker threads in the background; `app.modelsLoaded`
 * settles when every model is READY or UNAVAILABLE.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { ROUTES, type ServerConfig } from '../../lib/contract';
import { matchKey, presentedKey, TokenBuckets } from './auth';
import { BadInput, Draining, NotFound, NotReady, RateLimited, retryAfterOf, Unauthorized, withRetryAfter } from './errors';
import { ServerMetrics } from './metrics';
import { ModelRuntime, type ModelLocation } from './model';
import {
  decodeColumns, decodeInstances, decodeOipRequest, encodeColumns, encodeOipResponse, encodePredictions, isOipBody,
  type DecodedRequest,
} from './protocol';
import { ModelRepository } from './repository';
import type { HostTensor } from './tensor';

export const SERVER_NAME = 'model-serving-constructs';
export const SERVER_VERSION = '0.1.0';

declare module 'fastify' {
  interface FastifyRequest {
    /** Bytes after the JSON header when the binary tensor extension is used. */
    binaryData: Buffer | null;
    modelLabels: { model: string; version: string } | null;
  }
}

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
}

export interface ModelServerExtras {
  readonly repository: ModelRepository;
  readonly metrics: ServerMetrics;
  /** Settles when every model has finished loading (READY or UNAVAILABLE). */
  readonly modelsLoaded: Promise<void>;
  /** SIGTERM: readiness false at once, new requests refused with 503; in-flight ones finish. */
  beginDrain(): void;
  readonly draining: boolean;
}

export type ModelServer = FastifyInstance & ModelServerExtras;

export function defaultWorkerPath(): string {
  const candidates = [join(__dirname, 'worker.js'), join(__dirname, '..', 'dist', 'worker.js')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`inference worker not built: none of ${candidates.join(', ')} exists (run npm run build -w runtime)`);
  return found;
}

// ---- schemas --------------------------------------------------------------------------------------------

const errorSchema = { type: 'object', required: ['error'], properties: { error: { type: 'string' } } } as const;
const errorResponses = { '4xx': errorSchema, '5xx': errorSchema } as const;
const tensorMetadata = {
  type: 'object',
  properties: { name: { type: 'string' }, datatype: { type: 'string' }, shape: { type: 'array', items: { type: 'integer' } } },
} as const;
const modelMetadataSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    versions: { type: 'array', items: { type: 'string' } },
    platform: { type: 'string' },
    inputs: { type: 'array', items: tensorMetadata },
    outputs: { type: 'array', items: tensorMetadata },
    parameters: { type: 'object', additionalProperties: true },
  },
} as const;
const modelParams = {
  type: 'object',
  required: ['model'],
  properties: { model: { type: 'string' }, version: { type: 'string' } },
} as const;
const inferBody = {
  type: 'object',
  required: ['inputs'],
  properties: {
    id: { type: 'string' },
    parameters: { type: 'object' },
    inputs: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'datatype', 'shape'],
        properties: {
          name: { type: 'string' },
          datatype: { type: 'string' },
          shape: { type: 'array', items: { type: 'integer', minimum: 0 } },
          parameters: { type: 'object' },
        },
      },
    },
    outputs: {
      type: 'array',
      items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, parameters: { type: 'object' } } },
    },
  },
} as const;
const inferResponse = {
  type: 'object',
  properties: {
    model_name: { type: 'string' },
    model_version: { type: 'string' },
    id: { type: 'string' },
    outputs: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          datatype: { type: 'string' },
          shape: { type: 'array', items: { type: 'integer' } },
          data: { type: 'array' },
          parameters: { type: 'object', additionalProperties: true },
        },
      },
    },
  },
} as const;
/** /invocations, Vertex, Azure ML and TF Serving accept OIP, row or column bodies. */
const predictBody = {
  type: 'object',
  properties: { instances: { type: 'array' }, inputs: {}, parameters: { type: 'object' }, outputs: { type: 'array' }, id: { type: 'string' } },
} as const;
const predictResponse = { type: 'object', additionalProperties: true } as const;
const readyResponse = { type: 'object', properties: { ready: { type: 'boolean' }, name: { type: 'string' } } } as const;

// ---- the app --------------------------------------------------------------------------------------------

export function buildServer(options: ServerOptions): ModelServer {
  const { config } = options;
  const loggerOption: FastifyServerOptions['logger'] =
    options.logger === false ? false : { level: config.logLevel, ...(typeof options.logger === 'object' ? options.logger : {}) };
  const app = Fastify({
    logger: loggerOption,
    bodyLimit: config.maxRequestBodyBytes,
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });
  const metrics = new ServerMetrics({ defaultMetrics: options.processMetrics !== false });
  const workerPath = options.workerPath ?? defaultWorkerPath();
  const runtimes = options.models.map(
    (location) =>
      new ModelRuntime(location, { config, workerPath, metrics, log: app.log, expectedSignature: config.modelSignature }),
  );
  const repository = new ModelRepository(runtimes);
  const modelsLoaded = Promise.all(runtimes.map((r) => r.load())).then(() => undefined);
  let draining = false;
  const decodeOptions = { allowNonFinite: config.allowNonFinite };
  const buckets = config.rateLimitPerSecond > 0 ? new TokenBuckets(config.rateLimitPerSecond, config.rateLimitBurst) : undefined;

  const extras: ModelServerExtras = {
    repository,
    metrics,
    modelsLoaded,
    beginDrain() {
      if (draining) return;
      draining = true;
      app.log.info('draining: readiness is false, new requests are refused, in-flight requests finish');
    },
    get draining() {
      return draining;
    },
  };
  for (const [key, value] of Object.entries(Object.getOwnPropertyDescriptors(extras))) {
    Object.defineProperty(app, key, value);
  }
  app.decorateRequest('binaryData', null);
  app.decorateRequest('modelLabels', null);

  // Bodies are read as buffers (bodyLimit answers 413 before any parsing), then the JSON part is parsed; with
  // the binary extension the JSON header is the first Inference-Header-Content-Length bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    let json = body as Buffer;
    const header = request.headers['inference-header-content-length'];
    if (header !== undefined) {
      const n = Number(header);
      if (!Number.isSafeInteger(n) || n <= 0 || n > json.length) {
        done(new BadInput(`Inference-Header-Content-Length ${String(header)} must be a positive integer no larger than the body (${json.length} bytes)`));
        return;
      }
      request.binaryData = json.subarray(n);
      json = json.subarray(0, n);
    }
    if (json.length === 0) {
      done(new BadInput('request body is empty; expected JSON'));
      return;
    }
    try {
      done(null, JSON.parse(json.toString('utf8')));
    } catch (error) {
      done(new BadInput(`malformed JSON: ${(error as Error).message}`));
    }
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string; validation?: unknown }, request, reply) => {
    let status = error.statusCode ?? 500;
    if (error.validation) status = 400;
    let message = error.message;
    if (error.validation) message = `invalid request: ${message}`;
    else if (status === 413) message = `request body is larger than ${config.maxRequestBodyBytes} bytes (MODEL_SERVER_MAX_REQUEST_BODY_BYTES)`;
    if (status >= 500 && !String(error.code ?? '').startsWith('MS_') && !String(error.code ?? '').startsWith('FST_')) {
      request.log.error({ err: error }, 'unhandled error');
      message = 'internal server error';
    } else {
      request.log.info({ code: error.code, statusCode: status }, 'request refused');
    }
    const retry = retryAfterOf(error);
    if (retry !== undefined) reply.header('retry-after', String(retry));
    if (status === 401) reply.header('www-authenticate', 'Bearer');
    void reply.code(status).send({ error: message });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}` });
  });

  const openRoutes = new Set<string>([ROUTES.live, ROUTES.ready, ROUTES.sagemakerPing, ROUTES.metrics]);
  const healthRoutes = new Set<string>(openRoutes);

  app.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url ?? '';
    const open = openRoutes.has(route);
    if (open) return;
    if (draining) {
      void reply.header('connection', 'close');
      throw new Draining('the server is shutting down; retry on another instance');
    }
    let identity = 'anonymous';
    if (config.apiKeySha256.length > 0) {
      const key = presentedKey(request.headers);
      const digest = key === undefined ? undefined : matchKey(key, config.apiKeySha256);
      if (digest === undefined) {
        throw new Unauthorized(key === undefined ? 'an API key is required (Authorization: Bearer <key> or X-Api-Key)' : 'the API key is not valid');
      }
      identity = digest;
    }
    if (buckets) {
      const wait = buckets.take(identity);
      if (wait > 0) {
        throw withRetryAfter(new RateLimited(`rate limit of ${config.rateLimitPerSecond} requests per second exceeded; retry in ${Math.ceil(wait)} s`), wait);
      }
    }
  });
  app.addHook('onSend', async (request, reply, payload) => {
    void reply.header('x-request-id', request.id);
    if (draining) void reply.header('connection', 'close');
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = request.modelLabels ?? { model: '', version: '' };
    metrics.requests.inc({ ...labels, route, code: String(reply.statusCode) });
    metrics.requestDuration.observe({ ...labels, route }, reply.elapsedTime / 1000);
    const entry = { ...labels, route, method: request.method, statusCode: reply.statusCode, latencyMs: Math.round(reply.elapsedTime * 100) / 100 };
    if (healthRoutes.has(route)) request.log.debug(entry, 'request completed');
    else request.log.info(entry, 'request completed');
  });
  app.addHook('onClose', async () => {
    await Promise.all(runtimes.map((r) => r.close()));
  });

  const registered = new Set<string>();
  const route = (method: 'GET' | 'POST', url: string, schema: Record<string, unknown>, handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>): void => {
    const key = `${method} ${url}`;
    if (registered.has(key)) return;
    registered.add(key);
    app.route({ method, url, schema, handler });
  };

  const serverReady = (): string | undefined => {
    if (draining) return 'the server is shutting down';
    const waiting = repository.all.filter((r) => r.state !== 'READY');
    if (waiting.length === 0) return undefined;
    return waiting.map((r) => `model '${r.name}' version ${r.version} is ${r.state}${r.reason ? `: ${r.reason}` : ''}`).join('; ');
  };

  const resolve = (request: FastifyRequest, name: string, version?: string): ModelRuntime => {
    const model = repository.resolve(name, version);
    request.modelLabels = { model: model.name, version: model.version };
    return model;
  };

  const run = async (model: ModelRuntime, decoded: DecodedRequest): Promise<Record<string, HostTensor>> => {
    const labels = { model: model.name, version: model.version };
    metrics.inflight.inc(labels);
    try {
      return await model.infer(decoded.inputs, decoded.rows);
    } finally {
      metrics.inflight.dec(labels);
    }
  };

  const requireReady = (model: ModelRuntime): void => {
    if (model.state !== 'READY') {
      throw new NotReady(`model '${model.name}' version ${model.version} is not ready (${model.state}${model.reason ? `: ${model.reason}` : ''})`);
    }
  };

  const answerOip = async (request: FastifyRequest, reply: FastifyReply, model: ModelRuntime): Promise<unknown> => {
    requireReady(model);
    const decoded = decodeOipRequest(request.body, request.binaryData, model, decodeOptions);
    const results = await run(model, decoded);
    const { json, binary } = encodeOipResponse(model, decoded, results);
    if (binary.length === 0) return json;
    const header = Buffer.from(JSON.stringify(json), 'utf8');
    void reply.header('inference-header-content-length', String(header.length)).type('application/octet-stream');
    return Buffer.concat([header, ...binary]);
  };

  /** OIP, row ("instances" -> "predictions") or column ("inputs" -> "outputs") depending on the body. */
  const answerAny = async (request: FastifyRequest, reply: FastifyReply, model: ModelRuntime): Promise<unknown> => {
    requireReady(model);
    const body = request.body as Record<string, unknown> | undefined;
    if (request.binaryData || isOipBody(body)) return answerOip(request, reply, model);
    if (body && Array.isArray(body.instances)) {
      const decoded = decodeInstances(body, model, decodeOptions);
      return { predictions: encodePredictions(model, await run(model, decoded), decoded.rows) };
    }
    if (body && body.inputs !== undefined) {
      const decoded = decodeColumns(body, model, decodeOptions);
      return { outputs: encodeColumns(model, await run(model, decoded)) };
    }
    throw new BadInput('expected an Open Inference Protocol body {"inputs": [tensors]}, {"instances": [...]} or {"inputs": {name: value}}');
  };

  const metadata = (model: ModelRuntime): Record<string, unknown> => ({
    name: model.name,
    versions: repository.versions(model.name),
    platform: 'onnx_onnxv1',
    inputs: model.inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: [...t.shape] })),
    outputs: model.outputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: [...t.shape] })),
    parameters: {
      version: model.version,
      state: model.state,
      ...(model.reason ? { reason: model.reason } : {}),
      execution_provider: model.provider,
      execution_providers_requested: config.executionProviders.join(','),
      ...(model.attempts.length > 0 ? { execution_provider_failures: model.attempts.map((a) => `${a.provider}: ${a.error}`) } : {}),
      dynamic_batching: model.batchable,
      max_batch_size: model.batchable ? config.maxBatchSize : 0,
    },
  });

  type ModelParams = { model: string; version?: string };

  // -- health and metadata
  const live = async (): Promise<unknown> => ({ live: true });
  const ready = async (_request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const why = serverReady();
    if (why === undefined) return { ready: true };
    return reply.code(503).send({ error: `not ready: ${why}` });
  };
  route('GET', ROUTES.live, { response: { 200: { type: 'object', properties: { live: { type: 'boolean' } } } } }, live);
  route('GET', ROUTES.ready, { response: { 200: readyResponse, ...errorResponses } }, ready);
  route('GET', ROUTES.serverMetadata, {
    response: { 200: { type: 'object', properties: { name: { type: 'string' }, version: { type: 'string' }, extensions: { type: 'array', items: { type: 'string' } } } } },
  }, async () => ({ name: SERVER_NAME, version: SERVER_VERSION, extensions: ['binary_tensor_data'] }));
  const modelMetadata = async (request: FastifyRequest): Promise<unknown> => {
    const p = request.params as ModelParams;
    return metadata(resolve(request, p.model, p.version));
  };
  route('GET', ROUTES.modelMetadata, { params: modelParams, response: { 200: modelMetadataSchema, ...errorResponses } }, modelMetadata);
  route('GET', ROUTES.modelVersionMetadata, { params: modelParams, response: { 200: modelMetadataSchema, ...errorResponses } }, modelMetadata);
  const modelReady = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const p = request.params as ModelParams;
    const model = resolve(request, p.model, p.version);
    if (model.state === 'READY' && !draining) return { name: model.name, ready: true };
    return reply.code(503).send({ error: `model '${model.name}' version ${model.version} is not ready (${draining ? 'draining' : model.state}${model.reason ? `: ${model.reason}` : ''})` });
  };
  route('GET', ROUTES.modelReady, { params: modelParams, response: { 200: readyResponse, ...errorResponses } }, modelReady);
  route('GET', ROUTES.modelVersionReady, { params: modelParams, response: { 200: readyResponse, ...errorResponses } }, modelReady);

  // -- OIP inference
  const infer = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const p = request.params as ModelParams;
    return answerOip(request, reply, resolve(request, p.model, p.version));
  };
  const inferSchema = { params: modelParams, body: inferBody, response: { 200: inferResponse, ...errorResponses } };
  route('POST', ROUTES.infer, inferSchema, infer);
  route('POST', ROUTES.versionInfer, inferSchema, infer);

  // -- SageMaker
  route('GET', ROUTES.sagemakerPing, { response: { 200: { type: 'string' }, ...errorResponses } }, async (_request, reply) => {
    const why = serverReady();
    if (why !== undefined) return reply.code(503).send({ error: `not ready: ${why}` });
    return reply.type('text/plain').send('');
  });
  const defaultModel = (request: FastifyRequest): ModelRuntime => {
    const model = repository.defaultModel(config.modelName);
    request.modelLabels = { model: model.name, version: model.version };
    return model;
  };
  const anySchema = { body: predictBody, response: { 200: predictResponse, ...errorResponses } };
  route('POST', ROUTES.sagemakerInvocations, anySchema, async (request, reply) => answerAny(request, reply, defaultModel(request)));

  // -- Vertex AI
  if (options.vertexHealthRoute) {
    openRoutes.add(options.vertexHealthRoute);
    healthRoutes.add(options.vertexHealthRoute);
    route('GET', options.vertexHealthRoute, { response: { 200: readyResponse, ...errorResponses } }, ready);
  }
  if (options.vertexPredictRoute) {
    route('POST', options.vertexPredictRoute, anySchema, async (request, reply) => answerAny(request, reply, defaultModel(request)));
  }

  // -- Azure ML
  openRoutes.add(config.livenessRoute).add(config.readinessRoute);
  healthRoutes.add(config.livenessRoute).add(config.readinessRoute);
  route('GET', config.livenessRoute, { response: { 200: { type: 'object', properties: { live: { type: 'boolean' } } } } }, live);
  route('GET', config.readinessRoute, { response: { 200: readyResponse, ...errorResponses } }, ready);
  route('POST', config.scoringRoute, anySchema, async (request, reply) => answerAny(request, reply, defaultModel(request)));

  // -- TensorFlow Serving
  const tfStatus = async (request: FastifyRequest): Promise<unknown> => {
    const p = request.params as ModelParams;
    const versions = p.version === undefined ? repository.versions(p.model) : [resolve(request, p.model, p.version).version];
    if (versions.length === 0) repository.resolve(p.model);
    return {
      model_version_status: versions.map((v) => {
        const m = repository.resolve(p.model, v);
        const state = m.state === 'READY' ? 'AVAILABLE' : m.state === 'LOADING' ? 'LOADING' : 'END';
        return { version: v, state, status: { error_code: m.state === 'UNAVAILABLE' ? 'UNAVAILABLE' : 'OK', error_message: m.reason } };
      }),
    };
  };
  const tfStatusSchema = {
    params: modelParams,
    response: {
      200: {
        type: 'object',
        properties: {
          model_version_status: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                version: { type: 'string' },
                state: { type: 'string' },
                status: { type: 'object', properties: { error_code: { type: 'string' }, error_message: { type: 'string' } } },
              },
            },
          },
        },
      },
      ...errorResponses,
    },
  };
  route('GET', '/v1/models/:model', tfStatusSchema, tfStatus);
  route('GET', '/v1/models/:model/versions/:version', tfStatusSchema, tfStatus);
  route('POST', '/v1/models/*', { ...anySchema, params: { type: 'object', properties: { '*': { type: 'string' } } } }, async (request, reply) => {
    const path = (request.params as { '*': string })['*'];
    const m = /^([^/:]+)(?:\/versions\/([^/:]+))?:predict$/.exec(path);
    if (!m) throw new NotFound(`no route POST /v1/models/${path}; TensorFlow Serving routes: /v1/models/{model}[/versions/{version}]:predict`);
    return answerAny(request, reply, resolve(request, decodeURIComponent(m[1]!), m[2] === undefined ? undefined : decodeURIComponent(m[2])));
  });

  // -- metrics
  route('GET', ROUTES.metrics, { response: { 200: { type: 'string' } } }, async (_request, reply) => {
    void reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  return app as unknown as ModelServer;
}
