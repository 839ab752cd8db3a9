/**
 * Entry point of the image: `node dist/main.js serve ...` (and `healthcheck`, the image's HEALTHCHECK). Only
 * reads configuration, builds the server and listens (HTTP, gRPC unless MODEL_SERVER_GRPC_PORT=0, metrics when
 * MODEL_SERVER_METRICS_PORT is set);
 * SIGTERM drains within MODEL_SERVER_DRAIN_SECONDS and exits 0.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, resolveOptions } from './config';
import { downloadGcsPrefix } from './gcs';
import { healthcheck } from './healthcheck';
import { discoverModels, ModelDiscoveryError } from './repository';
import { resolveSecretRefs, SecretResolutionError } from './secrets';
import { buildServer } from './server';

async function main(): Promise<void> {
  // Secrets by reference first (MODEL_SERVER_SECRET_REFS): their values join the environment, under those
  // names only, before any variable is read. Values are never logged.
  let secretNames: ReadonlySet<string>;
  try {
    const values = await resolveSecretRefs(process.env);
    for (const [name, value] of Object.entries(values)) process.env[name] = value;
    secretNames = new Set(Object.keys(values));
  } catch (error) {
    if (error instanceof SecretResolutionError) {
      process.stderr.write(`model-server: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  let options;
  try {
    options = resolveOptions(process.argv.slice(2), process.env, undefined, secretNames);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`model-server: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  let directory = options.source.directory;
  if (options.source.gcsUri) {
    directory = mkdtempSync(join(tmpdir(), 'model-'));
    const count = await downloadGcsPrefix(options.source.gcsUri, directory);
    process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), msg: `downloaded ${count} objects from ${options.source.gcsUri}` })}\n`);
  }
  let models;
  try {
    models = discoverModels({ file: options.source.file, directory }, options.config);
  } catch (error) {
    if (error instanceof ModelDiscoveryError) {
      process.stderr.write(`model-server: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const app = buildServer({
    config: options.config,
    models,
    vertexHealthRoute: options.vertexHealthRoute,
    vertexPredictRoute: options.vertexPredictRoute,
    tracingEnv: process.env,
  });
  let stopping = false;
  /**
   * Shutdown timeline (README "Shutdown"): at 0 s readiness turns false and requests are still served; at
   * MODEL_SERVER_DRAIN_ACCEPT_SECONDS the listeners close and every request that arrived is answered; then
   * the workers end and the process exits 0. At MODEL_SERVER_DRAIN_SECONDS it exits 1.
   */
  const drain = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    const { drainSeconds, drainAcceptSeconds } = options.config;
    app.log.info({ signal, drainSeconds, drainAcceptSeconds }, 'shutting down');
    const deadline = setTimeout(() => {
      exitAtDeadline(app.inNativeCall, { drainSeconds, msg: 'drain deadline reached; exiting with requests still in flight' });
    }, drainSeconds * 1000);
    deadline.unref();
    app.shutdown(drainAcceptSeconds * 1000).then(
      () => {
        app.log.info('drained; exiting');
        process.exit(EXIT_DRAINED);
      },
      (error: unknown) => {
        exitAtDeadline(app.inNativeCall, { error: error instanceof Error ? error.message : String(error), msg: 'error while closing' });
      },
    );
  };
  process.on('SIGTERM', () => drain('SIGTERM'));
  process.on('SIGINT', () => drain('SIGINT'));
  try {
    await app.listen({ host: '0.0.0.0', port: options.port });
    if (options.config.grpcPort > 0) {
      const grpcPort = await app.listenGrpc(options.config.grpcPort);
      app.log.info({ port: grpcPort }, 'gRPC (inference.GRPCInferenceService) listening');
    }
    if (options.config.metricsPort > 0) {
      const metricsPort = await app.listenMetrics(options.config.metricsPort);
      app.log.info({ port: metricsPort }, 'metrics listening (GET /metrics); the HTTP port no longer serves /metrics');
    }
  } catch (error) {
    // Workers may be loading a model: stop them between native calls before exiting.
    process.stderr.write(`model-server: ${error instanceof Error ? error.message : String(error)}\n`);
    await app.close().catch(() => undefined);
    process.exit(1);
  }
  for (const notice of options.notices) app.log.warn(notice);
  if (secretNames.size > 0) app.log.info({ variables: [...secretNames] }, 'variables resolved from secret references');
  app.log.info({ models: models.map((m) => `${m.name}/${m.version}`) }, 'loading models');
}

const EXIT_DRAINED = 0;
const EXIT_DEADLINE = 1;

/**
 * Exit at the drain deadline. Exiting stops the worker threads, and a worker stopped inside onnxruntime
 * aborts the process (SIGABRT, a core dump, a crash report). When a native call is still running, the
 * server ends itself with SIGKILL instead (status 137), as the platform would moments later.
 */
function exitAtDeadline(inNativeCall: boolean, entry: Record<string, unknown>): void {
  // Written directly: pino's asynchronous stream may not flush before the process ends.
  const line = (fields: Record<string, unknown>): string => `${JSON.stringify({ level: 50, time: Date.now(), pid: process.pid, ...fields })}\n`;
  let text = line(entry);
  if (inNativeCall) text += line({ msg: 'an onnxruntime call is still running and cannot be interrupted; ending with SIGKILL' });
  process.stdout.write(text, () => {
    if (inNativeCall) process.kill(process.pid, 'SIGKILL');
    else process.exit(EXIT_DEADLINE);
  });
}

if (process.argv[2] === 'healthcheck') {
  void healthcheck(process.env).then((code) => process.exit(code));
} else {
  main().catch(fail);
}

function fail(error: unknown): void {
  process.stderr.write(`model-server: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
