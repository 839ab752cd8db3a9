/**
 * Prop shapes checked at run time, for callers the TypeScript compiler does not check (plain JavaScript,
 * props read from JSON or YAML). A prop of the wrong kind is reported like any other problem (field, what was
 * given, what is allowed, how to fix it) instead of surfacing later as "got undefined" or a raw TypeError.
 */
import { Accelerator } from './accelerator';
import { ModelArtifact } from './artifact';
import { ProblemCollector, SpecProblem, isUnresolved } from './errors';
import { RolloutPolicy } from './rollout';
import { LatencyPercentile } from './guardrails';
import { ServerSecret } from './secret';
import { ExecutionProvider, ScalingTarget, ServingImage } from './spec';
import { Duration, Size } from './units';
import { closestMatches } from './internal/closest';

/** A class a prop must be an instance of, named in messages with the factory that makes one. */
export interface ShapeClass {
  readonly prototype: object;
  readonly name: string;
}

/** What one prop must be. */
export interface PropShape {
  /** Dotted path from the props object, e.g. `guardrails.maxLatency`. */
  readonly field: string;
  /** A primitive kind, `object` (a plain object), or a class. */
  readonly kind: 'string' | 'number' | 'boolean' | 'object' | ShapeClass;
  /** The value is an array of `kind`. @default false */
  readonly array?: boolean;
  /** The prop must be present. @default false */
  readonly required?: boolean;
  /** How to write a right value, e.g. `Duration.minutes(5)`. */
  readonly example: string;
  /**
   * An object whose every prop is in the table (`<field>.<prop>` rows): a key that is none of them (a typo such as
   * `scaling.minReplica`) is reported with the near name instead of being ignored. @default false
   */
  readonly closed?: boolean;
}

/** `value` in words for a message: its kind, and the value where short. */
export function describeShape(value: unknown): string {
  if (value === undefined) return 'nothing (the prop is missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN (not a number)';
  if (typeof value === 'number' || typeof value === 'boolean') return `the ${typeof value} ${String(value)}`;
  if (typeof value === 'function') return 'a function';
  const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
  return ctor && ctor !== 'Object' ? `a ${ctor}` : 'a plain object';
}

function kindName(kind: PropShape['kind']): string {
  return typeof kind === 'string' ? (kind === 'object' ? 'an object' : `a ${kind}`) : `${/^[AEIOU]/.test(kind.name) ? 'an' : 'a'} ${kind.name}`;
}

function matches(value: unknown, kind: PropShape['kind']): boolean {
  if (kind === 'object') return typeof value === 'object' && value !== null && !Array.isArray(value);
  if (typeof kind === 'string') return typeof value === kind && (kind !== 'number' || !Number.isNaN(value));
  return typeof value === 'object' && value !== null && Object.prototype.isPrototypeOf.call(kind.prototype, value);
}

function lookup(props: unknown, field: string): { parentOk: boolean; value: unknown } {
  let current: unknown = props;
  const parts = field.split('.');
  for (let i = 0; i < parts.length; i++) {
    if (typeof current !== 'object' || current === null) return { parentOk: false, value: undefined };
    current = (current as Record<string, unknown>)[parts[i]];
  }
  return { parentOk: true, value: current };
}

/** Problems with the shapes of `props`; a field whose parent is missing or not an object is left to the parent's rule. */
export function shapeProblems(props: unknown, shapes: readonly PropShape[]): SpecProblem[] {
  const problems: SpecProblem[] = [];
  for (const s of shapes) {
    const { parentOk, value } = lookup(props, s.field);
    if (!parentOk) continue;
    if (value === undefined) {
      if (s.required) problems.push({ field: s.field, given: describeShape(value), allowed: s.array ? `an array of ${kindName(s.kind).replace(/^an? /, '')} values` : kindName(s.kind), fix: `set ${s.field}, e.g. ${s.example}` });
      continue;
    }
    if (isUnresolved(value)) continue;
    if (s.array) {
      if (!Array.isArray(value)) {
        problems.push({ field: s.field, given: describeShape(value), allowed: `an array of ${kindName(s.kind).replace(/^an? /, '')} values`, fix: `e.g. [${s.example}]` });
        continue;
      }
      value.forEach((v, i) => {
        if (!isUnresolved(v) && !matches(v, s.kind)) problems.push({ field: `${s.field}[${i}]`, given: describeShape(v), allowed: kindName(s.kind), fix: `e.g. ${s.example}` });
      });
    } else if (!matches(value, s.kind)) {
      problems.push({ field: s.field, given: describeShape(value), allowed: kindName(s.kind), fix: `e.g. ${s.example}` });
    } else if (s.closed && Object.getPrototypeOf(value) === Object.prototype) {
      const known = shapes.filter((o) => o.field.startsWith(`${s.field}.`) && !o.field.slice(s.field.length + 1).includes('.')).map((o) => o.field.slice(s.field.length + 1));
      for (const key of Object.keys(value as object)) {
        if (known.includes(key) || (value as Record<string, unknown>)[key] === undefined) continue;
        const near = closestMatches(key, known, 1, 3);
        problems.push({ field: `${s.field}.${key}`, given: 'a prop this object does not have', allowed: `the props of ${s.field}: ${known.join(', ')}`,
          fix: near.length > 0 ? `did you mean ${s.field}.${near[0]}?` : `remove ${key}` });
      }
    }
  }
  return problems;
}

