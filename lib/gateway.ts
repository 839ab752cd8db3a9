/**
 * # ModelGateway: one front door for many models
 *
 * The cloud-neutral spec of a gateway in front of several ModelEndpoints: routes (`/api/v1/<model>` by
 * default), JWT validation, API keys with a per-key rate limit per minute, an optional response cache keyed
 * on the request body, a request size limit, access logs, and the gateway's own guardrail alarms. Every
 * backend's `ModelGateway` takes `ModelGatewaySpec` plus its routes (the backend's own endpoint type) and
 * resolves them here with `SpecResolver.gateway`, against its `GatewayCapabilities`: what the platform's
 * managed gateway cannot do is refused by name, like every other field.
 */
import { IConstruct } from 'constructs';
import { BackendCapabilities } from './capabilities';
import { JWT_ALGORITHMS, JwtAlgorithm } from './contract';
import { ProblemCollector, SpecProblem, SpecWarning, describe, isUnresolved } from './errors';
import { GuardrailOptions, ResolvedGuardrails, resolveGuardrails } from './guardrails';
import { Resolution, explicitFieldsOf, refusal } from './resolution';
import { guardrailRefusals } from './resolve-serving';
import { Duration, Size } from './units';

/** JWT validation at the gateway: signature from the issuer's JWKS, `iss`, `aud`, `exp`/`nbf`. */
export interface GatewayJwtOptions {
  /** The `iss` every token must carry, e.g. `https://login.example.com/` (an https URL). */
  readonly issuer: string;
  /** Accepted `aud` values; a token must carry at least one of them. */
  readonly audiences: string[];
  /** Where the issuer publishes its signing keys (an https URL), e.g. `https://login.example.com/.well-known/jwks.json`. */
  readonly jwksUri: string;
  /**
   * Algorithms accepted (asymmetric only, lib/contract.ts JWT_ALGORITHMS, the server's list too). Set explicitly,
   * an algorithm the platform's gateway cannot verify is refused.
   * @default - those of GATEWAY_DEFAULT_JWT_ALGORITHMS (RS256, ES256) the platform's gateway verifies, or, where it
   * verifies neither, every algorithm it does (Azure API Management: RS256)
   */
  readonly algorithms?: JwtAlgorithm[];
  /**
   * A claim listing the models a token may call (a space-separated string or an array of model names). Where
   * set, a token without the route's model in it gets 403. Only where the gateway can check claims per route.
   * @default - any valid token may call every route
   */
  readonly modelsClaim?: string;
}

/** API keys, each with its own request budget per minute. */
export interface GatewayApiKeyOptions {
  /** Request header that carries the key (lower case). @default 'x-api-key' */
  readonly header?: string;
  /** Requests per minute per key; beyond it the gateway answers 429. @default 100 (the seeds' limit) */
  readonly requestsPerMinute?: number;
}

/** A response cache at the gateway, keyed on the route and the request body. Routes opt in (`cache: true`). */
export interface GatewayCacheOptions {
  /** How long an answer is served from the cache. @default Duration.minutes(5) */
  readonly ttl?: Duration;
}

/** The cloud-neutral part of every backend's ModelGateway props. */
export interface ModelGatewaySpec {
  /** Path every default route starts with. @default '/api/v1' */
  readonly basePath?: string;
  /** Validate JWTs (bearer tokens in `Authorization`). @default - no JWT validation */
  readonly jwt?: GatewayJwtOptions;
  /** Require API keys, with a per-key limit per minute. @default - no API keys */
  readonly apiKeys?: GatewayApiKeyOptions;
  /**
   * Serve without JWT or API keys. Authentication is on by default: a gateway with neither is refused unless
   * this says the routes are meant to be public.
   * @default false
   */
  readonly allowUnauthenticated?: boolean;
  /** Response cache for the routes that opt in. @default - no gateway cache */
  readonly cache?: GatewayCacheOptions;
  /**
   * Request bodies above this get 413 at the gateway.
   * @default - the gateway platform's own limit (GatewayCapabilities.maxRequestBodyBytes), else 6 MiB
   */
  readonly maxRequestBodySize?: Size;
  /** Access logs (one record per request, no bodies, no credentials). @default true */
  readonly accessLogs?: boolean;
  /** Error-rate and latency objectives of the gateway's own alarms. @default - see GuardrailOptions */
  readonly guardrails?: GuardrailOptions;
}

