/** API keys (stored as SHA-256 digests, compared in constant time) and a per-key token-bucket rate limit. */
import { createHash, timingSafeEqual } from 'node:crypto';

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
  const key = headers['x-api-key'];
  return typeof key === 'string' && key !== '' ? key : undefined;
}

/** The digest of the matching configured key, or undefined. Every configured digest is compared. */
export function matchKey(key: string, digests: readonly string[]): string | undefined {
  const presented = createHash('sha256').update(key, 'utf8').digest();
  let match: string | undefined;
  for (const d of digests) {
    if (timingSafeEqual(presented, Buffer.from(d, 'hex')) && match === undefined) match = d;
  }
  return match;
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