/** The shapes of the shared spec (`ModelServingProps`). */
export const SERVING_PROP_SHAPES: readonly PropShape[] = [
  { field: 'model', kind: ModelArtifact, required: true, example: "ModelArtifact.fromFile('model.onnx') or ModelArtifact.fromUri('s3://bucket/model.onnx')" },
  { field: 'metadata', kind: 'object', closed: true, required: true, example: "{ name: 'digits', version: '1.0.0', owner: 'ml-platform' }" },
  { field: 'metadata.name', kind: 'string', required: true, example: "'digits'" },
  { field: 'metadata.version', kind: 'string', required: true, example: "'1.0.0'" },
  { field: 'metadata.owner', kind: 'string', required: true, example: "'ml-platform'" },
  { field: 'metadata.framework', kind: 'string', example: "'pytorch-2.4'" },
  { field: 'metadata.trainedOn', kind: 'string', example: "'2026-10-30'" },
  { field: 'image', kind: ServingImage, example: "ServingImage.bundled() or ServingImage.fromRegistry('<registry>/<repo>:<tag>')" },
  { field: 'accelerator', kind: Accelerator, example: 'Accelerator.NVIDIA_L4' },
  { field: 'acceleratorCount', kind: 'number', example: '1' },
  { field: 'scaling', kind: 'object', closed: true, example: '{ minReplicas: 2, maxReplicas: 4 }' },
  { field: 'scaling.minReplicas', kind: 'number', example: '2' },
  { field: 'scaling.maxReplicas', kind: 'number', example: '4' },
  { field: 'scaling.targets', kind: ScalingTarget, array: true, example: 'ScalingTarget.cpuUtilization(70)' },
  { field: 'scaling.scaleInCooldown', kind: Duration, example: 'Duration.minutes(5)' },
  { field: 'scaling.scaleOutCooldown', kind: Duration, example: 'Duration.minutes(1)' },
  { field: 'server', kind: 'object', closed: true, example: '{ maxBatchSize: 16 }' },
  { field: 'server.maxBatchSize', kind: 'number', example: '16' },
  { field: 'server.maxQueueDelayMs', kind: 'number', example: '5' },
  { field: 'server.maxQueueSize', kind: 'number', example: '256' },
  { field: 'server.warmupRuns', kind: 'number', example: '3' },
  { field: 'server.workers', kind: 'number', example: '2' },
  { field: 'server.allowNonFinite', kind: 'boolean', example: 'false' },
  { field: 'server.tensorRtFp16', kind: 'boolean', example: 'true' },
  { field: 'server.grpc', kind: 'boolean', example: 'true' },
  { field: 'server.requestTimeout', kind: Duration, example: 'Duration.seconds(30)' },
  { field: 'server.maxRequestBodySize', kind: Size, example: 'Size.mebibytes(6)' },
  { field: 'server.executionProviders', kind: ExecutionProvider, array: true, example: 'ExecutionProvider.CPU' },
  { field: 'server.auth', kind: 'object', closed: true, example: "{ jwt: { issuer: 'https://login.example.com/', audience: 'fraud-api', jwksUri: 'https://login.example.com/jwks.json' } }" },
  { field: 'server.auth.apiKeys', kind: ServerSecret, example: "ServerSecret.fromKubernetesSecret('api-keys', 'sha256')" },
  { field: 'server.auth.jwt', kind: 'object', closed: true, example: "{ issuer: 'https://login.example.com/', audience: 'fraud-api', jwksUri: 'https://login.example.com/jwks.json' }" },
  { field: 'server.auth.jwt.issuer', kind: 'string', required: true, example: "'https://login.example.com/'" },
  { field: 'server.auth.jwt.audience', kind: 'string', required: true, example: "'fraud-api'" },
  { field: 'server.auth.jwt.jwksUri', kind: 'string', required: true, example: "'https://login.example.com/.well-known/jwks.json'" },
  { field: 'server.auth.jwt.modelsClaim', kind: 'string', example: "'models'" },
  { field: 'server.auth.requestsPerMinute', kind: 'number', example: '100' },
  { field: 'server.cache', kind: 'object', closed: true, example: "{ redisUrl: ServerSecret.fromKubernetesSecret('redis', 'url') }" },
  { field: 'server.cache.redisUrl', kind: ServerSecret, required: true, example: "ServerSecret.fromKubernetesSecret('redis', 'url')" },
  { field: 'server.cache.ttl', kind: Duration, example: 'Duration.minutes(5)' },
  { field: 'server.cache.enabled', kind: 'boolean', example: 'true' },
  { field: 'server.circuitBreaker', kind: 'object', closed: true, example: '{ consecutiveFailures: 5 }' },
  { field: 'server.circuitBreaker.consecutiveFailures', kind: 'number', example: '5' },
  { field: 'server.circuitBreaker.failureRatio', kind: 'number', example: '0.5' },
  { field: 'server.circuitBreaker.minimumCalls', kind: 'number', example: '20' },
  { field: 'server.circuitBreaker.window', kind: Duration, example: 'Duration.seconds(30)' },
  { field: 'server.circuitBreaker.openDuration', kind: Duration, example: 'Duration.seconds(10)' },
  { field: 'server.circuitBreaker.latencyThreshold', kind: Duration, example: 'Duration.millis(500)' },
  { field: 'server.tracing', kind: 'object', closed: true, example: "{ endpoint: 'http://otel-collector.observability:4318' }" },
  { field: 'server.tracing.endpoint', kind: 'string', required: true, example: "'http://otel-collector.observability:4318'" },
  { field: 'server.tracing.samplerRatio', kind: 'number', example: '0.1' },
  { field: 'server.tracing.serviceName', kind: 'string', example: "'fraud-classifier'" },
  ...guardrailShapes('guardrails'),
];

