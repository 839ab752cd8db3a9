/**
 * docs/runbooks/adding-a-model.md, followed step by step: the blocks marked `<!-- runbook: <step> -->` are run
 * (shell) or applied (the table entry) in a copy of the repository's model folders, the platform is
 * synthesized with the fourth model, and the new model must have its endpoint, gateway route, alerts, canary
 * and scaling. If the runbook's steps stop producing a working model, this fails.
 * What the commands must match comes from the synthesized objects (checked strictly against the vendored CRDs
 * here too) and from the registry `npm run synth` reads (scripts/backends.json).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdk8s';
import { Duration, ExecutionProvider, ModelArtifact } from '../../lib';
import { PLATFORM, PLATFORM_SETTINGS, PlatformModel, platformModelFile } from '../../examples/platform/models';
import { PLATFORM_NAMESPACE, buildK8sPlatform } from '../../examples/platform/k8s';
import { PLATFORM_AWS_STACK, buildAwsPlatform } from '../../examples/platform/aws';
import { BACKENDS } from '../../scripts/backends';
import { Manifest, expectSchemaValid, findAll, findOne } from '../support/k8s-helpers';

const ROOT = join(__dirname, '..', '..');
const RUNBOOK = readFileSync(join(ROOT, 'docs', 'runbooks', 'adding-a-model.md'), 'utf8');

/** The fenced block after `<!-- runbook: <step> -->`. */
function block(step: string): string {
  const m = new RegExp(`<!-- runbook: ${step} -->\\s*\`\`\`[a-z]*\\n([\\s\\S]*?)\\n\`\`\``).exec(RUNBOOK);
  if (!m) throw new Error(`docs/runbooks/adding-a-model.md has no block marked "runbook: ${step}"`);
  return m[1];
}

/**
 * Runs a shell block in `cwd`, every line checked (`set -e`). `--norc`: bash started with a socket as stdin and
 * SHLVL below 2 takes itself for an rsh session and sources /etc/bash.bashrc, whose `$PS1` test fails under `-u`
 * (bash(1) INVOCATION); stdin is /dev/null for the same reason.
 */
function run(script: string, cwd: string): { status: number | null; stdout: string; stderr: string } {
  const out = spawnSync('bash', ['--norc', '--noprofile', '-euo', 'pipefail', '-c', script], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

/** The table entry of step 2, evaluated with the names models.ts has in scope. */
function entryOf(text: string): PlatformModel {
  const expression = text.trim().replace(/,$/, '');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('platformModelFile', 'Duration', 'ExecutionProvider', `return (${expression});`)(platformModelFile, Duration, ExecutionProvider) as PlatformModel;
}

/** A copy of the repository's model folders, where the runbook's commands run. */
function checkout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'runbook-'));
  cpSync(join(ROOT, 'examples', 'platform-models'), join(dir, 'examples', 'platform-models'), { recursive: true });
  mkdirSync(join(dir, 'examples', 'models'), { recursive: true });
  cpSync(join(ROOT, 'examples', 'models', 'digits-classifier'), join(dir, 'examples', 'models', 'digits-classifier'), { recursive: true });
  return dir;
}

/** What `npm run synth` does for the platform (scripts/synth.ts with the registry's entry), in `dir`. */
function synth(models: readonly PlatformModel[], dir: string): Manifest[] {
  const platform = BACKENDS.find((b) => b.id === 'k8s')!.platform!;
  const { app, chart } = buildK8sPlatform(models, join(dir, platform.output), { root: dir });
  app.synth();
  return Testing.synth(chart) as Manifest[];
}

const dir = checkout();
const exported = run(block('export'), dir);
const entry = entryOf(block('entry'));
const docs = synth([...PLATFORM, entry], dir);
const name = entry.name;

test('step 1: the export command puts the model where the table convention says', () => {
  expect(exported).toMatchObject({ status: 0, stderr: '' });
  expect(entry.modelFile).toBe(platformModelFile(name));
  // Byte for byte, compared as base64 text: jest's toEqual walks a 438 kB Buffer element by element (seconds).
  expect(readFileSync(join(dir, entry.modelFile)).toString('base64')).toBe(readFileSync(join(ROOT, 'examples', 'models', 'digits-classifier', '1', 'model.onnx')).toString('base64'));
});

test('step 2: the entry is one new model with every field of the table', () => {
  expect(name).toBe('digits');
  expect(PLATFORM.map((m) => m.name)).not.toContain(name);
  expect(Object.keys(entry).sort()).toEqual(expect.arrayContaining(Object.keys(PLATFORM.find((m) => m.compute === entry.compute)!).filter((k) => !['cache', 'circuitBreaker'].includes(k)).sort()));
});