/** One route as the resolver sees it; each backend maps its routes (with its own endpoint type) to this. */
export interface GatewayRouteInput {
  /** The model behind the route (the endpoint's `metadata.name`). */
  readonly model: string;
  /** Path prefix. @default `${basePath}/${model}` */
  readonly path?: string;
  /** Serve repeated identical requests from the gateway cache (needs `cache` on the gateway). @default false */
  readonly cache?: boolean;
}

/** A route after resolution. */
export interface ResolvedGatewayRoute {
  readonly model: string;
  /** Path prefix, starting with `/`, no trailing `/`. */
  readonly path: string;
  readonly cache: boolean;
}

/** JWT validation after defaults. */
export interface ResolvedGatewayJwt {
  readonly issuer: string;
  readonly audiences: string[];
  readonly jwksUri: string;
  readonly algorithms: JwtAlgorithm[];
  readonly modelsClaim?: string;
}

/** API keys after defaults (`ResolvedGateway.apiKeys`). */
export interface ResolvedGatewayApiKeys {
  /** Request header the key travels in. */
  readonly header: string;
  /** Requests per key per minute. */
  readonly requestsPerMinute: number;
}

/** Lowest and highest per-minute request limit a gateway can enforce per key (`GatewayCapabilities.rateLimitRange`). */
export interface RateLimitRange {
  readonly min: number;
  readonly max: number;
}

/** The gateway spec after defaults and validation: what backends render. */
export interface ResolvedGateway {
  readonly basePath: string;
  readonly routes: ResolvedGatewayRoute[];
  readonly jwt?: ResolvedGatewayJwt;
  readonly apiKeys?: ResolvedGatewayApiKeys;
  /** Cache lifetime; set when any route caches. */
  readonly cacheTtl?: Duration;
  readonly maxRequestBodyBytes: number;
  readonly accessLogs: boolean;
  readonly guardrails: ResolvedGuardrails;
}

/** What a platform's managed gateway can do. A backend without a gateway leaves `BackendCapabilities.gateway` unset. */
export interface GatewayCapabilities {
  /** The gateway product, for messages, e.g. `Amazon API Gateway (REST)`. */
  readonly product: string;
  /** JWT algorithms it validates; empty: no JWT validation. */
  readonly jwtAlgorithms: JwtAlgorithm[];
  /** It can require a claim to name the route's model (`jwt.modelsClaim`). */
  readonly jwtModelsClaim: boolean;
  /** It limits requests per API key per minute. */
  readonly perKeyRateLimit: boolean;
  /** Lowest and highest per-minute limit it can enforce per key. @default - 1 to 1,000,000 */
  readonly rateLimitRange?: RateLimitRange;
  /** It can cache responses keyed on the request body (POST). */
  readonly bodyKeyedCache: boolean;
  /** Longest cache lifetime. @default - 1 hour */
  readonly longestCacheTtl?: Duration;
  /** Largest request body it forwards. @default - no platform limit */
  readonly maxRequestBodyBytes?: number;
  /** Most routes on one gateway. @default - no limit */
  readonly maxRoutes?: number;
}

/** Default request body limit when neither the user nor the platform sets one (the server's own default). */
export const GATEWAY_DEFAULT_MAX_BODY_BYTES = 6 * 1024 * 1024;
export const GATEWAY_DEFAULT_BASE_PATH = '/api/v1';
export const GATEWAY_DEFAULT_REQUESTS_PER_MINUTE = 100;
export const GATEWAY_DEFAULT_API_KEY_HEADER = 'x-api-key';