/**
 * The shapes of the shared gateway spec (`ModelGatewaySpec`, lib/gateway.ts); each backend's ModelGateway adds
 * its own props and `routes` (whose endpoint type is the backend's).
 */
export const GATEWAY_PROP_SHAPES: readonly PropShape[] = [
  { field: 'basePath', kind: 'string', example: "'/api/v1'" },
  { field: 'jwt', kind: 'object', example: "{ issuer: 'https://login.example.com/', audiences: ['models'], jwksUri: 'https://login.example.com/jwks.json' }" },
  { field: 'jwt.issuer', kind: 'string', example: "'https://login.example.com/'" },
  { field: 'jwt.audiences', kind: 'string', array: true, example: "'models'" },
  { field: 'jwt.jwksUri', kind: 'string', example: "'https://login.example.com/.well-known/jwks.json'" },
  { field: 'jwt.modelsClaim', kind: 'string', example: "'models'" },
  { field: 'apiKeys', kind: 'object', example: '{ requestsPerMinute: 100 }' },
  { field: 'apiKeys.header', kind: 'string', example: "'x-api-key'" },
  { field: 'apiKeys.requestsPerMinute', kind: 'number', example: '100' },
  { field: 'allowUnauthenticated', kind: 'boolean', example: 'true' },
  { field: 'cache', kind: 'object', example: '{ ttl: Duration.minutes(5) }' },
  { field: 'cache.ttl', kind: Duration, example: 'Duration.minutes(5)' },
  { field: 'maxRequestBodySize', kind: Size, example: 'Size.mebibytes(1)' },
  { field: 'accessLogs', kind: 'boolean', example: 'true' },
  ...guardrailShapes('guardrails'),
];

/** The shapes of `DashboardOptions` (lib/dashboard.ts), which every backend's ModelEndpointProps extend. */
export const DASHBOARD_PROP_SHAPES: readonly PropShape[] = [
  { field: 'dashboard', kind: 'boolean', example: 'true' },
  { field: 'hourlyPriceUsd', kind: 'number', example: '1.21' },
  { field: 'costPer1000PredictionsAbove', kind: 'number', example: '0.5' },
];

/** The shapes of `GuardrailOptions` under `prefix`. */
export function guardrailShapes(prefix: string): PropShape[] {
  return [
    { field: prefix, kind: 'object', closed: true, example: '{ maxLatency: Duration.millis(300) }' },
    { field: `${prefix}.maxErrorRatePercent`, kind: 'number', example: '1' },
    { field: `${prefix}.maxLatency`, kind: Duration, example: 'Duration.millis(300)' },
    { field: `${prefix}.latencyPercentile`, kind: LatencyPercentile, example: 'LatencyPercentile.P95' },
    { field: `${prefix}.evaluationPeriod`, kind: Duration, example: 'Duration.minutes(1)' },
    { field: `${prefix}.breachingPeriods`, kind: 'number', example: '3' },
  ];
}

