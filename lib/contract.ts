/**
 * The contract between the constructs and the bundled model server: environment variable names, their
 * formats and defaults, routes and ports. Both sides import this file (the constructs to render the
 * environment, runtime/ to read it), so neither can drift from the other.
 *
 * This module imports nothing: runtime/ bundles it into the server image.
 */

export const DEFAULT_PORT = 8080;

/**
 * Port of the Open Inference Protocol's gRPC service (`inference.GRPCInferenceService`), HTTP/2 without TLS
 * (h2c). Kubernetes Services and KServe expose it with `appProtocol: GRPC_APP_PROTOCOL`; SageMaker forwards
 * HTTP/1.1 only and cannot reach it.
 */
export const DEFAULT_GRPC_PORT = 8081;

/**
 * Port of the separate metrics listener (`GET /metrics` only) where a platform scrapes the pods and a network
 * policy can admit the scraper to it alone (the Kubernetes plain flavour). 9464 is none of the ports Knative
 * reserves (knative/serving pkg/apis/serving/k8s_validation.go `reservedPorts`: 8012, 8013, 8022, 9090, 9091,
 * 8008) and neither serving port. The server's default is 0: metrics on the serving port.
 */
export const DEFAULT_METRICS_PORT = 9464;

/** Kubernetes `appProtocol` of the gRPC port: cleartext HTTP/2 (KEP-3726 standard application protocol). */
export const GRPC_APP_PROTOCOL = 'kubernetes.io/h2c';

/** Response bodies SageMaker forwards at most (the smallest platform limit): the default response cap. */
export const DEFAULT_MAX_RESPONSE_BYTES = 6_291_456;

/** Routes every deployment of the server answers, whatever the platform. */
export const ROUTES = {
  live: '/v2/health/live',
  ready: '/v2/health/ready',
  serverMetadata: '/v2',
  modelMetadata: '/v2/models/:model',
  modelVersionMetadata: '/v2/models/:model/versions/:version',
  modelReady: '/v2/models/:model/ready',
  modelVersionReady: '/v2/models/:model/versions/:version/ready',
  infer: '/v2/models/:model/infer',
  versionInfer: '/v2/models/:model/versions/:version/infer',
  sagemakerPing: '/ping',
  sagemakerInvocations: '/invocations',
  metrics: '/metrics',
} as const;

/** Builds the OIP infer path for a model (and optional version). */
export function inferPath(model: string, version?: string): string {
  const base = `/v2/models/${encodeURIComponent(model)}`;
  return version === undefined ? `${base}/infer` : `${base}/versions/${encodeURIComponent(version)}/infer`;
}

/** Where each platform puts the model files before the server starts. */
export const MODEL_DIRECTORIES = {
  sagemaker: '/opt/ml/model',
  kserve: '/mnt/models',
} as const;

/** Variables the platforms set themselves; the server honours them, the constructs never set them. */
export const PLATFORM_ENV = {
  sagemakerPort: 'SAGEMAKER_BIND_TO_PORT',
  vertexPort: 'AIP_HTTP_PORT',
  vertexHealthRoute: 'AIP_HEALTH_ROUTE',
  vertexPredictRoute: 'AIP_PREDICT_ROUTE',
  vertexStorageUri: 'AIP_STORAGE_URI',
  azureModelDir: 'AZUREML_MODEL_DIR',
} as const;

/**
 * Lingering close (as nginx's lingering_close): after an answer sent before the request was read to its end
 * (413, 401, 408), the server stops writing, then reads and drops what the client still sends, so the client
 * can finish sending and read the answer instead of meeting a reset. The connection is destroyed when the
 * client closes, after `idleMs` without data, or after `totalMs` in all.
 */
export const LINGERING_CLOSE = { idleMs: 5_000, totalMs: 30_000 } as const;

/** Seconds the server takes at most to drain on SIGTERM; platforms must grant more than this. */
export const DEFAULT_DRAIN_SECONDS = 25;

export const EXECUTION_PROVIDERS = ['tensorrt', 'cuda', 'cpu'] as const;
export type ExecutionProviderName = (typeof EXECUTION_PROVIDERS)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The request header the server reads an API key from (besides `Authorization: Bearer <key>`): runtime/src/auth.ts.
 * A gateway in front keeps this header on the way to the server when the server checks API keys.
 */
export const SERVER_API_KEY_HEADER = 'x-api-key';

/** Asymmetric JWS algorithms the server can accept (RFC 7518 section 3.1, RFC 8037); never `none` or HS*. */
export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/**
 * The OpenTelemetry SDK variables the server reads for tracing (the specification's own names; "SDK
 * environment variables" in opentelemetry-specification). runtime/src/tracing.ts parses them; the constructs
 * render them (renderTracingEnvironment). Nothing is traced when neither endpoint variable is set.
 */
export const OTEL_ENV = {
  endpoint: 'OTEL_EXPORTER_OTLP_ENDPOINT',
  tracesEndpoint: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  protocol: 'OTEL_EXPORTER_OTLP_PROTOCOL',
  tracesProtocol: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
  headers: 'OTEL_EXPORTER_OTLP_HEADERS',
  tracesHeaders: 'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
  serviceName: 'OTEL_SERVICE_NAME',
  sampler: 'OTEL_TRACES_SAMPLER',
  samplerArg: 'OTEL_TRACES_SAMPLER_ARG',
  sdkDisabled: 'OTEL_SDK_DISABLED',
  exporter: 'OTEL_TRACES_EXPORTER',
} as const;

/** Tracing as the constructs configure it: where spans go, under which service name, and which share of new traces. */
export interface TracingEnvironment {
  /** Base URL of an OTLP/HTTP receiver (the server appends /v1/traces). */
  readonly endpoint: string;
  readonly serviceName: string;
  /** Share (0-1) of traces started here that are sampled; a caller's sampled flag is followed. Undefined: all. */
  readonly samplerRatio?: number;
}

