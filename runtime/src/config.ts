/**
 * Reads the command line and the environment: the server's own variables through lib/contract.ts (the
 * definitions the constructs render), plus the variables each platform sets by itself.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tracingSettings } from './tracing';
import { MODEL_DIRECTORIES, parseServerEnvironment, PLATFORM_ENV, SERVER_ENV, type ServerConfig } from '../../lib/contract';

export const USAGE = `usage: model-server serve [--model-repository DIR | --model FILE] [--port N]

Without a flag the model comes from AZUREML_MODEL_DIR, AIP_STORAGE_URI, /opt/ml/model or /mnt/models
(the first that is set or exists). See runtime/README.md for every variable.`;

export class ConfigurationError extends Error {}

export interface ModelSource {
  readonly file?: string;
  readonly directory?: string;
  /** gs:// URI to download first (Vertex AI). */
  readonly gcsUri?: string;
}

export interface ResolvedOptions {
  readonly config: ServerConfig;
  readonly port: number;
  readonly source: ModelSource;
  readonly vertexHealthRoute?: string;
  readonly vertexPredictRoute?: string;
  /** Adjustments made to the configuration, for the log. */
  readonly notices: readonly string[];
}

interface Flags {
  modelRepository?: string;
  model?: string;
  port?: string;
}

export function parseArgs(argv: readonly string[]): Flags {
  const args = [...argv];
  if (args[0] === 'serve') args.shift();
  const flags: Flags = {};
  while (args.length > 0) {
    const arg = args.shift()!;
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? args.shift();
      if (v === undefined || v === '') throw new ConfigurationError(`${name} needs a value\n${USAGE}`);
      return v;
    };
    if (name === '--model-repository') flags.modelRepository = value();
    else if (name === '--model') flags.model = value();
    else if (name === '--port') flags.port = value();
    else if (name === '--help' || name === '-h') throw new ConfigurationError(USAGE);
    else throw new ConfigurationError(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`);
  }
  if (flags.model && flags.modelRepository) throw new ConfigurationError(`--model and --model-repository are exclusive\n${USAGE}`);
  return flags;
}

function portFrom(variable: string, raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(n) || n < 1 || n > 65535) {
    throw new ConfigurationError(`${variable}=${JSON.stringify(raw)} is not a TCP port (an integer from 1 to 65535)`);
  }
  return n;
}

function routeFrom(variable: string, raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!raw.startsWith('/')) throw new ConfigurationError(`${variable}=${JSON.stringify(raw)} must be an absolute URL path`);
  return raw;
}

/** The port the server listens on: the platform's variable (SageMaker, Vertex AI) wins over the server's own. */
export function listenPort(config: ServerConfig, env: Readonly<Record<string, string | undefined>>): number {
  let port = config.port;
  if (env[SERVER_ENV.port.name] === undefined || env[PLATFORM_ENV.sagemakerPort] || env[PLATFORM_ENV.vertexPort]) {
    if (env[PLATFORM_ENV.vertexPort]) port = portFrom(PLATFORM_ENV.vertexPort, env[PLATFORM_ENV.vertexPort]!);
    if (env[PLATFORM_ENV.sagemakerPort]) port = portFrom(PLATFORM_ENV.sagemakerPort, env[PLATFORM_ENV.sagemakerPort]!);
  }
  return port;
}

/**
 * What the single variables cannot say alone: JWT needs an issuer and an audience, a JWKS file must exist,
 * a cache needs a Redis URL and the models to cache (and the reverse).
 */
function featureProblems(config: ServerConfig, env: Readonly<Record<string, string | undefined>>, exists: (path: string) => boolean): { variable: string; given: string; allowed: string }[] {
  const out: { variable: string; given: string; allowed: string }[] = [];
  const given = (name: string): string => JSON.stringify(env[name] ?? '');
  if (config.jwtJwksUri !== '') {
    for (const key of ['jwtIssuer', 'jwtAudience'] as const) {
      if (config[key] === '') out.push({ variable: SERVER_ENV[key].name, given: given(SERVER_ENV[key].name), allowed: `set when ${SERVER_ENV.jwtJwksUri.name} is (tokens are checked against it)` });
    }
    if (config.jwtJwksUri.startsWith('/') && !exists(config.jwtJwksUri)) {
      out.push({ variable: SERVER_ENV.jwtJwksUri.name, given: given(SERVER_ENV.jwtJwksUri.name), allowed: 'an https:// URL or the path of an existing JWKS file' });
    }
  }
  if (config.cacheRedisUrl !== '' && config.cacheModels.length === 0) {
    out.push({ variable: SERVER_ENV.cacheModels.name, given: given(SERVER_ENV.cacheModels.name), allowed: `a list of models (or *) when ${SERVER_ENV.cacheRedisUrl.name} is set: caching is per model opt-in` });
  }
  if (config.cacheModels.length > 0 && config.cacheRedisUrl === '') {
    out.push({ variable: SERVER_ENV.cacheRedisUrl.name, given: '""', allowed: `a redis:// or rediss:// URL when ${SERVER_ENV.cacheModels.name} is set` });
  }
  return out;
}

