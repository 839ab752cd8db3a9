/**
 * What every protocol (the REST plugins and gRPC) shares: the models, their readiness, API keys and rate
 * limits, the response-size cap, metrics around each inference, and the drain state.
 */
import type { FastifyBaseLogger } from 'fastify';
import { SERVER_ENV, type ServerConfig } from '../../lib/contract';
import { FailedAttempts, matchKey, TokenBuckets, type KeyDigests } from './auth';
import type { BreakerStateName, ModelBreaker } from './breaker';
import type { PredictionCache } from './cache';
import { BadInput, Forbidden, NotReady, RateLimited, ResponseTooLarge, Unauthorized, withRetryAfter } from './errors';
import type { JwksOptions, JwtVerifier } from './jwt';
import { SlidingWindowLimit } from './rate-limit';
import { Tracing, type RequestTrace } from './tracing';
import type { ServerMetrics } from './metrics';
import type { ModelRuntime } from './model';
import type { DecodedRequest } from './protocol';
import { ModelRepository } from './repository';
import { ELEMENT_BYTES, elementCount, type HostTensor } from './tensor';
import { decodeAll } from './text-tensor';

export const SERVER_NAME = 'model-serving-constructs';
export const SERVER_VERSION = '0.1.0';
export const EXTENSIONS = ['binary_tensor_data'];
/** Response header (gRPC: trailing metadata) on an answer that came from the model's fallback.json. */
export const FALLBACK_HEADER = 'x-model-server-fallback';

/** What one request carries through the features (JWT rights, trace, fallback and cache outcome). */
export interface RequestFeatures {
  /** Models the request's JWT may call; undefined: any. */
  allowedModels?: ReadonlySet<string>;
  /** The request's trace when tracing is on. */
  trace?: RequestTrace;
  /** Set by `infer` when the answer came from the model's fallback.json (breaker open). */
  fallback: boolean;
}

/** Who a request's credentials stand for, once checked (ServingCore.authenticate). */
export interface Admission {
  /** The API key's digest, `jwt:<iss>:<sub>`, or 'anonymous': what the rate limits count under. */
  readonly identity: string;
  /** Models a JWT may call; undefined: any. */
  readonly models?: ReadonlySet<string>;
}

export function newFeatures(): RequestFeatures {
  return { fallback: false };
}

export interface CoreOptions {
  /** JWKS fetch options (an extra trusted CA, the refetch cooldown). */
  readonly jwks?: JwksOptions;
  readonly tracing?: Tracing;
}

export interface OutputRequest {
  readonly name: string;
  readonly binary: boolean;
}

/** Fewest bytes one element takes in a JSON response (digit and comma; `true,`; `"",`). */
function minJsonBytes(datatype: string): number {
  if (datatype === 'BOOL') return 5;
  if (datatype === 'BYTES') return 3;
  return 2;
}

export class ServingCore {
  readonly repository: ModelRepository;
  readonly decodeOptions: { allowNonFinite: boolean };
  private readonly buckets?: TokenBuckets;
  private readonly perMinute?: SlidingWindowLimit;
  private readonly jwt?: JwtVerifier;
  readonly cache?: PredictionCache;
  readonly breakers = new Map<ModelRuntime, ModelBreaker>();
  readonly tracing?: Tracing;
  /** Failed API-key attempts per client address (bounded table). */
  readonly failedAttempts?: FailedAttempts;
  private readonly keys: KeyDigests;
  private drainingFlag = false;
  /** Request bodies being received (the scheduler may hold a partial batch for them). */
  private receivingCount = 0;