/**
 * The OTEL_* variables for `t`. A ratio below 1 selects `parentbased_traceidratio` (the specification's
 * sampler that follows the caller's decision and samples that share of root traces); otherwise the server's
 * default (`parentbased_always_on`) stays.
 */
export function renderTracingEnvironment(t: TracingEnvironment): Record<string, string> {
  const env: Record<string, string> = { [OTEL_ENV.endpoint]: t.endpoint, [OTEL_ENV.serviceName]: t.serviceName };
  if (t.samplerRatio !== undefined && t.samplerRatio < 1) {
    env[OTEL_ENV.sampler] = 'parentbased_traceidratio';
    env[OTEL_ENV.samplerArg] = String(t.samplerRatio);
  }
  return env;
}

/**
 * A secret the server fetches itself at start, with the platform's managed identity, and puts into its own
 * environment under the variable's name (MODEL_SERVER_SECRET_REFS). The constructs render references only;
 * the value never enters a template, a manifest or Terraform state.
 * - `aws-secretsmanager`: Secrets Manager GetSecretValue on `secretId` (an ARN) with the execution role's
 *   credentials; with `jsonField`, that key of the JSON SecretString.
 * - `gcp-secretmanager`: Secret Manager `projects/<p>/secrets/<s>/versions/<version>:access` with the
 *   service account's token from the metadata server.
 * - `azure-keyvault`: Key Vault GET `<secretId>` (`https://<vault>.vault.azure.net/secrets/<name>[/<version>]`)
 *   with the managed identity's token.
 */
export type SecretRef =
  | { readonly source: 'aws-secretsmanager'; readonly secretId: string; readonly jsonField?: string }
  | { readonly source: 'gcp-secretmanager'; readonly name: string; readonly version: string }
  | { readonly source: 'azure-keyvault'; readonly secretId: string };

/** Variable name -> where its value comes from. */
export type SecretRefs = Readonly<Record<string, SecretRef>>;

export const SECRET_REF_SOURCES = ['aws-secretsmanager', 'gcp-secretmanager', 'azure-keyvault'] as const;

/** Formats of the references' parts (the stores' own naming rules); lib/secret.ts checks the spec with them. */
export const SECRET_REF_FORMATS = {
  awsArn: /^arn:aws(-[a-z]+)*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/,
  awsJsonField: /^[A-Za-z0-9_.-]{1,128}$/,
  gcpName: /^projects\/[a-z0-9-]{1,63}\/secrets\/[A-Za-z0-9_-]{1,255}$/,
  gcpVersion: /^(latest|[1-9]\d{0,18})$/,
  azureSecretId: /^https:\/\/[a-z0-9-]{3,24}\.vault\.(azure\.net|azure\.cn|usgovcloudapi\.net)\/secrets\/[A-Za-z0-9-]{1,127}(\/[0-9a-f]{32})?$/,
} as const;

function isSecretRef(value: unknown): value is SecretRef {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  const keys = Object.keys(v).sort().join(',');
  const str = (k: string, re: RegExp) => typeof v[k] === 'string' && re.test(v[k] as string);
  switch (v.source) {
    case 'aws-secretsmanager':
      return (keys === 'secretId,source' || keys === 'jsonField,secretId,source') && str('secretId', SECRET_REF_FORMATS.awsArn) &&
        (v.jsonField === undefined || str('jsonField', SECRET_REF_FORMATS.awsJsonField));
    case 'gcp-secretmanager':
      return keys === 'name,source,version' && str('name', SECRET_REF_FORMATS.gcpName) && str('version', SECRET_REF_FORMATS.gcpVersion);
    case 'azure-keyvault':
      return keys === 'secretId,source' && str('secretId', SECRET_REF_FORMATS.azureSecretId);
    default:
      return false;
  }
}

/**
 * The references in MODEL_SERVER_SECRET_REFS, or undefined when the text is not a JSON object whose keys are
 * the server's own variables (never MODEL_SERVER_SECRET_REFS itself) and whose values are `SecretRef`s.
 */
export function parseSecretRefs(raw: string): SecretRefs | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const names = new Set(Object.values(SERVER_ENV).map((s) => s.name));
  for (const [name, ref] of Object.entries(value)) {
    if (name === SECRET_REFS_VARIABLE || !names.has(name) || !isSecretRef(ref)) return undefined;
  }
  return value as SecretRefs;
}

/** Name of the variable that holds the secret references. */
export const SECRET_REFS_VARIABLE = 'MODEL_SERVER_SECRET_REFS';

/**
 * The server's configuration as both sides see it.
 *
 * @jsii ignore TypeScript-only (lib/README.md "jsii and Python"): the server contract; Python users set these through `ServerSettings`.
 */