export function resolveOptions(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  exists: (path: string) => boolean = existsSync,
  /** Variables filled from MODEL_SERVER_SECRET_REFS: a message names them, never shows their value. */
  secretNames: ReadonlySet<string> = new Set(),
): ResolvedOptions {
  const flags = parseArgs(argv);
  const parsed = parseServerEnvironment(env);
  const problems = [...parsed.problems, ...featureProblems(parsed.config, env, exists), ...tracingSettings(env).problems];
  let config = parsed.config;
  const notices: string[] = [];
  if (problems.length > 0) {
    throw new ConfigurationError(
      `invalid configuration:\n${problems.map((p) => `  ${p.variable}=${secretNames.has(p.variable) ? '(the value of its secret reference, not shown)' : p.given} is not ${p.allowed}`).join('\n')}`,
    );
  }
  if (config.apiKeyHmacSha256.length > 0 && config.apiKeySalt === '') {
    throw new ConfigurationError(
      `${SERVER_ENV.apiKeyHmacSha256.name} is set but ${SERVER_ENV.apiKeySalt.name} is not: the digests are HMAC-SHA-256 keyed with that salt (printf %s "$KEY" | openssl dgst -sha256 -hmac "$SALT")`,
    );
  }
  if (config.apiKeySha256.length > 0) {
    notices.push(
      `${SERVER_ENV.apiKeySha256.name} holds unsalted SHA-256 digests, which can be cracked offline when keys are short: prefer ${SERVER_ENV.apiKeyHmacSha256.name} with ${SERVER_ENV.apiKeySalt.name}`,
    );
  }
  let port = listenPort(config, env);
  if (flags.port !== undefined) port = portFrom('--port', flags.port);
  if (config.drainAcceptSeconds >= config.drainSeconds) {
    throw new ConfigurationError(
      `${SERVER_ENV.drainAcceptSeconds.name}=${config.drainAcceptSeconds} must be below ${SERVER_ENV.drainSeconds.name}=${config.drainSeconds}: requests accepted during the window need time to finish before the deadline`,
    );
  }
  if (config.grpcPort === port) {
    if (env[SERVER_ENV.grpcPort.name] !== undefined) {
      throw new ConfigurationError(
        `${SERVER_ENV.grpcPort.name}=${config.grpcPort} is also the HTTP port; choose another gRPC port or 0 to turn gRPC off`,
      );
    }
    // A platform chose the gRPC default as the HTTP port (SAGEMAKER_BIND_TO_PORT, AIP_HTTP_PORT): HTTP wins.
    notices.push(`the HTTP port is ${port}, the default gRPC port: gRPC is off (set ${SERVER_ENV.grpcPort.name} to serve it on another port)`);
    config = { ...config, grpcPort: 0 };
  }
  if (config.metricsPort !== 0 && (config.metricsPort === port || config.metricsPort === config.grpcPort)) {
    throw new ConfigurationError(
      `${SERVER_ENV.metricsPort.name}=${config.metricsPort} is also the ${config.metricsPort === port ? 'HTTP' : 'gRPC'} port; choose another metrics port, or 0 to serve /metrics on the HTTP port`,
    );
  }

  let source: ModelSource;
  const storage = env[PLATFORM_ENV.vertexStorageUri];
  if (flags.model) source = { file: flags.model };
  else if (flags.modelRepository) source = { directory: flags.modelRepository };
  else if (env[PLATFORM_ENV.azureModelDir]) source = { directory: env[PLATFORM_ENV.azureModelDir]! };
  else if (storage) {
    if (storage.startsWith('gs://')) source = { gcsUri: storage };
    else if (storage.startsWith('file://')) source = { directory: fileURLToPath(storage) };
    else if (storage.startsWith('/')) source = { directory: storage };
    else throw new ConfigurationError(`${PLATFORM_ENV.vertexStorageUri}=${JSON.stringify(storage)}: only gs://, file:// and absolute paths are understood`);
  } else if (exists(MODEL_DIRECTORIES.sagemaker)) source = { directory: MODEL_DIRECTORIES.sagemaker };
  else if (exists(MODEL_DIRECTORIES.kserve)) source = { directory: MODEL_DIRECTORIES.kserve };
  else {
    throw new ConfigurationError(
      `no model to serve: pass --model-repository DIR or --model FILE, or set ${PLATFORM_ENV.azureModelDir} or ${PLATFORM_ENV.vertexStorageUri}, or mount ${MODEL_DIRECTORIES.sagemaker} or ${MODEL_DIRECTORIES.kserve}\n${USAGE}`,
    );
  }
  return {
    config,
    port,
    source,
    vertexHealthRoute: routeFrom(PLATFORM_ENV.vertexHealthRoute, env[PLATFORM_ENV.vertexHealthRoute]),
    vertexPredictRoute: routeFrom(PLATFORM_ENV.vertexPredictRoute, env[PLATFORM_ENV.vertexPredictRoute]),
    notices,
  };
}