test('step 2: the entry type-checks as a PlatformModel where the runbook puts it (tsc, the names models.ts imports)', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'runbook-tsc-')), 'entry.ts');
  const lib = JSON.stringify(join(ROOT, 'lib'));
  const models = JSON.stringify(join(ROOT, 'examples', 'platform', 'models'));
  writeFileSync(file, [
    `import { Duration, ExecutionProvider } from ${lib};`,
    `import { PlatformModel, platformModelFile } from ${models};`,
    'void Duration; void ExecutionProvider;',
    `export const entry: PlatformModel = ${block('entry').trim().replace(/,$/, '')};`,
    '',
  ].join('\n'));
  const tsc = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['--ignoreConfig', '--noEmit', '--strict', '--target', 'ES2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--skipLibCheck', '--esModuleInterop', '--resolveJsonModule', file], { cwd: ROOT, encoding: 'utf8' });
  expect(tsc.stdout + tsc.stderr).toBe('');
  expect(tsc.status).toBe(0);
});

test('step 3: `npm run synth` is the command, and it writes the platform where step 4 looks', () => {
  expect(block('synth').trim()).toBe('npm run synth');
  const platform = BACKENDS.find((b) => b.id === 'k8s')!.platform!;
  expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.synth).toMatch(/scripts\/synth\.ts/);
  const file = join(platform.output, 'platform.k8s.yaml');
  expect(existsSync(join(dir, file))).toBe(true);
  for (const step of ['check', 'deploy']) expect(block(step)).toContain(file);
});

describe('the fourth model has everything the other three have', () => {
  test('its endpoint: a Rollout on the CPU pool serving the exported file from the models claim', () => {
    const r = findOne(docs, 'Rollout', name);
    expect(r.metadata.namespace).toBe(PLATFORM_NAMESPACE);
    expect(r.spec.template.spec.nodeSelector).toEqual({ 'karpenter.sh/nodepool': 'cpu-serving' });
    expect(r.spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'model', mountPath: '/mnt/models', readOnly: true, subPath: `${name}/1` });
    const env = Object.fromEntries((r.spec.template.spec.containers[0].env as Manifest[]).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ MODEL_SERVER_MODEL_NAME: name, MODEL_SERVER_MAX_BATCH_SIZE: '16', MODEL_SERVER_MAX_QUEUE_DELAY_MS: '5', OTEL_EXPORTER_OTLP_ENDPOINT: PLATFORM_SETTINGS.tracingEndpoint });
    expect(JSON.parse(env.MODEL_SERVER_MODEL_SIGNATURE!)).toEqual(JSON.parse(JSON.stringify(ModelArtifact.fromFile(join(dir, entry.modelFile)).signature)));
  });

  test('its gateway route: POST /api/v1/digits/infer, JWT + API key, in the shared per-key limit', () => {
    const route = findOne(docs, 'HTTPRoute', `model-gateway-${name}`);
    expect(route.spec.rules[0].matches).toEqual([{ path: { type: 'Exact', value: `/api/v1/${name}/infer` }, method: 'POST' }]);
    expect(route.spec.rules[0].filters[0].urlRewrite.path.replaceFullPath).toBe(`/v2/models/${name}/infer`);
    expect(findOne(docs, 'SecurityPolicy', `model-gateway-${name}-auth`).spec.targetRefs[0].name).toBe(`model-gateway-${name}`);
    expect(findOne(docs, 'BackendTrafficPolicy').spec.targetRefs.map((t: Manifest) => t.name)).toEqual(['cnn', 'fraud', 'sentiment', name].map((m) => `model-gateway-${m}`));
    expect(findOne(docs, 'PrometheusRule', 'model-gateway-guardrails').spec.groups[0].rules[0].expr).toContain(`httproute/${PLATFORM_NAMESPACE}/model-gateway-${name}/rule/[0-9]+`);
  });

  test('its alerts: p95 > 100 ms and errors > 0.1%, and the cost rule', () => {
    const [errors, latency] = findOne(docs, 'PrometheusRule', `${name}-guardrails`).spec.groups[0].rules;
    expect(errors.expr).toMatch(new RegExp(`model="${name}".* > 0\\.001$`));
    expect(latency.expr).toMatch(new RegExp(`^histogram_quantile\\(0\\.95, .*model="${name}".* > 0\\.1$`));
    expect(findOne(docs, 'PrometheusRule', `${name}-cost`).spec.groups[0].rules[1].expr).toBe(`model_serving:cost_per_1000_predictions_usd{namespace="${PLATFORM_NAMESPACE}",model_serving_endpoint="${name}"} > 0.001`);
  });

  test('its canary: 5% for an hour on the gateway\'s route, rolled back by the analysis', () => {
    const canary = findOne(docs, 'Rollout', name).spec.strategy.canary;
    expect(canary.steps.slice(0, 2)).toEqual([{ setWeight: 5 }, { pause: { duration: '3600s' } }]);
    expect(canary.trafficRouting.plugins['argoproj-labs/gatewayAPI']).toEqual({ httpRoutes: [{ name: `model-gateway-${name}`, useHeaderRoutes: true }], namespace: PLATFORM_NAMESPACE });
    expect(findOne(docs, 'HTTPRoute', `model-gateway-${name}`).spec.rules[0].backendRefs.map((b: Manifest) => [b.name, b.weight])).toEqual([[name, 100], [`${name}-canary`, 0]]);
    expect(canary.analysis.templates).toEqual([{ templateName: `${name}-canary-analysis` }]);
    expect(findOne(docs, 'AnalysisTemplate', `${name}-canary-analysis`).spec.metrics.map((m: Manifest) => m.successCondition)).toEqual([
      'len(result) == 0 || result[0] <= 0.001', 'len(result) == 0 || isNaN(result[0]) || result[0] <= 0.1',
    ]);
  });

  test('its scaling: KEDA on queue depth (in-flight requests per replica)', () => {
    const so = findOne(docs, 'ScaledObject', name);
    expect([so.spec.minReplicaCount, so.spec.maxReplicaCount]).toEqual([2, 6]);
    expect(so.spec.triggers[0]).toMatchObject({ name: 'concurrent-requests', metadata: { threshold: '16', query: expect.stringContaining(`model_server_inflight_requests{namespace="${PLATFORM_NAMESPACE}",model="${name}"`) } });
  });

  test('the other three models are unchanged by the addition', () => {
    const before = Testing.synth(buildK8sPlatform(PLATFORM, mkdtempSync(join(tmpdir(), 'runbook-before-'))).chart) as Manifest[];
    const ofThree = (ds: Manifest[]) => ds.filter((d) => ['cnn', 'fraud', 'sentiment'].some((m) => d.metadata.name === m || d.metadata.name.startsWith(`${m}-`)));
    expect(ofThree(docs)).toEqual(ofThree(before));
    expect(findAll(docs, 'Rollout')).toHaveLength(4);
  });

  test('every object passes the strict schema check', () => {
    expectSchemaValid(docs);
  });
});