export interface ServerConfig {
  readonly port: number;
  /** Name the single model is served under (OIP `model_name`). Empty: derived from the repository. */
  readonly modelName: string;
  /** Version the single model is served as. Empty: derived from the repository. */
  readonly modelVersion: string;
  /** JSON of the model signature the constructs saw at synth time; empty when not known. */
  readonly modelSignature: string;
  readonly maxBatchSize: number;
  readonly maxQueueDelayMs: number;
  readonly maxQueueSize: number;
  readonly requestTimeoutMs: number;
  readonly maxRequestBodyBytes: number;
  readonly executionProviders: readonly ExecutionProviderName[];
  readonly warmupRuns: number;
  readonly workers: number;
  readonly intraOpThreads: number;
  readonly allowNonFinite: boolean;
  /** TensorRT builds its engines in FP16 where the GPU has fast FP16 (onnxruntime's ORT_TENSORRT_FP16_ENABLE). */
  readonly tensorRtFp16: boolean;
  readonly drainSeconds: number;
  readonly logLevel: LogLevel;
  /** Unsalted SHA-256 hex digests of accepted API keys (kept for compatibility; prefer apiKeyHmacSha256). */
  readonly apiKeySha256: readonly string[];
  /** HMAC-SHA-256 (keyed with apiKeySalt) hex digests of accepted API keys. */
  readonly apiKeyHmacSha256: readonly string[];
  /** The per-deployment salt apiKeyHmacSha256 digests are keyed with. */
  readonly apiKeySalt: string;
  /** Failed API-key attempts one client (remote address) may make per minute before 429; 0 turns it off. */
  readonly authFailuresPerMinute: number;
  /** Requests per second per API key (token bucket refill); 0 turns the limit off. */
  readonly rateLimitPerSecond: number;
  readonly rateLimitBurst: number;
  readonly goldenTolerance: number;
  readonly livenessRoute: string;
  readonly readinessRoute: string;
  readonly scoringRoute: string;
  /** JWKS of the JWT issuer: an https:// URL or an absolute file path; empty turns JWT authentication off. */
  readonly jwtJwksUri: string;
  /** Required `iss` of every JWT. */
  readonly jwtIssuer: string;
  /** Required `aud` (one of) of every JWT. */
  readonly jwtAudience: string;
  /** Asymmetric signature algorithms accepted (never `none` or HMAC). */
  readonly jwtAlgorithms: readonly JwtAlgorithm[];
  /** Leeway for `exp` and `nbf`, in seconds. */
  readonly jwtClockSkewSeconds: number;
  /** Claim listing the models a token may call (array or space-separated string); empty: any model. */
  readonly jwtModelsClaim: string;
  /** Requests per minute per API key or JWT subject (sliding window); 0 turns the limit off. */
  readonly rateLimitPerMinute: number;
  /** redis:// or rediss:// URL of the prediction cache; empty turns the cache off. */
  readonly cacheRedisUrl: string;
  /** Seconds a cached prediction lives. */
  readonly cacheTtlSeconds: number;
  /** Models whose predictions are cached (names, or `*` for every model). */
  readonly cacheModels: readonly string[];
  /** Longest wait for Redis per lookup; slower lookups are served uncached. */
  readonly cacheTimeoutMs: number;
  /** Models guarded by a circuit breaker (names, or `*` for every model); empty: none. */
  readonly breakerModels: readonly string[];
  /** Consecutive failures that open the breaker; 0 turns this trigger off. */
  readonly breakerConsecutiveFailures: number;
  /** Share of failed calls (0-0.99) over the window above which the breaker opens; 0 turns this trigger off. */
  readonly breakerFailureRatio: number;
  /** Fewest calls in the window before the ratio counts. */
  readonly breakerMinimumCalls: number;
  /** Window over which the failure ratio is measured, in seconds. */
  readonly breakerWindowSeconds: number;
  /** Seconds the breaker stays open before a half-open probe. */
  readonly breakerOpenSeconds: number;
  /** A successful call slower than this counts as a failure; 0 turns this trigger off. */
  readonly breakerLatencyMs: number;
  /** gRPC port (OIP GRPCInferenceService); 0 turns gRPC off. */
  readonly grpcPort: number;
  /**
   * Port of the metrics listener, which serves `GET /metrics` only; the serving port then answers 404 there.
   * 0: `/metrics` is served on the serving port (SageMaker, Vertex AI, Azure ML route one port).
   */
  readonly metricsPort: number;
  /** Longest time from a request's headers to the end of its body before 408. */
  readonly bodyTimeoutMs: number;
  /** Longest time to receive a request's headers before 408. */
  readonly headerTimeoutMs: number;
  /** Longest time a client may take to read an answer (HTTP) or a gRPC response before its connection/stream is cut. */
  readonly writeTimeoutMs: number;
  /** Most gRPC calls open at once on one HTTP/2 connection (SETTINGS_MAX_CONCURRENT_STREAMS). */
  readonly grpcMaxConcurrentStreams: number;
  /** Seconds after SIGTERM during which new connections and requests are still served (readiness false). */
  readonly drainAcceptSeconds: number;
  /** Largest response body; larger answers are refused (4xx before the run when predictable, 5xx after). */
  readonly maxResponseBytes: number;
  /** Models whose warm-up runs take less than this (median, microseconds) run on the event loop when idle. */
  readonly inlineRunMaxMicros: number;
  /** Variables the server fetches from a cloud secret store at start (resolved before the rest is read). */
  readonly secretRefs: SecretRefs;
}

interface VarSpec<T> {
  readonly name: string;
  readonly default: T;
  readonly doc: string;
  /** Human description of the allowed values, used in error messages. */
  readonly allowed: string;
  parse(raw: string): T | undefined;
  format(value: T): string;
}

function intVar(name: string, def: number, min: number, max: number, doc: string): VarSpec<number> {
  return {
    name,
    default: def,
    doc,
    allowed: `an integer from ${min} to ${max}`,
    parse: (raw) => {
      if (!/^-?\d+$/.test(raw.trim())) return undefined;
      const n = Number(raw);
      return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
    },
    format: (v) => String(v),
  };
}

function numberVar(name: string, def: number, min: number, max: number, doc: string): VarSpec<number> {
  return {
    name,
    default: def,
    doc,
    allowed: `a number from ${min} to ${max}`,
    parse: (raw) => {
      if (raw.trim() === '') return undefined;
      const n = Number(raw);
      return Number.isFinite(n) && n >= min && n <= max ? n : undefined;
    },
    format: (v) => String(v),
  };
}

