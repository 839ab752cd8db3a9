/**
 * API keys (stored as salted HMAC-SHA-256 digests, or unsalted SHA-256 ones for compatibility, compared in
 * constant time), a per-key token-bucket rate limit, and a bounded per-client limit on failed attempts.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SERVER_API_KEY_HEADER } from '../../lib/contract';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The key from `Authorization: Bearer <key>` or `X-Api-Key: <key>`. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1];
  }
  const key = headers[SERVER_API_KEY_HEADER];
  return typeof key === 'string' && key !== '' ? key : undefined;
}

/** HMAC-SHA-256 of the key, keyed with the deployment's salt: what MODEL_SERVER_API_KEY_HMAC_SHA256 lists. */
export function hmacSha256Hex(salt: string, text: string): string {
  return createHmac('sha256', salt).update(text, 'utf8').digest('hex');
}

export interface KeyDigests {
  /** Unsalted SHA-256 digests (MODEL_SERVER_API_KEY_SHA256). */
  readonly sha256: readonly string[];
  /** HMAC-SHA-256 digests keyed with `salt` (MODEL_SERVER_API_KEY_HMAC_SHA256). */
  readonly hmacSha256: readonly string[];
  readonly salt: string;
}

/**
 * The digest of the matching configured key, or undefined. Every configured digest is compared, in constant
 * time, whatever matched before (no early exit).
 */
export function matchKey(key: string, digests: readonly string[] | KeyDigests): string | undefined {
  const set: KeyDigests = Array.isArray(digests) ? { sha256: digests, hmacSha256: [], salt: '' } : (digests as KeyDigests);
  let match: string | undefined;
  const compare = (presented: Buffer, list: readonly string[]): void => {
    for (const d of list) {
      if (timingSafeEqual(presented, Buffer.from(d, 'hex')) && match === undefined) match = d;
    }
  };
  if (set.sha256.length > 0) compare(createHash('sha256').update(key, 'utf8').digest(), set.sha256);
  if (set.hmacSha256.length > 0) compare(createHmac('sha256', set.salt).update(key, 'utf8').digest(), set.hmacSha256);
  return match;
}

/**
 * Failed API-key attempts per client (its remote address): a token bucket of `perMinute` tokens refilling at
 * `perMinute` a minute. The table holds at most `capacity` clients, least recently failed dropped first, so
 * a flood of addresses cannot grow memory; a dropped client starts again with a full bucket.
 */
export class FailedAttempts {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    readonly capacity = 10_000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  get size(): number {
    return this.buckets.size;
  }

  /** Seconds until the client may try again, or 0 when it may try now. */
  blockedFor(client: string): number {
    const b = this.refill(client);
    return b === undefined || b.tokens >= 1 ? 0 : ((1 - b.tokens) * 60) / this.perMinute;
  }

  /** Records one failure. */
  fail(client: string): void {
    const b = this.refill(client) ?? { tokens: this.perMinute, at: this.now() };
    b.tokens = Math.max(0, b.tokens - 1);
    // Re-insert: Map iteration order is insertion order, so the first key is the least recently failed.
    this.buckets.delete(client);
    this.buckets.set(client, b);
    while (this.buckets.size > this.capacity) this.buckets.delete(this.buckets.keys().next().value as string);
  }

  private refill(client: string): { tokens: number; at: number } | undefined {
    const b = this.buckets.get(client);
    if (!b) return undefined;
    const t = this.now();
    b.tokens = Math.min(this.perMinute, b.tokens + ((t - b.at) / 60_000) * this.perMinute);
    b.at = t;
    if (b.tokens >= this.perMinute) {
      this.buckets.delete(client);
      return undefined;
    }
    return b;
  }
}

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly burst: number;

  constructor(private readonly perSecond: number, burst: number, private readonly now: () => number = () => Date.now()) {
    this.burst = burst > 0 ? burst : Math.max(1, Math.ceil(perSecond));
  }

  /** Takes one token; returns 0 when allowed, else the seconds until one is available. */
  take(key: string): number {
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: t };
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.perSecond);
    b.at = t;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return (1 - b.tokens) / this.perSecond;
  }
}