const SEGMENTS = /^(\/[a-z0-9][a-z0-9._~-]*)*$/;
const HEADER = /^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$/;
const RESERVED_HEADERS = new Set(['authorization', 'host', 'content-length', 'content-type', 'cookie', 'connection', 'transfer-encoding']);

/**
 * A gateway spec resolved for one backend.
 *
 * TypeScript-only (a backend author's helper; lib/README.md "jsii and Python").
 * @jsii ignore
 */
export class GatewayResolution extends Resolution {
  /** Resolves `spec` and `routes` for the backend `caps` describes. Never throws: problems are collected. */
  public static of(spec: ModelGatewaySpec, routes: readonly GatewayRouteInput[], caps: BackendCapabilities): GatewayResolution {
    const problems: SpecProblem[] = [];
    const warnings: SpecWarning[] = [];
    const gc = caps.gateway;
    if (!gc) {
      problems.push(refusal(caps, 'ModelGateway', 'a gateway', 'no managed gateway in this library yet',
        'put the endpoints behind your own gateway, or use a backend whose capabilities declare a gateway'));
    }

    const basePath = spec.basePath ?? GATEWAY_DEFAULT_BASE_PATH;
    if (!isUnresolved(basePath) && (!SEGMENTS.test(basePath) || basePath.length > 200)) {
      problems.push({ field: 'basePath', given: describe(basePath), allowed: 'empty or "/"-separated lower-case segments of letters, digits, ".", "_", "~" and "-", no trailing "/", at most 200 characters', fix: 'e.g. "/api/v1"' });
    }

    const resolvedRoutes = resolveRoutes(routes, basePath, gc, caps, problems);
    const jwt = resolveJwt(spec.jwt, gc, caps, problems);
    const apiKeys = resolveApiKeys(spec.apiKeys, gc, caps, problems);
    if (!jwt && !apiKeys && spec.allowUnauthenticated !== true) {
      problems.push({ field: 'jwt', given: 'neither jwt nor apiKeys', allowed: 'a gateway that authenticates its callers',
        fix: 'set jwt (issuer, audiences, jwksUri) and/or apiKeys ({ requestsPerMinute: 100 }), or say the routes are public with allowUnauthenticated: true' });
    }
    if ((jwt || apiKeys) && spec.allowUnauthenticated === true) {
      problems.push({ field: 'allowUnauthenticated', given: 'true together with jwt/apiKeys', allowed: 'one of them: public routes, or authenticated ones', fix: 'remove allowUnauthenticated, or remove jwt and apiKeys' });
    }

    let cacheTtl: Duration | undefined;
    const caching = resolvedRoutes.some((r) => r.cache);
    if (spec.cache !== undefined || caching) {
      const ttl = spec.cache?.ttl ?? Duration.minutes(5);
      const longest = gc?.longestCacheTtl ?? Duration.hours(1);
      if (gc && !gc.bodyKeyedCache) {
        problems.push(refusal(caps, 'cache', `a cache (${ttl.toString()})`, `no cache keyed on the request body in ${gc.product}`,
          'remove cache (and the routes\' cache: true), and cache at the server instead: ModelEndpoint server.cache with Redis'));
      } else if (!isUnresolved(ttl.toSeconds()) && (ttl.toSeconds() < 1 || ttl.toSeconds() > longest.toSeconds() || !Number.isInteger(ttl.toSeconds()))) {
        problems.push({ field: 'cache.ttl', given: ttl.toString(), allowed: `whole seconds from 1s to ${longest.toString()}`, fix: 'e.g. Duration.minutes(5)' });
      }
      if (spec.cache !== undefined && !caching) {
        warnings.push({ field: 'cache', message: 'the gateway has a cache but no route opts in (cache: true on a route); nothing is cached.' });
      }
      cacheTtl = ttl;
    }

    const platformMax = gc?.maxRequestBodyBytes;
    const maxBody = spec.maxRequestBodySize?.toBytes() ?? platformMax ?? GATEWAY_DEFAULT_MAX_BODY_BYTES;
    if (spec.maxRequestBodySize !== undefined && !isUnresolved(maxBody)) {
      if (!Number.isInteger(maxBody) || maxBody < 1) {
        problems.push({ field: 'maxRequestBodySize', given: `${maxBody} bytes`, allowed: 'a whole number of bytes, at least 1', fix: 'e.g. Size.mebibytes(6)' });
      } else if (platformMax !== undefined && maxBody > platformMax) {
        problems.push(refusal(caps, 'maxRequestBodySize', `${maxBody} bytes`, `at most ${platformMax} bytes (${gc!.product}'s limit)`, `use Size.bytes(${platformMax}) or less; send larger inputs over the endpoint's own URL`));
      }
    }

    const guardrails = resolveGuardrails(spec.guardrails, 'guardrails', problems);
    problems.push(...guardrailRefusals(guardrails, 'guardrails', caps));

    const resolved: ResolvedGateway = {
      basePath,
      routes: resolvedRoutes,
      jwt,
      apiKeys,
      cacheTtl: caching ? cacheTtl : undefined,
      maxRequestBodyBytes: maxBody,
      accessLogs: spec.accessLogs ?? true,
      guardrails,
    };
    const explicit = explicitFieldsOf(spec, ['jwt', 'apiKeys', 'cache', 'guardrails']);
    return new GatewayResolution(resolved, explicit, problems, warnings);
  }