function stringVar(name: string, def: string, pattern: RegExp, allowed: string, doc: string): VarSpec<string> {
  return {
    name,
    default: def,
    doc,
    allowed,
    parse: (raw) => (raw === '' || pattern.test(raw) ? raw : undefined),
    format: (v) => v,
  };
}

function boolVar(name: string, def: boolean, doc: string): VarSpec<boolean> {
  return {
    name,
    default: def,
    doc,
    allowed: '"true" or "false"',
    parse: (raw) => (raw === 'true' ? true : raw === 'false' ? false : undefined),
    format: (v) => String(v),
  };
}

function listVar<T extends string>(
  name: string,
  def: readonly T[],
  isItem: (item: string) => boolean,
  allowed: string,
  doc: string,
  allowEmpty: boolean,
): VarSpec<readonly T[]> {
  return {
    name,
    default: def,
    doc,
    allowed,
    parse: (raw) => {
      const items = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
      if (items.length === 0 && !allowEmpty) return undefined;
      if (!items.every(isItem) || new Set(items).size !== items.length) return undefined;
      return items as T[];
    },
    format: (v) => v.join(','),
  };
}

function enumVar<T extends string>(name: string, def: T, values: readonly T[], doc: string): VarSpec<T> {
  return {
    name,
    default: def,
    doc,
    allowed: `one of ${values.join(', ')}`,
    parse: (raw) => ((values as readonly string[]).includes(raw) ? (raw as T) : undefined),
    format: (v) => v,
  };
}

const ROUTE_PATTERN = /^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/;

/**
 * Every variable the server reads, keyed by its `ServerConfig` field. The single source of names,
 * defaults and formats.
 */
