/**
 * `server.auth`, `server.cache`, `server.circuitBreaker` and `server.tracing`: checked, refused where the
 * backend cannot honour them, and turned into the server's variables (lib/contract.ts SERVER_ENV and OTEL_ENV).
 * Secrets become `SecretEnvironmentVariable`s that each backend renders its platform's way; destinations the
 * server must reach become `OutboundTarget`s that each backend checks against its network.
 */
import { BackendCapabilities } from './capabilities';
import { SERVER_ENV, SecretRef, ServerConfig, renderTracingEnvironment } from './contract';
import { ArtifactLayout, ArtifactStorage } from './artifact';
import { SpecProblem, SpecWarning, describe, isUnresolved } from './errors';
import { refusal } from './resolution';
import { ServerSecret } from './secret';
import { ModelServingProps, OutboundTarget, SecretEnvironmentVariable } from './spec';
import { Duration } from './units';

export interface ServerFeatures {
  readonly config: Partial<ServerConfig>;
  /** OTEL_* variables (tracing). */
  readonly tracingEnvironment: Record<string, string>;
  /** MODEL_SERVER_SECRET_REFS for the cloud secrets the backend resolves by reference; empty when none. */
  readonly secretReferenceEnvironment: Record<string, string>;
  readonly secretEnvironment: SecretEnvironmentVariable[];
  readonly outbound: OutboundTarget[];
}

function intCheck(field: string, value: number | undefined, min: number, max: number, fix: string, problems: SpecProblem[]): void {
  if (value === undefined || isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) problems.push({ field, given: describe(value), allowed: `an integer from ${min} to ${max}`, fix });
}

function numberCheck(field: string, value: number | undefined, min: number, max: number, fix: string, problems: SpecProblem[]): void {
  if (value === undefined || isUnresolved(value)) return;
  if (!Number.isFinite(value) || value < min || value > max) problems.push({ field, given: describe(value), allowed: `a number from ${min} to ${max}`, fix });
}

/** Whole seconds of `d` within bounds, or undefined (with a problem) when it is not. */
function seconds(field: string, d: Duration | undefined, min: number, max: number, fix: string, problems: SpecProblem[]): number | undefined {
  if (d === undefined) return undefined;
  const s = d.toSeconds();
  if (!Number.isInteger(s) || s < min || s > max) {
    problems.push({ field, given: d.toString(), allowed: `whole seconds from ${min} to ${max}`, fix });
    return undefined;
  }
  return s;
}

/** A value the server's own variable would accept (the contract's parser), non-empty. */
function serverValue(field: string, key: 'jwtIssuer' | 'jwtAudience' | 'jwtModelsClaim' | 'jwtJwksUri', value: string | undefined, fix: string, problems: SpecProblem[]): void {
  if (value === undefined || isUnresolved(value)) return;
  const spec = SERVER_ENV[key];
  if (value === '' || spec.parse(value) === undefined) problems.push({ field, given: describe(value), allowed: spec.allowed, fix });
}