  private constructor(
    /** The gateway after defaults (meaningful only when `problems` is empty). */
    public readonly resolved: ResolvedGateway,
    explicitFields: readonly string[],
    problems: readonly SpecProblem[],
    warnings: readonly SpecWarning[],
  ) {
    super(explicitFields, problems, warnings);
  }

  /**
   * The gateway after defaults; the backend's problems (already in `collector`) and these are reported at synth
   * as `scope`'s construct validation. Partial where `collector.count > 0` afterwards.
   */
  public reportIfInvalid(scope: IConstruct, owner: string, collector: ProblemCollector): ResolvedGateway {
    this.report(scope, owner, collector);
    return this.resolved;
  }

  /** Adds this resolution's problems after the backend's own (in `collector`), throws them all, else returns the gateway. */
  public throwIfInvalid(owner: string, collector: ProblemCollector = new ProblemCollector()): ResolvedGateway {
    this.check(owner, collector);
    return this.resolved;
  }
}

function resolveRoutes(routes: readonly GatewayRouteInput[], basePath: string,
  gc: GatewayCapabilities | undefined, caps: BackendCapabilities, problems: SpecProblem[]): ResolvedGatewayRoute[] {
  if (!Array.isArray(routes) || routes.length === 0) {
    problems.push({ field: 'routes', given: describe(routes), allowed: 'at least one route', fix: 'add routes: [{ endpoint }] for each model the gateway serves' });
    return [];
  }
  if (gc?.maxRoutes !== undefined && routes.length > gc.maxRoutes) {
    problems.push(refusal(caps, 'routes', `${routes.length} routes`, `at most ${gc.maxRoutes} routes on one ${gc.product}`, 'split the models over several gateways'));
  }
  const out = routes.map((r, i): ResolvedGatewayRoute => {
    const path = r.path ?? `${basePath}/${r.model}`;
    if (r.path !== undefined && !isUnresolved(r.path) && (!SEGMENTS.test(r.path) || r.path === '' || r.path.length > 200)) {
      problems.push({ field: `routes[${i}].path`, given: describe(r.path), allowed: 'a path starting with "/", lower-case segments of letters, digits, ".", "_", "~" and "-", no trailing "/", at most 200 characters',
        fix: `e.g. "${basePath}/${r.model}" (the default)` });
    }
    return { model: r.model, path, cache: r.cache === true };
  });
  // Prefix routing: a path that is another's prefix on a segment boundary makes the longer one unreachable
  // on gateways that match prefixes in declaration order, and ambiguous on the others.
  out.forEach((a, i) => {
    out.forEach((b, j) => {
      if (j <= i || isUnresolved(a.path) || isUnresolved(b.path)) return;
      if (a.path === b.path) {
        problems.push({ field: `routes[${j}].path`, given: `${describe(b.path)} (also routes[${i}], model ${a.model})`, allowed: 'one route per path', fix: 'give one of the routes its own path, or drop the duplicate' });
      } else if (b.path.startsWith(`${a.path}/`) || a.path.startsWith(`${b.path}/`)) {
        const [short, long] = a.path.length < b.path.length ? [i, j] : [j, i];
        problems.push({ field: `routes[${long}].path`, given: `${describe(out[long].path)} (under routes[${short}]: ${describe(out[short].path)})`, allowed: 'paths that are not prefixes of one another',
          fix: 'give every model its own sibling path, e.g. "/api/v1/<model>"' });
      }
    });
  });
  return out;
}