export const SERVER_ENV: { readonly [K in keyof ServerConfig]: VarSpec<ServerConfig[K]> } = {
  port: intVar('MODEL_SERVER_PORT', DEFAULT_PORT, 1, 65535, 'TCP port; SAGEMAKER_BIND_TO_PORT and AIP_HTTP_PORT win when set'),
  modelName: stringVar('MODEL_SERVER_MODEL_NAME', '', /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'letters, digits, ".", "_" and "-", at most 128', 'name the model is served under'),
  modelVersion: stringVar('MODEL_SERVER_MODEL_VERSION', '', /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, ".", "_" and "-", at most 64', 'version the model is served as'),
  modelSignature: stringVar('MODEL_SERVER_MODEL_SIGNATURE', '', /^\{.*\}$/s, 'a JSON object', 'signature seen at synth time; the server refuses readiness if the loaded model differs'),
  maxBatchSize: intVar('MODEL_SERVER_MAX_BATCH_SIZE', 8, 1, 1024, 'largest dynamic batch; 1 turns batching off'),
  maxQueueDelayMs: intVar('MODEL_SERVER_MAX_QUEUE_DELAY_MS', 2, 0, 10_000, 'upper bound on a request\'s wait for batch-mates; an idle worker waits only while more request bodies are arriving'),
  maxQueueSize: intVar('MODEL_SERVER_MAX_QUEUE_SIZE', 256, 1, 1_000_000, 'queued requests per model before 503'),
  requestTimeoutMs: intVar('MODEL_SERVER_REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000, 'per-request deadline, queue wait included'),
  maxRequestBodyBytes: intVar('MODEL_SERVER_MAX_REQUEST_BODY_BYTES', 6_291_456, 1024, 1_073_741_824, 'request bodies above this get 413 before parsing'),
  executionProviders: listVar<ExecutionProviderName>(
    'MODEL_SERVER_EXECUTION_PROVIDERS',
    ['cpu'],
    (s) => (EXECUTION_PROVIDERS as readonly string[]).includes(s),
    `a comma-separated list, without repeats, of ${EXECUTION_PROVIDERS.join(', ')}`,
    'execution providers tried in order; the first that loads is used',
    false,
  ),
  warmupRuns: intVar('MODEL_SERVER_WARMUP_RUNS', 3, 0, 1000, 'warm-up runs per worker before readiness (samples from warmup/*.json, else synthetic inputs)'),
  workers: intVar('MODEL_SERVER_WORKERS', 1, 1, 64, 'inference worker threads per model'),
  intraOpThreads: intVar('MODEL_SERVER_INTRA_OP_THREADS', 0, 0, 256, 'onnxruntime intra-op threads per session; 0: onnxruntime chooses for the worker sessions, one thread for the event-loop session of a tiny model'),
  allowNonFinite: boolVar('MODEL_SERVER_ALLOW_NON_FINITE', false, 'accept NaN and Infinity in float inputs'),
  tensorRtFp16: boolVar('MODEL_SERVER_TENSORRT_FP16', false, 'TensorRT engines in FP16 precision (sets onnxruntime\'s ORT_TENSORRT_FP16_ENABLE before any session); only with the tensorrt provider'),
  drainSeconds: intVar('MODEL_SERVER_DRAIN_SECONDS', DEFAULT_DRAIN_SECONDS, 1, 3600, 'longest SIGTERM drain before exit'),
  logLevel: enumVar<LogLevel>('MODEL_SERVER_LOG_LEVEL', 'info', LOG_LEVELS, 'pino log level'),
  apiKeySha256: listVar<string>(
    'MODEL_SERVER_API_KEY_SHA256',
    [],
    (s) => /^[0-9a-f]{64}$/.test(s),
    'a comma-separated list of lower-case hex SHA-256 digests (64 characters each)',
    'accepted API keys, as digests; empty turns authentication off',
    true,
  ),
  apiKeyHmacSha256: listVar<string>(
    'MODEL_SERVER_API_KEY_HMAC_SHA256',
    [],
    (s) => /^[0-9a-f]{64}$/.test(s),
    'a comma-separated list of lower-case hex HMAC-SHA-256 digests (64 characters each), keyed with MODEL_SERVER_API_KEY_SALT',
    'accepted API keys, as salted digests: printf %s "$KEY" | openssl dgst -sha256 -hmac "$MODEL_SERVER_API_KEY_SALT"',
    true,
  ),
  apiKeySalt: stringVar('MODEL_SERVER_API_KEY_SALT', '', /^[\x21-\x7e]{16,256}$/, '16 to 256 printable ASCII characters without spaces', 'per-deployment salt (HMAC key) of MODEL_SERVER_API_KEY_HMAC_SHA256'),
  authFailuresPerMinute: intVar('MODEL_SERVER_AUTH_FAILURES_PER_MINUTE', 30, 0, 1_000_000, 'failed API-key attempts per client address per minute before every attempt from it gets 429 with Retry-After; 0 is off'),
  rateLimitPerSecond: numberVar('MODEL_SERVER_RATE_LIMIT_PER_SECOND', 0, 0, 1_000_000, 'token refill per second per API key; 0 is off'),
  rateLimitBurst: intVar('MODEL_SERVER_RATE_LIMIT_BURST', 0, 0, 1_000_000, 'token bucket size; 0 means one second of refill'),
  goldenTolerance: numberVar('MODEL_SERVER_GOLDEN_TOLERANCE', 1e-4, 0, 1, 'largest absolute difference the golden self-check accepts'),
  livenessRoute: stringVar('MODEL_SERVER_LIVENESS_ROUTE', ROUTES.live, ROUTE_PATTERN, 'an absolute URL path', 'extra liveness route (Azure ML)'),
  readinessRoute: stringVar('MODEL_SERVER_READINESS_ROUTE', ROUTES.ready, ROUTE_PATTERN, 'an absolute URL path', 'extra readiness route (Azure ML)'),
  scoringRoute: stringVar('MODEL_SERVER_SCORING_ROUTE', '/score', ROUTE_PATTERN, 'an absolute URL path', 'scoring route (Azure ML)'),
  jwtJwksUri: stringVar('MODEL_SERVER_JWT_JWKS_URI', '', /^(https:\/\/[^\s]+|\/[^\s]*)$/, 'an https:// URL or an absolute file path', 'JWKS of the token issuer (keys cached; refetched, at most every 30 s, on an unknown kid); empty turns JWT authentication off'),
  jwtIssuer: stringVar('MODEL_SERVER_JWT_ISSUER', '', /^\S+$/, 'a non-empty string without spaces', 'required iss claim; needed when MODEL_SERVER_JWT_JWKS_URI is set'),
  jwtAudience: stringVar('MODEL_SERVER_JWT_AUDIENCE', '', /^\S+$/, 'a non-empty string without spaces', 'required aud claim; needed when MODEL_SERVER_JWT_JWKS_URI is set'),
  jwtAlgorithms: listVar<JwtAlgorithm>(
    'MODEL_SERVER_JWT_ALGORITHMS',
    ['RS256', 'ES256', 'EdDSA'],
    (s) => (JWT_ALGORITHMS as readonly string[]).includes(s),
    `a comma-separated list, without repeats, of ${JWT_ALGORITHMS.join(', ')}`,
    'signature algorithms accepted; none and HMAC are never accepted',
    false,
  ),
  jwtClockSkewSeconds: intVar('MODEL_SERVER_JWT_CLOCK_SKEW_SECONDS', 30, 0, 300, 'leeway for exp and nbf'),
  jwtModelsClaim: stringVar('MODEL_SERVER_JWT_MODELS_CLAIM', '', /^[A-Za-z0-9_.:/-]{1,128}$/, 'a claim name (letters, digits, "_", ".", ":", "/", "-")', 'claim listing the models a token may call (array or space-separated string; 403 otherwise); empty: any model'),
  rateLimitPerMinute: intVar('MODEL_SERVER_RATE_LIMIT_PER_MINUTE', 0, 0, 1_000_000, 'requests per minute per API key or JWT subject (sliding window, 429 with Retry-After); 0 is off'),
  cacheRedisUrl: stringVar('MODEL_SERVER_CACHE_REDIS_URL', '', /^rediss?:\/\/\S+$/, 'a redis:// or rediss:// URL', 'Redis for the prediction cache (credentials in the URL); empty turns the cache off'),
  cacheTtlSeconds: intVar('MODEL_SERVER_CACHE_TTL_SECONDS', 300, 1, 2_592_000, 'seconds a cached prediction lives'),
  cacheModels: listVar<string>(
    'MODEL_SERVER_CACHE_MODELS',
    [],
    (s) => s === '*' || /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(s),
    'a comma-separated list, without repeats, of model names, or *',
    'models whose predictions are cached (* for all)',
    true,
  ),
  cacheTimeoutMs: intVar('MODEL_SERVER_CACHE_TIMEOUT_MS', 25, 1, 10_000, 'longest wait for Redis per lookup; slower or failed lookups are served uncached'),
  breakerModels: listVar<string>(
    'MODEL_SERVER_BREAKER_MODELS',
    [],
    (s) => s === '*' || /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(s),
    'a comma-separated list, without repeats, of model names, or *',
    'models guarded by a circuit breaker (* for all); empty: none',
    true,
  ),
  breakerConsecutiveFailures: intVar('MODEL_SERVER_BREAKER_CONSECUTIVE_FAILURES', 5, 0, 1_000_000, 'consecutive failures that open the breaker; 0 turns this trigger off'),
  breakerFailureRatio: numberVar('MODEL_SERVER_BREAKER_FAILURE_RATIO', 0.5, 0, 0.99, 'the breaker opens when the share of failed calls in the window is above this; 0 turns this trigger off'),
  breakerMinimumCalls: intVar('MODEL_SERVER_BREAKER_MINIMUM_CALLS', 20, 1, 1_000_000, 'fewest calls in the window before the failure ratio counts'),
  breakerWindowSeconds: intVar('MODEL_SERVER_BREAKER_WINDOW_SECONDS', 30, 1, 3600, 'window of the failure ratio'),
  breakerOpenSeconds: intVar('MODEL_SERVER_BREAKER_OPEN_SECONDS', 10, 1, 3600, 'seconds open before one half-open probe'),
  breakerLatencyMs: intVar('MODEL_SERVER_BREAKER_LATENCY_MS', 0, 0, 3_600_000, 'a successful run slower than this counts as a failure; 0 turns this trigger off'),
  grpcPort: intVar('MODEL_SERVER_GRPC_PORT', DEFAULT_GRPC_PORT, 0, 65535, 'OIP gRPC port (cleartext HTTP/2); 0 turns gRPC off'),
  metricsPort: intVar('MODEL_SERVER_METRICS_PORT', 0, 0, 65535, 'port of a separate listener that serves only GET /metrics (the serving port then answers 404 there); 0 keeps /metrics on the serving port'),
  bodyTimeoutMs: intVar('MODEL_SERVER_BODY_TIMEOUT_MS', 30_000, 1000, 3_600_000, 'longest time to receive a request body (gRPC: the request message) after its headers; slower clients get 408 (gRPC: DEADLINE_EXCEEDED)'),
  headerTimeoutMs: intVar('MODEL_SERVER_HEADER_TIMEOUT_MS', 30_000, 1000, 600_000, 'longest time to receive request headers; slower clients get 408'),
  writeTimeoutMs: intVar('MODEL_SERVER_WRITE_TIMEOUT_MS', 30_000, 1000, 3_600_000, 'longest time a client may take to read an answer once it is sent; a client that stops reading has its connection (gRPC: stream) cut and the answer dropped'),
  grpcMaxConcurrentStreams: intVar('MODEL_SERVER_GRPC_MAX_CONCURRENT_STREAMS', 100, 1, 10_000, 'gRPC calls open at once on one HTTP/2 connection (SETTINGS_MAX_CONCURRENT_STREAMS)'),
  drainAcceptSeconds: intVar('MODEL_SERVER_DRAIN_ACCEPT_SECONDS', 5, 0, 3600, 'seconds after SIGTERM that new requests are still served (readiness already false); must be below MODEL_SERVER_DRAIN_SECONDS'),
  inlineRunMaxMicros: intVar('MODEL_SERVER_INLINE_RUN_MAX_US', 500, 0, 10_000, 'a CPU model whose fastest warm-up run takes less than this many microseconds runs a request on the event loop, without the worker hop, when nothing else is queued or running; 0 turns it off'),
  maxResponseBytes: intVar('MODEL_SERVER_MAX_RESPONSE_BYTES', DEFAULT_MAX_RESPONSE_BYTES, 1024, 1_073_741_824, 'largest response body; bigger answers are refused with a reason'),
  secretRefs: {
    name: SECRET_REFS_VARIABLE,
    default: {},
    doc: 'JSON object: server variable name -> {"source":"aws-secretsmanager","secretId":ARN[,"jsonField":KEY]}, {"source":"gcp-secretmanager","name":"projects/P/secrets/S","version":V} or {"source":"azure-keyvault","secretId":URL}; fetched once at start with the platform identity, before the other variables are read; a failure stops the start',
    allowed: `a JSON object from server variable names to {"source": ${SECRET_REF_SOURCES.join(' | ')}, ...} references`,
    parse: parseSecretRefs,
    format: (v) => JSON.stringify(v),
  },
};

export interface ContractProblem {
  readonly variable: string;
  readonly given: string;
  readonly allowed: string;
}

/** The server's defaults. */
export function defaultServerConfig(): ServerConfig {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(SERVER_ENV)) out[key] = spec.default;
  return out as unknown as ServerConfig;
}

/**
 * Reads the server configuration from an environment. Unset variables take their defaults; a set but
 * malformed variable is a problem (the server refuses to start rather than guess).
 */
export function parseServerEnvironment(env: Readonly<Record<string, string | undefined>>): {
  config: ServerConfig;
  problems: ContractProblem[];
} {
  const out: Record<string, unknown> = {};
  const problems: ContractProblem[] = [];
  for (const [key, spec] of Object.entries(SERVER_ENV) as [keyof ServerConfig, VarSpec<unknown>][]) {
    const raw = env[spec.name];
    if (raw === undefined) {
      out[key] = spec.default;
      continue;
    }
    const value = spec.parse(raw);
    if (value === undefined) {
      problems.push({ variable: spec.name, given: JSON.stringify(raw), allowed: spec.allowed });
      out[key] = spec.default;
    } else {
      out[key] = value;
    }
  }
  return { config: out as unknown as ServerConfig, problems };
}

/**
 * Renders settings as environment variables, leaving out those equal to the default so templates stay
 * short. Throws if a value would not parse back (a bug in the caller's validation, not user input).
 */
export function renderServerEnvironment(settings: Partial<ServerConfig>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(settings) as [keyof ServerConfig, unknown][]) {
    if (value === undefined) continue;
    const spec = SERVER_ENV[key] as VarSpec<unknown>;
    if (!spec) throw new Error(`renderServerEnvironment: unknown setting ${String(key)}`);
    const text = spec.format(value);
    if (text === spec.format(spec.default)) continue;
    if (spec.parse(text) === undefined) {
      throw new Error(`renderServerEnvironment: ${spec.name}=${JSON.stringify(text)} is not ${spec.allowed}`);
    }
    env[spec.name] = text;
  }
  return env;
}

