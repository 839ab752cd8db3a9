/**
 * What every protocol (the REST plugins and gRPC) shares: the models, their readiness, API keys and rate
 * limits, the response-size cap, metrics around each inference, and the drain state.
 */
import type { FastifyBaseLogger } from 'fastify';
import { SERVER_ENV, type ServerConfig } from '../../lib/contract';
import { FailedAttempts, matchKey, TokenBuckets, type KeyDigests } from './auth';
import { BadInput, NotReady, RateLimited, ResponseTooLarge, Unauthorized, withRetryAfter } from './errors';
import type { ServerMetrics } from './metrics';
import type { ModelRuntime } from './model';
import type { DecodedRequest } from './protocol';
import { ModelRepository } from './repository';
import { ELEMENT_BYTES, elementCount, type HostTensor } from './tensor';

export const SERVER_NAME = 'model-serving-constructs';
export const SERVER_VERSION = '0.1.0';
export const EXTENSIONS = ['binary_tensor_data'];

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
  ) {
    this.repository = new ModelRepository(runtimes);
    this.decodeOptions = { allowNonFinite: config.allowNonFinite };
    if (config.rateLimitPerSecond > 0) this.buckets = new TokenBuckets(config.rateLimitPerSecond, config.rateLimitBurst);
    this.keys = { sha256: config.apiKeySha256, hmacSha256: config.apiKeyHmacSha256, salt: config.apiKeySalt };
    if (config.authFailuresPerMinute > 0) this.failedAttempts = new FailedAttempts(config.authFailuresPerMinute);
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
   * API key and rate limit for one request; returns nothing or throws 401/429. `key` is what the client
   * presented (Authorization: Bearer, X-Api-Key, or the gRPC metadata of the same names); `client` is the
   * caller's remote address, for the limit on failed attempts (a client over it gets 429 for every attempt,
   * right keys included, until its bucket refills: guessing gets no answer).
   */
  admit(key: string | undefined, client?: string): void {
    let identity = 'anonymous';
    if (this.authenticating) {
      const limiter = client === undefined ? undefined : this.failedAttempts;
      const blocked = limiter?.blockedFor(client!) ?? 0;
      if (blocked > 0) {
        this.metrics.authFailures.inc({ reason: 'limited' });
        throw withRetryAfter(
          new RateLimited(`too many failed API-key attempts from this client (${SERVER_ENV.authFailuresPerMinute.name}=${this.config.authFailuresPerMinute} a minute); retry in ${Math.ceil(blocked)} s`),
          blocked,
        );
      }
      const digest = key === undefined ? undefined : matchKey(key, this.keys);
      if (digest === undefined) {
        this.metrics.authFailures.inc({ reason: key === undefined ? 'missing' : 'invalid' });
        limiter?.fail(client!);
        throw new Unauthorized(key === undefined ? 'an API key is required (Authorization: Bearer <key> or X-Api-Key)' : 'the API key is not valid');
      }
      identity = digest;
    }
    if (this.buckets) {
      const wait = this.buckets.take(identity);
      if (wait > 0) {
        throw withRetryAfter(new RateLimited(`rate limit of ${this.config.rateLimitPerSecond} requests per second exceeded; retry in ${Math.ceil(wait)} s`), wait);
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

  /** Runs one decoded request through the model's scheduler, with the in-flight gauge around it. */
  async infer(model: ModelRuntime, decoded: DecodedRequest): Promise<Record<string, HostTensor>> {
    const labels = { model: model.name, version: model.version };
    this.metrics.inflight.inc(labels);
    try {
      return await model.infer(decoded.inputs, decoded.rows);
    } finally {
      this.metrics.inflight.dec(labels);
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
      },
    };
  }
}