/** The shared default of `jwt.algorithms`, before it meets a platform's list (defaultJwtAlgorithms). */
export const GATEWAY_DEFAULT_JWT_ALGORITHMS: readonly JwtAlgorithm[] = ['RS256', 'ES256'];

/**
 * `jwt.algorithms` when the user left it out: the shared default narrowed to what the platform's gateway verifies,
 * or the platform's whole list where the two have nothing in common. Never a value the platform refuses.
 */
export function defaultJwtAlgorithms(gc: GatewayCapabilities | undefined): JwtAlgorithm[] {
  if (!gc || gc.jwtAlgorithms.length === 0) return [...GATEWAY_DEFAULT_JWT_ALGORITHMS];
  const both = GATEWAY_DEFAULT_JWT_ALGORITHMS.filter((a) => gc.jwtAlgorithms.includes(a));
  return both.length > 0 ? both : [...gc.jwtAlgorithms];
}

function resolveJwt(jwt: GatewayJwtOptions | undefined, gc: GatewayCapabilities | undefined, caps: BackendCapabilities, problems: SpecProblem[]): ResolvedGatewayJwt | undefined {
  if (jwt === undefined) return undefined;
  const algorithms = jwt.algorithms ?? defaultJwtAlgorithms(gc);
  checkHttpsUrl(jwt.issuer, 'jwt.issuer', 'e.g. "https://login.example.com/" (the exact iss your tokens carry)', problems, true);
  checkHttpsUrl(jwt.jwksUri, 'jwt.jwksUri', 'e.g. "https://login.example.com/.well-known/jwks.json"', problems, false);
  if (!Array.isArray(jwt.audiences) || jwt.audiences.length === 0 || jwt.audiences.some((a) => typeof a !== 'string' || (!isUnresolved(a) && a.trim() === ''))) {
    problems.push({ field: 'jwt.audiences', given: describe(jwt.audiences), allowed: 'one or more non-empty audience strings', fix: 'e.g. ["https://api.example.com"] (the aud your issuer puts in tokens for this API)' });
  }
  const known: readonly string[] = JWT_ALGORITHMS;
  const bad = Array.isArray(algorithms) ? algorithms.filter((a) => !known.includes(a)) : [algorithms];
  if (!Array.isArray(algorithms) || algorithms.length === 0 || bad.length > 0) {
    problems.push({ field: 'jwt.algorithms', given: describe(algorithms), allowed: `one or more of ${known.join(', ')} (asymmetric only: "none" and HMAC algorithms are never accepted)`, fix: 'e.g. ["RS256"]' });
  } else if (gc) {
    const unsupported = algorithms.filter((a) => !gc.jwtAlgorithms.includes(a));
    if (gc.jwtAlgorithms.length === 0) {
      problems.push(refusal(caps, 'jwt', 'JWT validation', `no JWT validation in ${gc.product}`, 'use apiKeys, or validate tokens in the model server (ModelEndpoint server.auth.jwt)'));
    } else if (unsupported.length > 0) {
      problems.push(refusal(caps, 'jwt.algorithms', describe(unsupported), `${gc.product} validates ${gc.jwtAlgorithms.join(', ')}`, `use ${gc.jwtAlgorithms.join(' or ')}`));
    }
  }
  if (jwt.modelsClaim !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_.:/-]{0,99}$/.test(jwt.modelsClaim)) {
      problems.push({ field: 'jwt.modelsClaim', given: describe(jwt.modelsClaim), allowed: 'a claim name: letters, digits, "_", ".", ":", "/" and "-", starting with a letter or "_"', fix: 'e.g. "models"' });
    } else if (gc && !gc.jwtModelsClaim) {
      problems.push(refusal(caps, 'jwt.modelsClaim', describe(jwt.modelsClaim), `no per-route claim checks in ${gc.product}`, 'remove modelsClaim and restrict models in the model server (ModelEndpoint server.auth.jwt.modelsClaim), or give each model its own audience'));
    }
  }
  return { issuer: jwt.issuer, audiences: jwt.audiences ?? [], jwksUri: jwt.jwksUri, algorithms: Array.isArray(algorithms) ? algorithms : [], modelsClaim: jwt.modelsClaim };
}