/** A model input or output as the server and the constructs describe it. */
export interface TensorSpec {
  readonly name: string;
  /** OIP datatype: BOOL, UINT8, ..., FP16, FP32, FP64, BYTES, BF16. */
  readonly datatype: string;
  /** Dimensions; -1 for a dynamic one. */
  readonly shape: number[];
  /**
   * Symbolic names of dynamic dimensions, aligned with `shape` (null for static or unnamed ones).
   *
   * TypeScript-only (null in an array, which jsii cannot model; a signature read from the file keeps it, one given in another language has none; lib/README.md "jsii and Python").
   * @jsii ignore
   */
  readonly dimNames?: readonly (string | null)[];
}

/** What the server needs to know about a model to validate requests: the model's signature. */
export interface ModelSignature {
  /** Highest default-domain (ai.onnx) opset the model imports. */
  readonly opset: number;
  readonly inputs: TensorSpec[];
  readonly outputs: TensorSpec[];
}

/** ONNX TensorProto.DataType number to OIP datatype. */
export const ONNX_TO_OIP_DATATYPE: Readonly<Record<number, string>> = {
  1: 'FP32',
  2: 'UINT8',
  3: 'INT8',
  4: 'UINT16',
  5: 'INT16',
  6: 'INT32',
  7: 'INT64',
  8: 'BYTES',
  9: 'BOOL',
  10: 'FP16',
  11: 'FP64',
  12: 'UINT32',
  13: 'UINT64',
  14: 'COMPLEX64',
  15: 'COMPLEX128',
  16: 'BF16',
};