/**
 * Checks the shared spec's shapes and `extra` (a backend's own props) and throws one SpecValidationError
 * listing every wrong shape. Backends call it first in their constructor: their own checks and the resolver
 * read the props as typed.
 */
export function throwIfBadPropShapes(owner: string, props: unknown, extra: readonly PropShape[] = []): void {
  const c = new ProblemCollector();
  if (typeof props !== 'object' || props === null) {
    c.add({ field: 'props', given: describeShape(props), allowed: 'an object', fix: 'pass the props object as the third argument' });
  } else {
    const shapes = [...SERVING_PROP_SHAPES, ...extra];
    c.addAll(shapeProblems(props, shapes));
    c.addAll(unknownTopLevelProps(props as Record<string, unknown>, shapes));
  }
  c.throwIfAny(owner);
}

/**
 * A top-level prop the endpoint does not have (a typo such as `guardrail` for `guardrails`: TypeScript refuses
 * it, plain JavaScript would drop it silently). The tables list every prop of each backend's ModelEndpointProps;
 * test/lib/prop-shapes-complete.test.ts checks them against the interfaces, so a real prop is never refused.
 */
function unknownTopLevelProps(props: Record<string, unknown>, shapes: readonly PropShape[]): SpecProblem[] {
  const known = shapes.filter((s) => !s.field.includes('.')).map((s) => s.field);
  return Object.keys(props).filter((key) => props[key] !== undefined && !known.includes(key)).map((key) => {
    const near = closestMatches(key, known, 1, 3);
    return {
      field: key,
      given: 'a prop this construct does not have',
      allowed: `the props of its ModelEndpointProps (${known.length} of them, e.g. ${known.slice(0, 4).join(', ')})`,
      fix: near.length > 0 ? `did you mean ${near[0]}?` : `remove ${key}`,
    };
  });
}

/**
 * Checks `props` against `shapes` only and throws one SpecValidationError listing every wrong shape (the
 * constructs that are not endpoints: rollouts, budget guards, node pools). Internal: not exported from the index.
 */
export function throwIfBadShapes(owner: string, props: unknown, shapes: readonly PropShape[]): void {
  const c = new ProblemCollector();
  if (typeof props !== 'object' || props === null) {
    c.add({ field: 'props', given: describeShape(props), allowed: 'an object', fix: 'pass the props object as the third argument' });
  } else {
    c.addAll(shapeProblems(props, shapes));
  }
  c.throwIfAny(owner);
}

/** The props every backend's CanaryRollout shares; `endpoint` is that backend's ModelEndpoint class. */
export function rolloutPropShapes(endpoint: ShapeClass): PropShape[] {
  return [
    { field: 'endpoint', kind: endpoint, required: true, example: `the ${endpoint.name} to roll out, e.g. new ModelEndpoint(stack, 'Fraud', { ... })` },
    { field: 'policy', kind: RolloutPolicy, required: true, example: 'RolloutPolicy.canary({ trafficPercent: 5, bake: Duration.hours(1) })' },
  ];
}

/** The props every backend's BudgetGuard shares; `endpoint`: the ModelEndpoint class of a backend whose guard lists endpoints. */
export function budgetGuardPropShapes(endpoint?: ShapeClass): PropShape[] {
  return [
    { field: 'budget', kind: 'object', required: true, example: '{ monthlyLimitUsd: 500, action: BudgetAction.NOTIFY }' },
    { field: 'budget.monthlyLimitUsd', kind: 'number', required: true, example: '500' },
    { field: 'budget.alertThresholdsPercent', kind: 'number', array: true, example: '80' },
    { field: 'budget.emails', kind: 'string', array: true, example: "'ml-oncall@example.com'" },
    ...(endpoint ? [{ field: 'endpoints', kind: endpoint, array: true, required: true, example: "new ModelEndpoint(stack, 'Fraud', { ... })" }] : []),
  ];
}

/** The props every backend's GpuNodePool shares. */
export const NODE_POOL_PROP_SHAPES: readonly PropShape[] = [
  { field: 'accelerator', kind: Accelerator, required: true, example: 'Accelerator.NVIDIA_L4' },
  { field: 'minNodes', kind: 'number', example: '0' },
  { field: 'maxNodes', kind: 'number', example: '4' },
];
