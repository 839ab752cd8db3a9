/**
 * Prediction cache on Redis (ioredis), per model opt-in (MODEL_SERVER_CACHE_MODELS). The key is the model,
 * its version, and a SHA-256 over every input's name, datatype, shape and bytes and the names of the outputs
 * asked for: a hit never crosses models, versions, inputs or output sets. Only the model's own answers are
 * stored: errors and fallback answers never are. Redis slow or down costs at most
 * MODEL_SERVER_CACHE_TIMEOUT_MS per lookup (commands fail at once while disconnected: no offline queue) and
 * the request is served uncached, counted as `error`.
 */
import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import type { ServerConfig } from '../../lib/contract';
import { fromBinaryTensor, toBinary, type HostTensor } from './tensor';

/** Bumped when the stored layout changes, so an upgraded server never reads an older entry. */
const KEY_PREFIX = 'msc:prediction:v1:';

export type CacheResult = 'hit' | 'miss' | 'error';

/** The cache key: model, version, and a digest of the inputs and the asked outputs (no value in clear). */
export function cacheKey(model: string, version: string, inputs: Readonly<Record<string, HostTensor>>, outputs: readonly string[]): string {
  const h = createHash('sha256');
  const u32 = Buffer.alloc(4);
  const field = (text: string): void => {
    const b = Buffer.from(text, 'utf8');
    u32.writeUInt32LE(b.length, 0);
    h.update(u32).update(b);
  };
  field(model);
  field(version);
  for (const name of Object.keys(inputs).sort()) {
    const t = inputs[name]!;
    field(name);
    field(t.datatype);
    field(t.shape.join(','));
    const bytes = toBinary(t);
    u32.writeUInt32LE(bytes.length, 0);
    h.update(u32).update(bytes);
  }
  field('outputs');
  for (const o of [...outputs].sort()) field(o);
  return `${KEY_PREFIX}${model}:${version}:${h.digest('hex')}`;
}

/** [u32 header length][header JSON: name, datatype, shape, byte length per tensor][tensor bytes...] */
export function encodeEntry(results: Readonly<Record<string, HostTensor>>, outputs: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  const header: [string, string, number[], number][] = [];
  for (const name of outputs) {
    const t = results[name];
    if (!t) continue;
    const bytes = toBinary(t);
    header.push([name, t.datatype, [...t.shape], bytes.length]);
    parts.push(bytes);
  }
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length, 0);
  return Buffer.concat([len, head, ...parts]);
}

export function decodeEntry(entry: Buffer): Record<string, HostTensor> {
  const headLength = entry.readUInt32LE(0);
  const header = JSON.parse(entry.subarray(4, 4 + headLength).toString('utf8')) as [string, string, number[], number][];
  const out: Record<string, HostTensor> = {};
  let offset = 4 + headLength;
  for (const [name, datatype, shape, size] of header) {
    out[name] = fromBinaryTensor(name, datatype, shape, entry.subarray(offset, offset + size), { allowNonFinite: true });
    offset += size;
  }
  if (offset !== entry.length) throw new Error('cache entry length does not match its header');
  return out;
}

export class PredictionCache {
  private readonly redis: Redis;
  private readonly all: boolean;
  private readonly models: ReadonlySet<string>;
  private lastWarning = 0;

  constructor(private readonly config: ServerConfig, private readonly log: FastifyBaseLogger) {
    this.all = config.cacheModels.includes('*');
    this.models = new Set(config.cacheModels);
    this.redis = new Redis(config.cacheRedisUrl, {
      commandTimeout: config.cacheTimeoutMs,
      connectTimeout: Math.max(1000, config.cacheTimeoutMs),
      // Never queue commands while disconnected, never retry one: a lookup fails at once and is served uncached.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (times) => Math.min(100 * times, 2000),
      lazyConnect: false,
    });
    this.redis.on('error', (error: Error) => this.warn('prediction cache: Redis error; serving uncached', error));
  }

  key(model: string, version: string, inputs: Readonly<Record<string, HostTensor>>, outputs: readonly string[]): string {
    return cacheKey(model, version, inputs, outputs);
  }

  /** Whether Redis is connected (lookups before that are served uncached, counted as errors). */
  get connected(): boolean {
    return this.redis.status === 'ready';
  }

  enabledFor(model: string): boolean {
    return this.all || this.models.has(model);
  }

  /** The cached outputs, or undefined (miss or error: the caller runs the model). */
  async get(key: string): Promise<{ result: CacheResult; outputs?: Record<string, HostTensor> }> {
    try {
      const entry = await this.redis.getBuffer(key);
      if (entry === null) return { result: 'miss' };
      return { result: 'hit', outputs: decodeEntry(entry) };
    } catch (error) {
      this.warn('prediction cache: lookup failed; serving uncached', error as Error);
      return { result: 'error' };
    }
  }

  /** Stores in the background; a failure is logged (rate-limited), never seen by the request. */
  set(key: string, results: Readonly<Record<string, HostTensor>>, outputs: readonly string[]): void {
    if (this.redis.status !== 'ready') return;
    this.redis.set(key, encodeEntry(results, outputs), 'EX', this.config.cacheTtlSeconds).catch((error: Error) => this.warn('prediction cache: store failed', error));
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  /** At most one warning per 10 s: an outage must not flood the log. The URL (credentials) is never logged. */
  private warn(msg: string, error: Error): void {
    const now = Date.now();
    if (now - this.lastWarning < 10_000) return;
    this.lastWarning = now;
    this.log.warn({ error: error.message.replace(/rediss?:\/\/\S+/g, 'redis://…') }, msg);
  }
}
