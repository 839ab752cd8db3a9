import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveOptions } from '../src/config';
import { downloadGcsPrefix } from '../src/gcs';
import { compareVersions, discoverModels } from '../src/repository';

const none = (): boolean => false;
const names = { modelName: '', modelVersion: '' };

describe('command line and platform variables', () => {
  test('`serve` is accepted and flags win', () => {
    const o = resolveOptions(['serve', '--model-repository', '/models', '--port', '9000'], { SAGEMAKER_BIND_TO_PORT: '8081' }, none);
    expect(o.port).toBe(9000);
    expect(o.source).toEqual({ directory: '/models' });
  });

  test('SageMaker: SAGEMAKER_BIND_TO_PORT and /opt/ml/model', () => {
    const o = resolveOptions(['serve'], { SAGEMAKER_BIND_TO_PORT: '8123', MODEL_SERVER_PORT: '7000' }, (p) => p === '/opt/ml/model');
    expect(o.port).toBe(8123);
    expect(o.source).toEqual({ directory: '/opt/ml/model' });
  });

  test('Vertex AI: AIP_HTTP_PORT, routes, and AIP_STORAGE_URI as gs://, file:// or a path', () => {
    const env = { AIP_HTTP_PORT: '8090', AIP_HEALTH_ROUTE: '/health', AIP_PREDICT_ROUTE: '/predict', AIP_STORAGE_URI: 'gs://bucket/models/m' };
    const o = resolveOptions([], env, none);
    expect(o).toMatchObject({ port: 8090, vertexHealthRoute: '/health', vertexPredictRoute: '/predict', source: { gcsUri: 'gs://bucket/models/m' } });
    expect(resolveOptions([], { AIP_STORAGE_URI: 'file:///data/model' }, none).source).toEqual({ directory: '/data/model' });
    expect(() => resolveOptions([], { AIP_STORAGE_URI: 's3://b/k' }, none)).toThrow(/AIP_STORAGE_URI="s3:\/\/b\/k": only gs:\/\/, file:\/\/ and absolute paths are understood/);
  });

  test('Azure ML: AZUREML_MODEL_DIR and the configurable routes', () => {
    const o = resolveOptions([], { AZUREML_MODEL_DIR: '/var/azureml-app/model', MODEL_SERVER_SCORING_ROUTE: '/score2' }, none);
    expect(o.source).toEqual({ directory: '/var/azureml-app/model' });
    expect(o.config.scoringRoute).toBe('/score2');
  });

  test('a platform HTTP port equal to the default gRPC port turns gRPC off; an explicit clash is refused', () => {
    const o = resolveOptions([], { SAGEMAKER_BIND_TO_PORT: '8081' }, (p) => p === '/opt/ml/model');
    expect(o.port).toBe(8081);
    expect(o.config.grpcPort).toBe(0);
    expect(o.notices).toEqual(['the HTTP port is 8081, the default gRPC port: gRPC is off (set MODEL_SERVER_GRPC_PORT to serve it on another port)']);
    expect(() => resolveOptions([], { MODEL_SERVER_GRPC_PORT: '9000', MODEL_SERVER_PORT: '9000' }, (p) => p === '/mnt/models')).toThrow(
      'MODEL_SERVER_GRPC_PORT=9000 is also the HTTP port; choose another gRPC port or 0 to turn gRPC off',
    );
  });

  test('the drain accept window must end before the drain deadline', () => {
    expect(() => resolveOptions([], { MODEL_SERVER_DRAIN_ACCEPT_SECONDS: '25' }, (p) => p === '/mnt/models')).toThrow(
      'MODEL_SERVER_DRAIN_ACCEPT_SECONDS=25 must be below MODEL_SERVER_DRAIN_SECONDS=25: requests accepted during the window need time to finish before the deadline',
    );
    expect(resolveOptions([], { MODEL_SERVER_DRAIN_ACCEPT_SECONDS: '10', MODEL_SERVER_DRAIN_SECONDS: '40' }, (p) => p === '/mnt/models').config.drainAcceptSeconds).toBe(10);
  });

  test('KServe: /mnt/models; MODEL_SERVER_PORT when no platform port', () => {
    const o = resolveOptions([], { MODEL_SERVER_PORT: '8085' }, (p) => p === '/mnt/models');
    expect(o).toMatchObject({ port: 8085, source: { directory: '/mnt/models' } });
  });

  test.each([
    [['serve', '--bogus'], {}, /unknown argument "--bogus"/],
    [['serve', '--port'], {}, /--port needs a value/],
    [['--model', 'a.onnx', '--model-repository', 'b'], {}, /--model and --model-repository are exclusive/],
    [['--model', 'a.onnx'], { SAGEMAKER_BIND_TO_PORT: 'eighty' }, /SAGEMAKER_BIND_TO_PORT="eighty" is not a TCP port/],
    [['--model', 'a.onnx'], { MODEL_SERVER_WARMUP_RUNS: '-1', MODEL_SERVER_LOG_LEVEL: 'loud' }, /MODEL_SERVER_WARMUP_RUNS="-1" is not an integer from 0 to 1000\n {2}MODEL_SERVER_LOG_LEVEL="loud" is not one of fatal/],
    [[], {}, /no model to serve: pass --model-repository DIR or --model FILE/],
  ] as const)('%j %j is refused', (argv, env, message) => {
    expect(() => resolveOptions(argv, env, none)).toThrow(message);
  });
});