  constructor(
    readonly config: ServerConfig,
    readonly runtimes: readonly ModelRuntime[],
    readonly metrics: ServerMetrics,
    readonly log: FastifyBaseLogger,
    options: CoreOptions = {},
  ) {
    this.repository = new ModelRepository(runtimes);
    this.decodeOptions = { allowNonFinite: config.allowNonFinite };
    if (config.rateLimitPerSecond > 0) this.buckets = new TokenBuckets(config.rateLimitPerSecond, config.rateLimitBurst);
    if (config.rateLimitPerMinute > 0) this.perMinute = new SlidingWindowLimit(config.rateLimitPerMinute);
    this.keys = { sha256: config.apiKeySha256, hmacSha256: config.apiKeyHmacSha256, salt: config.apiKeySalt };
    if (config.authFailuresPerMinute > 0) this.failedAttempts = new FailedAttempts(config.authFailuresPerMinute);
    // Each feature's module (jose, ioredis, cockatiel) is loaded only when the feature is configured.
    /* eslint-disable @typescript-eslint/no-require-imports */
    if (config.jwtJwksUri !== '') this.jwt = new (require('./jwt') as typeof import('./jwt')).JwtVerifier(config, options.jwks);
    if (config.cacheRedisUrl !== '' && config.cacheModels.length > 0) this.cache = new (require('./cache') as typeof import('./cache')).PredictionCache(config, log);
    this.tracing = options.tracing;
    const guarded = new Set(config.breakerModels);
    for (const r of runtimes) {
      if (!guarded.has('*') && !guarded.has(r.name)) continue;
      const labels = { model: r.name, version: r.version };
      const breaker = new (require('./breaker') as typeof import('./breaker')).ModelBreaker(config, r.location.modelPath, (state) => this.breakerChanged(labels, state));
      if (breaker.fallbackProblem) log.error({ ...labels, problem: breaker.fallbackProblem }, 'fallback answer unusable; an open breaker answers 503');
      this.breakers.set(r, breaker);
      this.breakerChanged(labels, 'closed');
    }
    /* eslint-enable @typescript-eslint/no-require-imports */
  }

  private breakerChanged(labels: { model: string; version: string }, state: BreakerStateName): void {
    for (const s of ['closed', 'open', 'half_open'] as const) this.metrics.breakerState.set({ ...labels, state: s }, s === state ? 1 : 0);
    if (state !== 'closed' || this.breakers.size > 0) this.log.warn({ ...labels, state }, 'circuit breaker state changed');
  }

  /** Closes what the features hold open (the Redis connection, the trace exporter's last batch). */
  async closeFeatures(): Promise<void> {
    await Promise.all([this.cache?.close(), this.tracing?.shutdown().catch(() => undefined)]);
  }

  /** Whether API keys are required. */
  get authenticating(): boolean {
    return this.keys.sha256.length > 0 || this.keys.hmacSha256.length > 0;
  }

  get draining(): boolean {
    return this.drainingFlag;
  }

  beginDrain(): void {
    this.drainingFlag = true;
  }

  get receiving(): boolean {
    return this.receivingCount > 0;
  }

  receivingStarted(): void {
    this.receivingCount++;
  }

  receivingEnded(): void {
    this.receivingCount--;
    // A body that ended without reaching a model may be what a partial batch was held for.
    if (this.receivingCount === 0) for (const r of this.runtimes) r.scheduler.pump();
  }

  /** Why the server is not ready, or undefined when it is. */
  notReadyReason(): string | undefined {
    if (this.drainingFlag) return 'the server is shutting down';
    const waiting = this.repository.all.filter((r) => r.state !== 'READY');
    if (waiting.length === 0) return undefined;
    return waiting.map((r) => `model '${r.name}' version ${r.version} is ${r.state}${r.reason ? `: ${r.reason}` : ''}`).join('; ');
  }

  modelNotReadyReason(model: ModelRuntime): string | undefined {
    if (model.state === 'READY' && !this.drainingFlag) return undefined;
    return `model '${model.name}' version ${model.version} is not ready (${this.drainingFlag ? 'draining' : model.state}${model.reason ? `: ${model.reason}` : ''})`;
  }

  requireReady(model: ModelRuntime): void {
    if (model.state !== 'READY') {
      throw new NotReady(`model '${model.name}' version ${model.version} is not ready (${model.state}${model.reason ? `: ${model.reason}` : ''})`);
    }
  }