function resolveApiKeys(keys: GatewayApiKeyOptions | undefined, gc: GatewayCapabilities | undefined, caps: BackendCapabilities, problems: SpecProblem[]): ResolvedGateway['apiKeys'] {
  if (keys === undefined) return undefined;
  const header = keys.header ?? GATEWAY_DEFAULT_API_KEY_HEADER;
  const perMinute = keys.requestsPerMinute ?? GATEWAY_DEFAULT_REQUESTS_PER_MINUTE;
  if (typeof header !== 'string' || !HEADER.test(header) || RESERVED_HEADERS.has(header)) {
    problems.push({ field: 'apiKeys.header', given: describe(header), allowed: `a lower-case HTTP header name (token characters, at most 64), not one of ${[...RESERVED_HEADERS].join(', ')}`, fix: `e.g. "${GATEWAY_DEFAULT_API_KEY_HEADER}"` });
  }
  const range = gc?.rateLimitRange ?? { min: 1, max: 1_000_000 };
  if (!isUnresolved(perMinute) && (typeof perMinute !== 'number' || !Number.isInteger(perMinute) || perMinute < 1)) {
    problems.push({ field: 'apiKeys.requestsPerMinute', given: describe(perMinute), allowed: 'a whole number of requests per minute, at least 1', fix: `e.g. ${GATEWAY_DEFAULT_REQUESTS_PER_MINUTE}` });
  } else if (gc && !gc.perKeyRateLimit) {
    problems.push(refusal(caps, 'apiKeys.requestsPerMinute', `${perMinute}/min`, `no per-key rate limit in ${gc.product}`, 'limit per key in the model server (ModelEndpoint server.auth.requestsPerMinute)'));
  } else if (!isUnresolved(perMinute) && (perMinute < range.min || perMinute > range.max)) {
    problems.push(refusal(caps, 'apiKeys.requestsPerMinute', `${perMinute}/min`, `${range.min} to ${range.max} requests per minute per key`, `use a limit between ${range.min} and ${range.max}`));
  }
  return { header, requestsPerMinute: perMinute };
}

function checkHttpsUrl(value: unknown, field: string, fix: string, problems: SpecProblem[], allowAnyString: boolean): void {
  if (isUnresolved(value)) return;
  let ok = false;
  if (typeof value === 'string') {
    try {
      const u = new URL(value);
      ok = u.protocol === 'https:' && u.hostname !== '' && !u.username && !u.password && u.hash === '';
    } catch {
      // Some issuers are not URLs (rare); only the issuer may be one, and then it must still be non-empty text.
      ok = allowAnyString && value.trim() !== '' && !/\s/.test(value) && !/^[a-z]+:\/\//i.test(value);
    }
  }
  if (!ok) problems.push({ field, given: describe(value), allowed: allowAnyString ? 'an https URL (or an issuer name without a scheme)' : 'an https URL without credentials or fragment', fix });
}