describe('model layouts', () => {
  const dir = (): string => mkdtempSync(join(tmpdir(), 'layout-'));
  const put = (path: string): void => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, 'x');
  };

  test('model.onnx directly inside (SageMaker, KServe), named by the variables', () => {
    const d = dir();
    put(join(d, 'model.onnx'));
    expect(discoverModels({ directory: d }, { modelName: 'digits', modelVersion: '3' })).toEqual([
      { name: 'digits', version: '3', modelPath: join(d, 'model.onnx'), goldenDir: join(d, 'golden') },
    ]);
    expect(discoverModels({ directory: d }, names)[0]).toMatchObject({ name: 'model', version: '1' });
  });

  test('exactly one *.onnx file', () => {
    const d = dir();
    put(join(d, 'exported.onnx'));
    expect(discoverModels({ directory: d }, names)[0]!.modelPath).toBe(join(d, 'exported.onnx'));
  });

  test('a model folder with versions, and a repository of models and versions', () => {
    const d = dir();
    put(join(d, 'digits', '1', 'model.onnx'));
    put(join(d, 'digits', '10', 'model.onnx'));
    put(join(d, 'other', '2', 'model.onnx'));
    const found = discoverModels({ directory: d }, names).map((m) => `${m.name}/${m.version}`);
    expect(found.sort()).toEqual(['digits/1', 'digits/10', 'other/2']);
    expect(discoverModels({ directory: join(d, 'digits') }, names).map((m) => `${m.name}/${m.version}`)).toEqual(['digits/1', 'digits/10']);
  });

  test('a single sub-folder is descended into (Azure ML)', () => {
    const d = dir();
    put(join(d, 'my-model', 'model.onnx'));
    expect(discoverModels({ directory: d }, names)[0]!.modelPath).toBe(join(d, 'my-model', 'model.onnx'));
  });

  test('--model FILE', () => {
    const d = dir();
    put(join(d, 'resnet.onnx'));
    expect(discoverModels({ file: join(d, 'resnet.onnx') }, names)[0]).toMatchObject({ name: 'resnet', version: '1', goldenDir: join(d, 'golden') });
    expect(() => discoverModels({ file: join(d, 'missing.onnx') }, names)).toThrow(/--model .*missing\.onnx: no such file/);
  });

  test('versions sort numerically, the highest is the default', () => {
    expect(['10', '9', '1'].sort(compareVersions)).toEqual(['1', '9', '10']);
  });
});

test('gs:// download: token from the metadata server, objects from the JSON API', async () => {
  const calls: string[] = [];
  const fake = (async (url: string | URL, init?: { headers?: Record<string, string> }) => {
    const u = String(url);
    calls.push(u);
    if (u.startsWith('http://metadata.google.internal/')) {
      expect(init?.headers?.['Metadata-Flavor']).toBe('Google');
      return new Response(JSON.stringify({ access_token: 'tok' }));
    }
    expect(init?.headers?.Authorization).toBe('Bearer tok');
    if (u.includes('/o?')) return new Response(JSON.stringify({ items: [{ name: 'models/m/1/model.onnx' }, { name: 'models/m/1/' }] }));
    return new Response('onnx-bytes');
  }) as unknown as typeof fetch;
  const target = mkdtempSync(join(tmpdir(), 'gcs-'));
  expect(await downloadGcsPrefix('gs://bucket/models/m', target, fake)).toBe(1);
  expect(readFileSync(join(target, '1', 'model.onnx'), 'utf8')).toBe('onnx-bytes');
  expect(calls[1]).toBe('https://storage.googleapis.com/storage/v1/b/bucket/o?prefix=models%2Fm%2F');
  const offline = (async () => {
    throw new Error('getaddrinfo ENOTFOUND metadata.google.internal');
  }) as unknown as typeof fetch;
  await expect(downloadGcsPrefix('gs://bucket/m', target, offline)).rejects.toThrow(/no access token from the GCE metadata server .*copy the model into the container and pass --model-repository/);
});