  /**
   * Authentication (API key or JWT), the failed-attempt limit and the rate limits for one request; throws
   * 401/403/429. `key` is what the client presented (Authorization: Bearer, X-Api-Key, or the gRPC metadata
   * of the same names); `client` is the caller's remote address, for the limit on failed attempts (a client
   * over it gets 429 for every attempt, right keys and tokens included, until its bucket refills: guessing
   * gets no answer). A bearer value shaped like a JWT is verified as one when MODEL_SERVER_JWT_JWKS_URI is
   * set; anything else is an API key. `features` receives the models a JWT may call.
   */
  admit(key: string | undefined, client?: string, features?: RequestFeatures): Promise<void> | void {
    // Without JWT or tracing nothing here waits: stay synchronous (no promise per request).
    if (this.jwt === undefined && features?.trace === undefined) return this.limit(this.apiKeyIdentity(key, client));
    return this.admitAsync(key, client, features);
  }

  private async admitAsync(key: string | undefined, client: string | undefined, features?: RequestFeatures): Promise<void> {
    const span = features?.trace?.child('authenticate');
    try {
      this.admitted(await this.authenticate(key, client), features);
    } catch (error) {
      if (span) Tracing.fail(span, error);
      throw error;
    } finally {
      span?.end();
    }
  }

  /**
   * The credential check alone (failed-attempt limit, JWT or API key), without the rate limits: what the gRPC
   * transport guard runs from the metadata before the message is read. Synchronous unless a JWT is verified.
   * `admitted` applies the rest.
   */
  authenticate(key: string | undefined, client?: string): Promise<Admission> | Admission {
    if (this.jwt && key !== undefined && this.jwt.accepts(key)) return this.verifyJwt(this.jwt, key, client);
    return { identity: this.apiKeyIdentity(key, client) };
  }

  /** The rate limits (per second, then per minute) for an authenticated request; `features` gets the models a JWT may call. */
  admitted(admission: Admission, features?: RequestFeatures): void {
    if (features && admission.models) features.allowedModels = admission.models;
    this.limit(admission.identity);
  }

  /** 429 while `client` is over the failed-attempt limit (every attempt refused unchecked). */
  private checkFailedAttempts(client: string | undefined): void {
    const blocked = client === undefined ? 0 : this.failedAttempts?.blockedFor(client) ?? 0;
    if (blocked > 0) {
      this.metrics.authFailures.inc({ reason: 'limited' });
      throw withRetryAfter(
        new RateLimited(`too many failed API-key attempts from this client (${SERVER_ENV.authFailuresPerMinute.name}=${this.config.authFailuresPerMinute} a minute); retry in ${Math.ceil(blocked)} s`),
        blocked,
      );
    }
  }

  private failedAttempt(key: string | undefined, client: string | undefined): void {
    this.metrics.authFailures.inc({ reason: key === undefined ? 'missing' : 'invalid' });
    if (client !== undefined) this.failedAttempts?.fail(client);
  }

  private async verifyJwt(jwt: JwtVerifier, key: string, client: string | undefined): Promise<Admission> {
    this.checkFailedAttempts(client);
    try {
      const token = await jwt.verify(key);
      return { identity: token.identity, models: token.models };
    } catch (error) {
      // A refused token counts as a failed attempt (a token without the models claim, 403, does not).
      if (error instanceof Unauthorized) this.failedAttempt(key, client);
      throw error;
    }
  }

  /** The identity an API key stands for (its digest), or 'anonymous' when no authentication is configured. */
  private apiKeyIdentity(key: string | undefined, client: string | undefined): string {
    if (this.authenticating) {
      this.checkFailedAttempts(client);
      const digest = key === undefined ? undefined : matchKey(key, this.keys);
      if (digest === undefined) {
        this.failedAttempt(key, client);
        throw new Unauthorized(key === undefined ? `${this.jwt ? 'a bearer token or ' : ''}an API key is required (Authorization: Bearer <key> or X-Api-Key)` : 'the API key is not valid');
      }
      return digest;
    }
    if (this.jwt) {
      this.checkFailedAttempts(client);
      this.failedAttempt(key, client);
      throw new Unauthorized(key === undefined ? 'a bearer token is required (Authorization: Bearer <JWT>)' : 'the bearer token is not a JWT');
    }
    return 'anonymous';
  }

