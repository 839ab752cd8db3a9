/**
 * Entry point of the image: `node dist/main.js serve ...` (and `healthcheck`, the image's HEALTHCHECK). Only reads configuration, builds the server and
 * listens; SIGTERM drains within MODEL_SERVER_DRAIN_SECONDS and exits 0.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, resolveOptions } from './config';
import { downloadGcsPrefix } from './gcs';
import { healthcheck } from './healthcheck';
import { discoverModels, ModelDiscoveryError } from './repository';
import { buildServer } from './server';

async function main(): Promise<void> {
  let options;
  try {
    options = resolveOptions(process.argv.slice(2), process.env);
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
  });
  let stopping = false;
  const drain = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal, drainSeconds: options.config.drainSeconds }, 'shutting down');
    app.beginDrain();
    const deadline = setTimeout(() => {
      app.log.error({ drainSeconds: options.config.drainSeconds }, 'drain deadline reached; exiting with requests still in flight');
      process.exit(1);
    }, options.config.drainSeconds * 1000);
    deadline.unref();
    app.close().then(
      () => {
        app.log.info('drained; exiting');
        process.exit(0);
      },
      (error: unknown) => {
        app.log.error({ err: error }, 'error while closing');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => drain('SIGTERM'));
  process.on('SIGINT', () => drain('SIGINT'));
  await app.listen({ host: '0.0.0.0', port: options.port });
  app.log.info({ models: models.map((m) => `${m.name}/${m.version}`) }, 'loading models');
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