describe('step 4: the check commands', () => {
  test('find the new model\'s route, policy, alerts, canary and scaler in the synthesized file', () => {
    const commands = block('check').trim().split('\n');
    expect(commands.length).toBeGreaterThanOrEqual(7);
    for (const command of commands) {
      const checked = run(command, dir);
      expect([command, checked.status, checked.stderr]).toEqual([command, 0, '']);
      expect(checked.stdout).toMatch(/^\d+:/);
    }
  });

  test('and fail on a platform without it', () => {
    const without = checkout();
    synth(PLATFORM, without);
    // Every line looks for the new model: each fails on its own.
    for (const command of block('check').trim().split('\n')) expect([command, run(command, without).status]).toEqual([command, 1]);
  });
});

describe('steps 5-8: the commands name the objects the platform creates', () => {
  test('deploy copies the exported folder and applies the synthesized file', () => {
    expect(block('deploy')).toContain(`cp examples/platform-models/${name} models-loader:/models/${name}`);
    expect(block('deploy')).toMatch(new RegExp(`kubectl argo rollouts -n ${PLATFORM_NAMESPACE} status ${name}\\b`));
  });

  test('the call goes to the gateway\'s host and route with the headers its SecurityPolicy reads, and a body the model accepts', () => {
    const call = block('call');
    const url = /curl [^\n]*"(https:\/\/[^"]+)"/.exec(call)![1];
    const route = findOne(docs, 'HTTPRoute', `model-gateway-${name}`);
    expect(new URL(url).host).toBe(route.spec.hostnames[0]);
    expect(new URL(url).pathname).toBe(route.spec.rules[0].matches[0].path.value);
    const auth = findOne(docs, 'SecurityPolicy', `model-gateway-${name}-auth`).spec;
    expect(call).toContain(`-H "${auth.jwt.providers[0].extractFrom.headers[0].name}: ${auth.jwt.providers[0].extractFrom.headers[0].valuePrefix}$TOKEN"`);
    expect(call).toContain(`-H "${auth.apiKeyAuth.extractFrom[0].headers[0]}: $API_KEY"`);
    // The body line runs, and its input fits the model's signature (name, type, rows of 784).
    const bodyLine = call.split('\n').find((l) => l.includes('> request.json'))!;
    expect(run(bodyLine, dir).status).toBe(0);
    const body = JSON.parse(readFileSync(join(dir, 'request.json'), 'utf8'));
    const input = ModelArtifact.fromFile(join(dir, entry.modelFile)).signature!.inputs[0];
    expect(body.inputs).toHaveLength(1);
    expect(body.inputs[0]).toMatchObject({ name: input.name, datatype: input.datatype });
    expect(body.inputs[0].shape.slice(1)).toEqual(input.shape.slice(1));
    expect(body.inputs[0].data).toHaveLength(body.inputs[0].shape.reduce((a: number, b: number) => a * b, 1));
  });

  test('watch and rollback name the Rollout and the route in the platform\'s namespace', () => {
    expect(block('watch')).toContain(`kubectl argo rollouts -n ${PLATFORM_NAMESPACE} get rollout ${name} --watch`);
    expect(block('watch')).toContain(`kubectl -n ${PLATFORM_NAMESPACE} get httproute model-gateway-${name}`);
    expect(block('rollback').trim().split('\n')).toEqual([`kubectl argo rollouts -n ${PLATFORM_NAMESPACE} abort ${name}`, `kubectl argo rollouts -n ${PLATFORM_NAMESPACE} undo ${name}`]);
    expect(findOne(docs, 'Rollout', name).metadata.namespace).toBe(PLATFORM_NAMESPACE);
  });
});