/** OIP datatypes onnxruntime-node can feed and fetch. */
export const SERVABLE_DATATYPES: readonly string[] = [
  'BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES',
];

/**
 * Highest ai.onnx opset the bundled onnxruntime (1.30) loads (measured: 26 loads, 27 is refused). A model
 * above it fails at synth time
 * rather than at container start.
 */
export const MAX_SUPPORTED_OPSET = 26;

/**
 * User and group id the server runs as: in the CPU and GPU images (`USER`) and in every pod spec
 * (`runAsUser`/`runAsGroup`). Not root, and outside the ranges distributions hand to their own users.
 */
export const SERVER_USER_ID = 65532;

/**
 * Scheduling contract between a GPU node pool (EKS, GKE, AKS or Karpenter) and the Kubernetes
 * ModelEndpoint: pools label their nodes with the accelerator and taint them; GPU pods select the label,
 * tolerate the taint and request the device plugin's resource.
 */
export const NODE_SCHEDULING = {
  /** Node (and pod) label whose value is `Accelerator.nodeLabelValue`, e.g. `nvidia-l4`. */
  acceleratorLabel: 'model-serving.dev/accelerator',
  /** Extended resource the NVIDIA device plugin advertises; also the GPU taint's key. */
  gpuResource: 'nvidia.com/gpu',
  /** Taint on GPU nodes so only pods that tolerate it (and request GPUs) land there. */
  gpuTaint: { key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' },
} as const;

/** Label names on the server's Prometheus metrics. */
export const METRIC_LABELS = {
  model: 'model',
  version: 'version',
  route: 'route',
  code: 'code',
  provider: 'provider',
  requested: 'requested',
  reason: 'reason',
  output: 'output',
  class: 'class',
  result: 'result',
  limit: 'limit',
  state: 'state',
} as const;
type MetricLabel = (typeof METRIC_LABELS)[keyof typeof METRIC_LABELS];

/**
 * TypeScript-only (generic, which jsii cannot model; the server contract; lib/README.md "jsii and Python").
 * @jsii ignore
 */
export interface MetricSpec<L extends MetricLabel = MetricLabel> {
  readonly name: string;
  readonly help: string;
  readonly labels: readonly L[];
}

function metric<L extends MetricLabel>(name: string, help: string, labels: readonly L[]): MetricSpec<L> {
  return { name, help, labels };
}

const { model: M, version: V, route: R, code: C, provider: P, requested: Q, reason: E, output: O, class: K, result: X, limit: L, state: S } = METRIC_LABELS;

/**
 * Every metric the server exports on /metrics. runtime/src/metrics.ts registers exactly these; the
 * constructs build their autoscaling, rollout-analysis and alerting queries from them (see PROMQL).
 * Names follow Triton's where one exists (`inference_count` / `inference_exec_count`: their ratio is the
 * mean batch size).
 */
export const SERVER_METRICS = {
  requests: metric('model_server_requests_total', 'HTTP requests answered, by model, version, route and status code', [M, V, R, C]),
  requestDuration: metric('model_server_request_duration_seconds', 'Total time from request received to response sent', [M, V, R]),
  queueDuration: metric('model_server_queue_duration_seconds', 'Time a request waited in the batching queue before its execution started', [M, V]),
  inferenceDuration: metric('model_server_inference_duration_seconds', 'onnxruntime session.run time per execution (one batch)', [M, V, P]),
  batchSize: metric('model_server_batch_size', 'Rows per execution', [M, V]),
  queueDepth: metric('model_server_queue_depth', 'Requests waiting for an execution (Triton: pending request count)', [M, V]),
  inflight: metric('model_server_inflight_requests', 'Requests accepted and not yet answered', [M, V]),
  inferenceCount: metric('model_server_inference_count', 'Inferences performed (one per batch row)', [M, V]),
  execCount: metric('model_server_inference_exec_count', 'Model executions (session.run calls); inference_count / exec_count is the mean batch size', [M, V]),
  failures: metric('model_server_inference_failures_total', 'Inference requests that failed, by reason', [M, V, E]),
  predictedClass: metric(
    'model_server_predicted_class_total',
    'Predicted classes (argmax of a [batch, classes] float output, or the value of an integer [batch] label output)',
    [M, V, O, K],
  ),
  authFailures: metric('model_server_auth_failures_total', 'Requests refused for their API key: reason missing, invalid, or limited (the client is over its failed-attempt limit)', [E]),
  transportRefusals: metric(
    'model_server_transport_refusals_total',
    'Requests and connections cut or refused below the API: read_timeout, write_timeout, body_too_large, metadata_too_large, headers_too_large, invalid_message, malformed, verifying_limit (gRPC calls of one connection waiting for their JWT beyond the limit)',
    [E],
  ),
  modelReady: metric('model_server_model_ready', '1 when the model version is ready to serve', [M, V, P]),
  providerInfo: metric('model_server_execution_provider_info', 'Execution provider in use per model version (value 1), with the configured list', [M, V, P, Q]),
  cacheRequests: metric('model_server_cache_requests_total', 'Prediction cache lookups, by result: hit, miss or error (Redis slow or down: served uncached)', [M, V, X]),
  rateLimited: metric('model_server_rate_limited_requests_total', 'Requests refused with 429, by the limit that refused them (per_second or per_minute)', [L]),
  breakerState: metric('model_server_circuit_breaker_state', 'Circuit breaker state per model version: 1 for the current state (closed, open, half_open), 0 for the others', [M, V, S]),
  fallbackResponses: metric('model_server_fallback_responses_total', 'Answers given from the model\'s fallback.json (or refused with 503 when it has none) while its breaker was open', [M, V, X]),
} as const;

/** Labels Prometheus adds to every series it scrapes from a pod (Prometheus Operator and kubernetes_sd). */
export const PROMETHEUS_TARGET_LABELS = { namespace: 'namespace', pod: 'pod' } as const;

/**
 * Labels that name the workload's namespace and pod on dcgm-exporter's series. dcgm-exporter's pod mapping
 * writes `namespace` and `pod`; its Helm chart scrapes it through a ServiceMonitor with `honorLabels: false`
 * (NVIDIA/dcgm-exporter deployment/values.yaml `serviceMonitor.honorLabels`, templates/service-monitor.yaml),
 * so Prometheus keeps its own target labels (the exporter pod's) and renames the exporter's to
 * `exported_namespace` / `exported_pod` (Prometheus scrape_config `honor_labels` documentation).
 */
export const DCGM_WORKLOAD_LABELS = { namespace: 'exported_namespace', pod: 'exported_pod' } as const;

/** Which series a query reads: always one model in one namespace, optionally some of its pods. */
export interface MetricScope {
  readonly namespace: string;
  readonly model: string;
  /** Regular expression the `pod` label must match, e.g. `digits-.*`. @default - every pod */
  readonly podPattern?: string;
}

function selector(scope: MetricScope, extra: readonly string[] = [], withModel = true): string {
  const q = (v: string) => JSON.stringify(v);
  const parts = [`${PROMETHEUS_TARGET_LABELS.namespace}=${q(scope.namespace)}`];
  if (withModel) parts.push(`${METRIC_LABELS.model}=${q(scope.model)}`);
  if (scope.podPattern !== undefined) parts.push(`${PROMETHEUS_TARGET_LABELS.pod}=~${q(scope.podPattern)}`);
  return `{${[...parts, ...extra].join(',')}}`;
}

/**
 * The PromQL the constructs generate from the server's metrics (KEDA triggers, Argo analysis, alerts),
 * each scoped to one namespace and one model so two endpoints never read each other's traffic.
 */
export const PROMQL = {
  /** Requests per second over `window` (a PromQL duration such as `1m`). */
  requestRate(scope: MetricScope, window: string): string {
    return `sum(rate(${SERVER_METRICS.requests.name}${selector(scope)}[${window}]))`;
  },
  /** Share (0-1) of requests answered 5xx; 0 when there was no traffic. */
  errorRatio(scope: MetricScope, window: string): string {
    const errors = `sum(rate(${SERVER_METRICS.requests.name}${selector(scope, [`${METRIC_LABELS.code}=~"5.."`])}[${window}]))`;
    return `(${errors} or vector(0)) / clamp_min(${PROMQL.requestRate(scope, window)}, 1e-9)`;
  },
  /** Request latency in seconds at `quantile` (0-1); NaN when there was no traffic. */
  latencyQuantile(scope: MetricScope, quantile: number, window: string): string {
    return `histogram_quantile(${quantile}, sum by (le) (rate(${SERVER_METRICS.requestDuration.name}_bucket${selector(scope)}[${window}])))`;
  },
  /** Requests accepted and not yet answered (running and queued), summed over the scope's pods. */
  inflight(scope: MetricScope): string {
    return `sum(${SERVER_METRICS.inflight.name}${selector(scope)})`;
  },
  /** Requests waiting for an execution, summed over the scope's pods. */
  queueDepth(scope: MetricScope): string {
    return `sum(${SERVER_METRICS.queueDepth.name}${selector(scope)})`;
  },
  /**
   * Mean GPU utilization (percent) of the scope's pods, from dcgm-exporter's Kubernetes pod mapping, as
   * scraped through dcgm-exporter's own ServiceMonitor (DCGM_WORKLOAD_LABELS).
   */
  gpuUtilization(scope: MetricScope): string {
    const q = (v: string) => JSON.stringify(v);
    const parts = [`${DCGM_WORKLOAD_LABELS.namespace}=${q(scope.namespace)}`];
    if (scope.podPattern !== undefined) parts.push(`${DCGM_WORKLOAD_LABELS.pod}=~${q(scope.podPattern)}`);
    return `avg(DCGM_FI_DEV_GPU_UTIL{${parts.join(',')}})`;
  },
} as const;
