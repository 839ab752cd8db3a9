/**
 * JWT bearer tokens (jose): signatures checked against the issuer's JWKS (an https:// URL or a local file),
 * `iss`, `aud`, `exp`/`nbf` with a small leeway, and an allow-list of asymmetric algorithms: `alg: none`,
 * HMAC (`HS*`, the RS/HS confusion) and keys of the wrong type are refused by jose before any signature
 * check. Keys are cached; an unknown `kid` refetches the set, at most once per cooldown.
 */
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createLocalJWKSet, createRemoteJWKSet, customFetch, errors, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { SERVER_ENV, type ServerConfig } from '../../lib/contract';
import { Forbidden, Unauthorized } from './errors';

/** Largest JWKS document read (a set of a few dozen keys is a few KiB). */
const MAX_JWKS_BYTES = 512 * 1024;

export interface JwksOptions {
  /** PEM of an extra CA trusted for the JWKS host (besides Node's roots and NODE_EXTRA_CA_CERTS). */
  readonly ca?: string;
  /** Least time between two fetches (or file reads) caused by an unknown kid. @default 30000 */
  readonly cooldownMs?: number;
}

export interface VerifiedToken {
  /** `iss` and `sub`: what per-identity limits count under. */
  readonly identity: string;
  /** Models this token may call; undefined: any. */
  readonly models?: ReadonlySet<string>;
}


/** A JWT is three base64url parts; an API key is anything else. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

/** fetch for jose over node:https (honours NODE_EXTRA_CA_CERTS and `ca`), bounded in size, no redirects. */
function httpsFetch(ca: string | undefined) {
  return (url: string, options: { headers: Headers; signal: AbortSignal }): Promise<Response> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = {};
      options.headers.forEach((v, k) => (headers[k] = v));
      const req = httpsRequest(url, { method: 'GET', headers, signal: options.signal, ...(ca ? { ca } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_JWKS_BYTES) req.destroy(new Error(`the JWKS is larger than ${MAX_JWKS_BYTES} bytes`));
          else chunks.push(c);
        });
        res.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500, headers: { 'content-type': String(res.headers['content-type'] ?? '') } })));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
}

/** A JWKS file, read again (at most once per cooldown) when a token names a kid it lacks. */
function fileKeySet(path: string, cooldownMs: number): JWTVerifyGetKey {
  const read = (): JWTVerifyGetKey => createLocalJWKSet(JSON.parse(readFileSync(path, 'utf8')) as JSONWebKeySet);
  let current = read();
  let readAt = Date.now();
  return async (header, token) => {
    try {
      return await current(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || Date.now() - readAt < cooldownMs) throw error;
      current = read();
      readAt = Date.now();
      return current(header, token);
    }
  };
}

export class JwtVerifier {
  private readonly keys: JWTVerifyGetKey;

  constructor(private readonly config: ServerConfig, options: JwksOptions = {}) {
    const cooldownMs = options.cooldownMs ?? 30_000;
    const uri = config.jwtJwksUri;
    if (uri.startsWith('https://')) {
      this.keys = createRemoteJWKSet(new URL(uri), {
        cooldownDuration: cooldownMs,
        cacheMaxAge: 10 * 60_000,
        timeoutDuration: 5000,
        [customFetch]: httpsFetch(options.ca),
      });
    } else {
      this.keys = fileKeySet(uri, cooldownMs);
    }
  }

  /** Whether a bearer value is for this verifier (shaped like a JWT); anything else is an API key. */
  accepts(token: string): boolean {
    return looksLikeJwt(token);
  }

  /** Verifies `token` (401/403 coded errors) and, with MODEL_SERVER_JWT_MODELS_CLAIM set, reads which models it may call. */
  async verify(token: string): Promise<VerifiedToken> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.config.jwtIssuer,
        audience: this.config.jwtAudience,
        algorithms: [...this.config.jwtAlgorithms],
        clockTolerance: this.config.jwtClockSkewSeconds,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw new Unauthorized(`the bearer token is not valid: ${reasonOf(error)}`);
    }
    const identity = `jwt:${payload.iss ?? ''}:${payload.sub ?? ''}`;
    const claim = this.config.jwtModelsClaim;
    if (claim === '') return { identity };
    const value = payload[claim];
    let models: string[] | undefined;
    if (typeof value === 'string') models = value.split(' ').filter((s) => s !== '');
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) models = value as string[];
    if (models === undefined) throw new Forbidden(`the token has no '${claim}' claim (${SERVER_ENV.jwtModelsClaim.name}) listing the models it may call`);
    return { identity, models: new Set(models) };
  }
}

/** What a client may be told about a refused token: jose's code and claim, never the token or its values. */
function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'it has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `claim '${error.claim}' check failed (${error.reason})`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'its signature algorithm is not accepted';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key of the issuer matches it';
  if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid) return 'it is malformed';
  if (error instanceof errors.JOSEError) return error.code;
  return 'the issuer keys could not be read';
}