describe('step 5b: the same entry on AWS', () => {
  // The AWS platform reads the same table; its output folder is the registry's (scripts/backends.json).
  const platform = BACKENDS.find((b) => b.id === 'aws')!.platform!;
  const assembly = buildAwsPlatform([...PLATFORM, entry], PLATFORM_SETTINGS, { root: dir, outdir: join(dir, platform.output) }).synth();
  const template = join(platform.output, `${PLATFORM_AWS_STACK}.template.json`);
  const resources = JSON.parse(readFileSync(join(assembly.directory, `${PLATFORM_AWS_STACK}.template.json`), 'utf8')).Resources as Record<string, Manifest>;
  const lines = block('aws').split('\n');

  test('the check lines find the new route and model folder in the synthesized template, and only with the new model', () => {
    for (const line of lines.filter((l) => l.startsWith('grep '))) {
      expect(line).toContain(template);
      expect(run(line, dir).status).toBe(0);
    }
    const without = mkdtempSync(join(tmpdir(), 'runbook-aws-without-'));
    buildAwsPlatform(PLATFORM, PLATFORM_SETTINGS, { root: dir, outdir: join(without, platform.output) }).synth();
    for (const line of lines.filter((l) => l.startsWith('grep '))) expect(run(line, without).status).not.toBe(0);
  });

  test('the new model gets an endpoint, queue-depth scaling, a 5%/1 h canary and its gateway route', () => {
    const of = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
    expect(of('AWS::SageMaker::Endpoint')).toHaveLength(4);
    expect(of('AWS::ApplicationAutoScaling::ScalingPolicy').filter(([id]) => id.startsWith('Digits'))[0][1].Properties.TargetTrackingScalingPolicyConfiguration).toMatchObject({ TargetValue: entry.scaling.concurrentRequestsPerReplica });
    expect(JSON.stringify(of('Custom::ModelRollout').filter(([id]) => id.startsWith('DigitsCanary'))[0][1].Properties.Rollout)).toContain('\\"percent\\":5,\\"bakeSeconds\\":3600');
    expect(of('AWS::ApiGateway::Resource').map(([, r]) => r.Properties.PathPart)).toContain(name);
  });

  test('the sync and deploy lines name the table\'s model folder, the bucket prefix and the stack', () => {
    expect(block('aws')).toContain(`aws s3 sync ${join('examples', 'platform-models', name, '1')} s3://acme-platform-models/${name}/1/`);
    expect(block('aws')).toContain(`npx cdk deploy --app ${platform.output} ${PLATFORM_AWS_STACK}`);
  });
});