function isHttpUrl(value: string, protocols: readonly string[]): boolean {
  if (/\s/.test(value)) return false;
  try {
    const url = new URL(value);
    return protocols.includes(url.protocol) && url.hostname !== '' && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

/** Problems with a secret reference, and its refusal where the backend cannot resolve its source. */
function secretProblems(secret: ServerSecret | undefined, field: string, caps: BackendCapabilities, problems: SpecProblem[]): void {
  if (!(secret instanceof ServerSecret)) return; // a wrong shape is reported by the prop-shape check
  problems.push(...secret.problems(field));
  const sources = caps.server.secretSources ?? [];
  if (!sources.includes(secret.source)) {
    problems.push(refusal(caps, field, secret.toString(),
      sources.length > 0
        ? `secrets from ${sources.join(', ')} (the platform resolves them at container start)`
        : 'no secret references: the container gets plain environment values only, and a secret there would sit in the template and state',
      caps.server.secretsFix ?? `remove ${field}`));
  }
}

export function resolveServerFeatures(props: ModelServingProps, caps: BackendCapabilities, problems: SpecProblem[], warnings: SpecWarning[]): ServerFeatures {
  const srv = props.server ?? {};
  const model = props.metadata.name;
  const config: Partial<ServerConfig> = {};
  const secretEnvironment: SecretEnvironmentVariable[] = [];
  const outbound: OutboundTarget[] = [];
  let tracingEnvironment: Record<string, string> = {};

  const auth = srv.auth;
  if (auth !== undefined) {
    if (auth.apiKeys === undefined && auth.jwt === undefined) {
      problems.push({ field: 'server.auth', given: 'neither apiKeys nor jwt', allowed: 'apiKeys, jwt or both (requestsPerMinute counts per key or token subject)', fix: 'add apiKeys: ServerSecret.from...(...) or jwt: { issuer, audience, jwksUri }' });
    }
    if (!caps.server.callerCredentials) {
      problems.push(refusal(caps, 'server.auth', Object.keys(auth).filter((k) => auth[k as keyof typeof auth] !== undefined).join(', ') || 'an empty object',
        `no authentication by the model server: the Authorization header that API keys and JWTs travel in belongs to the platform's own caller authentication${caps.server.platformAuthentication ? ` (${caps.server.platformAuthentication})` : ''}`,
        'remove server.auth and give callers the platform\'s invoke permission (grantInvoke); for API keys or JWTs checked by the server, use the Kubernetes backend'));
    }
    if (auth.apiKeys !== undefined) {
      secretProblems(auth.apiKeys, 'server.auth.apiKeys', caps, problems);
      secretEnvironment.push({ name: SERVER_ENV.apiKeySha256.name, secret: auth.apiKeys, field: 'server.auth.apiKeys' });
    }
    const jwt = auth.jwt;
    if (jwt !== undefined) {
      serverValue('server.auth.jwt.issuer', 'jwtIssuer', jwt.issuer, 'the issuer\'s iss value, e.g. "https://login.example.com/"', problems);
      serverValue('server.auth.jwt.audience', 'jwtAudience', jwt.audience, 'the aud value tokens for this model carry, e.g. "fraud-api"', problems);
      serverValue('server.auth.jwt.modelsClaim', 'jwtModelsClaim', jwt.modelsClaim, 'a claim name, e.g. "models"', problems);
      const uri = jwt.jwksUri;
      if (uri !== undefined && !isUnresolved(uri)) {
        const ok = uri.startsWith('/') ? SERVER_ENV.jwtJwksUri.parse(uri) !== undefined : isHttpUrl(uri, ['https:']);
        if (!ok) problems.push({ field: 'server.auth.jwt.jwksUri', given: describe(uri), allowed: 'an https:// URL, or the absolute path of a JWKS file in the image', fix: 'e.g. "https://login.example.com/.well-known/jwks.json"' });
      }
      Object.assign(config, { jwtJwksUri: uri, jwtIssuer: jwt.issuer, jwtAudience: jwt.audience, jwtModelsClaim: jwt.modelsClaim });
    }
    intCheck('server.auth.requestsPerMinute', auth.requestsPerMinute, 1, 1_000_000, 'the seeds\' platform uses 100 per key', problems);
    Object.assign(config, { rateLimitPerMinute: auth.requestsPerMinute });
  }

  const cache = srv.cache;
  if (cache !== undefined) {
    secretProblems(cache.redisUrl, 'server.cache.redisUrl', caps, problems);
    const ttl = seconds('server.cache.ttl', cache.ttl, 1, 2_592_000, 'e.g. Duration.minutes(5)', problems);
    if (cache.enabled !== false && cache.redisUrl !== undefined) {
      secretEnvironment.push({ name: SERVER_ENV.cacheRedisUrl.name, secret: cache.redisUrl, field: 'server.cache.redisUrl' });
      outbound.push({ field: 'server.cache.redisUrl', description: `the prediction cache's Redis (${cache.redisUrl.toString()})` });
      Object.assign(config, { cacheModels: [model], cacheTtlSeconds: ttl });
    }
  }

  const breaker = srv.circuitBreaker;
  if (breaker !== undefined) {
    intCheck('server.circuitBreaker.consecutiveFailures', breaker.consecutiveFailures, 0, 1_000_000, 'e.g. 5; 0 turns this trigger off', problems);
    numberCheck('server.circuitBreaker.failureRatio', breaker.failureRatio, 0, 0.99, 'e.g. 0.5; 0 turns this trigger off', problems);
    intCheck('server.circuitBreaker.minimumCalls', breaker.minimumCalls, 1, 1_000_000, 'e.g. 20', problems);
    const window = seconds('server.circuitBreaker.window', breaker.window, 1, 3600, 'e.g. Duration.seconds(30)', problems);
    const open = seconds('server.circuitBreaker.openDuration', breaker.openDuration, 1, 3600, 'e.g. Duration.seconds(10)', problems);
    let latencyMs: number | undefined;
    if (breaker.latencyThreshold !== undefined) {
      latencyMs = breaker.latencyThreshold.toMilliseconds();
      if (!Number.isInteger(latencyMs) || latencyMs < 1 || latencyMs > 3_600_000) {
        problems.push({ field: 'server.circuitBreaker.latencyThreshold', given: breaker.latencyThreshold.toString(), allowed: 'whole milliseconds from 1 to 3600000', fix: 'e.g. Duration.millis(500), or leave it out' });
      }
    }
    if (breaker.consecutiveFailures === 0 && breaker.failureRatio === 0 && latencyMs === undefined) {
      problems.push({ field: 'server.circuitBreaker', given: 'consecutiveFailures 0, failureRatio 0 and no latencyThreshold', allowed: 'at least one trigger', fix: 'keep a trigger on, or remove circuitBreaker' });
    }
    // The server answers an open breaker from fallback.json next to model.onnx (runtime/src/breaker.ts); one
    // remote .onnx object brings nothing beside it.
    if (props.model.storage !== ArtifactStorage.LOCAL_FILE && props.model.layout === ArtifactLayout.SINGLE_FILE) {
      warnings.push({
        field: 'server.circuitBreaker',
        message: `${props.model.toString()} is a single file, so no fallback.json lies beside it: while the breaker is open the model answers 503 with Retry-After. ` +
          'For a fallback answer, point the model at a prefix or archive holding model.onnx and fallback.json (an OIP response).',
      });
    }
    Object.assign(config, {
      breakerModels: [model],
      breakerConsecutiveFailures: breaker.consecutiveFailures,
      breakerFailureRatio: breaker.failureRatio,
      breakerMinimumCalls: breaker.minimumCalls,
      breakerWindowSeconds: window,
      breakerOpenSeconds: open,
      breakerLatencyMs: latencyMs,
    });
  }

  const tracing = srv.tracing;
  if (tracing !== undefined) {
    const endpoint = tracing.endpoint;
    if (endpoint !== undefined && !isUnresolved(endpoint) && !isHttpUrl(endpoint, ['http:', 'https:'])) {
      problems.push({ field: 'server.tracing.endpoint', given: describe(endpoint), allowed: 'an http:// or https:// URL of an OTLP/HTTP receiver, without credentials (the server sends OTLP over HTTP, not gRPC)', fix: 'e.g. "http://otel-collector.observability:4318"' });
    }
    numberCheck('server.tracing.samplerRatio', tracing.samplerRatio, 0, 1, 'e.g. 0.1 to sample one new trace in ten', problems);
    const serviceName = tracing.serviceName ?? model;
    if (!isUnresolved(serviceName) && !/^[\x21-\x7e]([\x20-\x7e]{0,253}[\x21-\x7e])?$/.test(serviceName)) {
      problems.push({ field: 'server.tracing.serviceName', given: describe(serviceName), allowed: 'printable ASCII, 1-255 characters, no leading or trailing space', fix: 'e.g. "fraud-classifier"' });
    }
    if (endpoint !== undefined) {
      outbound.push({ field: 'server.tracing.endpoint', description: `the OTLP receiver ${endpoint}` });
      tracingEnvironment = renderTracingEnvironment({ endpoint, serviceName, samplerRatio: tracing.samplerRatio });
    }
  }
  // Cloud secrets travel as references the server resolves at start with the platform's identity
  // (MODEL_SERVER_SECRET_REFS); Kubernetes Secrets stay with the kubelet (secretKeyRef).
  const refs: Record<string, SecretRef> = {};
  for (const s of secretEnvironment) {
    const ref = s.secret.toSecretRef();
    if (ref === undefined || !(caps.server.secretSources ?? []).includes(s.secret.source)) continue;
    if (ref.source === 'gcp-secretmanager' && !isUnresolved(ref.name) && !ref.name.startsWith('projects/')) {
      problems.push({ field: s.field, given: s.secret.toString(), allowed: 'the full name "projects/<project>/secrets/<name>": the server asks Secret Manager for exactly that resource', fix: `ServerSecret.fromGcpSecretManager('projects/<project>/secrets/${ref.name}', '${ref.version}')` });
    }
    refs[s.name] = ref;
  }
  // Rendered here rather than through renderServerEnvironment: a reference may be a token (secret.secretArn,
  // a Terraform attribute) that resolves inside the JSON text at synth time; the server checks the result.
  const secretReferenceEnvironment: Record<string, string> = Object.keys(refs).length > 0 ? { [SERVER_ENV.secretRefs.name]: JSON.stringify(refs) } : {};
  return { config, tracingEnvironment, secretReferenceEnvironment, secretEnvironment, outbound };
}