  private limit(identity: string): void {
    if (this.buckets) {
      const wait = this.buckets.take(identity);
      if (wait > 0) {
        this.metrics.rateLimited.inc({ limit: 'per_second' });
        throw withRetryAfter(new RateLimited(`rate limit of ${this.config.rateLimitPerSecond} requests per second exceeded; retry in ${Math.ceil(wait)} s`), wait);
      }
    }
    if (this.perMinute) {
      const wait = this.perMinute.take(identity);
      if (wait > 0) {
        this.metrics.rateLimited.inc({ limit: 'per_minute' });
        throw withRetryAfter(new RateLimited(`rate limit of ${this.config.rateLimitPerMinute} requests per minute exceeded (${SERVER_ENV.rateLimitPerMinute.name}); retry in ${Math.ceil(wait)} s`), wait);
      }
    }
  }

  /**
   * Refuses, before the run, a request whose answer is sure to exceed MODEL_SERVER_MAX_RESPONSE_BYTES:
   * possible when every asked output's shape is known from the model and the request's rows.
   */
  checkResponseBound(model: ModelRuntime, decoded: DecodedRequest, outputs: readonly OutputRequest[]): void {
    let least = 0;
    for (const o of outputs) {
      const spec = model.outputs.find((t) => t.name === o.name);
      if (!spec) continue;
      const dims = spec.shape.map((d, i) => (d >= 0 ? d : i === 0 && model.batchable ? decoded.rows : -1));
      if (dims.some((d) => d < 0)) continue;
      least += elementCount(dims) * (o.binary ? ELEMENT_BYTES[spec.datatype] ?? 4 : minJsonBytes(spec.datatype));
    }
    if (least > this.config.maxResponseBytes) {
      throw new BadInput(
        `the answer would take at least ${least} bytes, above the ${this.config.maxResponseBytes}-byte limit (${SERVER_ENV.maxResponseBytes.name}); send fewer rows, ask for fewer outputs, or ask for binary outputs`,
      );
    }
  }

  /** After the run, before building the body: refuses outputs that cannot fit, whatever their encoding. */
  checkOutputsBound(model: ModelRuntime, results: Record<string, HostTensor>, outputs: readonly OutputRequest[]): void {
    let least = 0;
    for (const o of outputs) {
      const t = results[o.name];
      if (!t) continue;
      least += elementCount(t.shape) * (o.binary ? ELEMENT_BYTES[t.datatype] ?? 4 : minJsonBytes(t.datatype));
    }
    if (least > this.config.maxResponseBytes) this.tooLarge(model, least, 'at least ');
  }

  /** The final body size check. */
  checkBodySize(model: ModelRuntime, bytes: number): void {
    if (bytes > this.config.maxResponseBytes) this.tooLarge(model, bytes, '');
  }

  private tooLarge(model: ModelRuntime, bytes: number, qualifier: string): never {
    this.metrics.failures.inc({ model: model.name, version: model.version, reason: 'response_too_large' });
    throw new ResponseTooLarge(
      `model '${model.name}' version ${model.version} produced an answer of ${qualifier}${bytes} bytes, above the ${this.config.maxResponseBytes}-byte limit (${SERVER_ENV.maxResponseBytes.name}); the model's output size depends on the request: send fewer rows or ask for fewer outputs`,
    );
  }

  /**
   * Runs one decoded request: the JWT's model rights, the prediction cache (models that opted in), the
   * circuit breaker (guarded models; open: the fallback answer, `features.fallback` set), then the model's
   * scheduler with the in-flight gauge around it. `outputs`: the names the answer will contain.
   */
  async infer(model: ModelRuntime, decoded: DecodedRequest, features?: RequestFeatures): Promise<Record<string, HostTensor>> {
    if (features?.allowedModels && !features.allowedModels.has(model.name)) {
      throw new Forbidden(`the token does not allow model '${model.name}' (${SERVER_ENV.jwtModelsClaim.name} claim)`);
    }
    const trace = features?.trace;
    trace?.setModel(model.name, model.version);
    const breaker = this.breakers.get(model);
    // A guarded model may answer its fallback without running: its data is read here first, so data that does
    // not read is a 400 whatever the breaker's state (text-tensor.ts).
    if (breaker) decodeAll(decoded.inputs);
    const cached = this.cache?.enabledFor(model.name) === true;
    // The names the answer will contain: only the cache and the fallback need them.
    let outputs: readonly string[] = [];
    if (cached || breaker) {
      const asked = (decoded as { outputs?: readonly { name: string }[] }).outputs;
      outputs = asked ? asked.map((o) => o.name) : model.outputs.map((t) => t.name);
    }
    let key: string | undefined;
    if (cached && this.cache) {
      key = this.cache.key(model.name, model.version, decoded.inputs, outputs);
      const span = trace?.child('cache lookup');
      const found = await this.cache.get(key);
      span?.setAttribute('model_server.cache.result', found.result);
      span?.end();
      trace?.span.setAttribute('model_server.cache.result', found.result);
      this.metrics.cacheRequests.inc({ model: model.name, version: model.version, result: found.result });
      if (found.outputs) return found.outputs;
      if (found.result === 'error') key = undefined;
    }
    const span = trace?.child('inference', { 'model_server.rows': decoded.rows });
    const inflight = model.series.inflight;
    inflight.inc();
    try {
      const run = (): Promise<Record<string, HostTensor>> => model.infer(decoded.inputs, decoded.rows, span && trace?.under(span));
      let results: Record<string, HostTensor>;
      if (breaker) {
        const outcome = await breaker.execute(run);
        span?.setAttribute('model_server.breaker.state', breaker.state);
        if (outcome === undefined) {
          trace?.span.setAttribute('model_server.fallback', true);
          try {
            results = breaker.fallbackFor(model.name, model.version, outputs, decoded.rows);
          } catch (error) {
            this.metrics.fallbackResponses.inc({ model: model.name, version: model.version, result: 'unavailable' });
            throw error;
          }
          this.metrics.fallbackResponses.inc({ model: model.name, version: model.version, result: 'served' });
          if (features) features.fallback = true;
          return results;
        }
        results = outcome.value;
      } else {
        results = await run();
      }
      if (key !== undefined) this.cache!.set(key, results, outputs);
      return results;
    } catch (error) {
      if (span) Tracing.fail(span, error);
      throw error;
    } finally {
      span?.end();
      inflight.dec();
    }
  }

  metadata(model: ModelRuntime): Record<string, unknown> {
    return {
      name: model.name,
      versions: this.repository.versions(model.name),
      platform: 'onnx_onnxv1',
      inputs: model.inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: [...t.shape] })),
      outputs: model.outputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: [...t.shape] })),
      parameters: {
        version: model.version,
        state: model.state,
        ...(model.reason ? { reason: model.reason } : {}),
        execution_provider: model.provider,
        execution_providers_requested: this.config.executionProviders.join(','),
        ...(model.attempts.length > 0 ? { execution_provider_failures: model.attempts.map((a) => `${a.provider}: ${a.error}`) } : {}),
        dynamic_batching: model.batchable,
        max_batch_size: model.batchable ? this.config.maxBatchSize : 0,
        ...(model.unbatchableReason ? { dynamic_batching_off_reason: model.unbatchableReason } : {}),
        inline_when_idle: model.inline,
        ...(this.breakers.has(model) ? { circuit_breaker: this.breakers.get(model)!.state, fallback_available: this.breakers.get(model)!.hasFallback } : {}),
        ...(this.cache?.enabledFor(model.name) ? { prediction_cache: true } : {}),
      },
    };
  }
}
