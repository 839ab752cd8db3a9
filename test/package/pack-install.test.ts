/**
 * The library as users install it: `npm pack`, the tarball installed into consumer projects outside this
 * repository, used through the package's public names only. An AWS consumer synthesizes a ModelEndpoint on
 * the default bundled image and an enforcing BudgetGuard; a Kubernetes-only consumer synthesizes a chart and
 * its install holds no AWS or Terraform toolkit. Installs come from the npm cache when they can.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const MODEL = join(ROOT, 'examples', 'models', 'digits-classifier', '1', 'model.onnx');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  devDependencies: Record<string, string>;
};
const version = (name: string) => `${name}@${manifest.devDependencies[name]}`;

jest.setTimeout(600_000);

let work: string;
let tarball: string;

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
}

function consumer(name: string, packages: string[]): string {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }, null, 2));
  run('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-package-lock', tarball, ...packages], dir);
  copyFileSync(MODEL, join(dir, 'model.onnx'));
  return dir;
}

function sizeMb(dir: string): number {
  let bytes = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) bytes += statSync(p).size;
    }
  };
  walk(dir);
  return Math.round(bytes / 1e6);
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'msc-consumer-'));
  // `npm test` has built the server and the handlers; compile the library, then pack without re-running
  // prepack (which would rebuild, under the feet of the tests running beside this one).
  run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], ROOT);
  const out = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT)) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, out[0].filename);
  packedFiles = out[0].files.map((f) => f.path);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

let packedFiles: string[] = [];

test('the tarball ships the compiled library, the server bundle and Dockerfiles, and the pre-bundled handlers; no sources or tests', () => {
  for (const f of ['dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/constructs/aws/index.js', 'dist/constructs/k8s/index.js',
    'runtime/Dockerfile', 'runtime/Dockerfile.gpu', 'runtime/.dockerignore', 'runtime/dist/main.js', 'runtime/dist/worker.js',
    'runtime/image/package.json', 'runtime/image/package-lock.json',
    'dist/handlers/aws/budget-enforcer/index.js']) {
    expect(packedFiles).toContain(f);
  }
  expect(packedFiles.filter((f) => /^(test|lib|constructs|runtime\/src|examples|scripts)\//.test(f) || f.endsWith('.test.js'))).toEqual([]);
  expect(packedFiles.filter((f) => f.endsWith('/handler.js'))).toEqual([]);
});

test('AWS consumer: ModelEndpoint on the default bundled image and an enforcing BudgetGuard synthesize from the installed package', () => {
  const dir = consumer('aws-consumer', [version('aws-cdk-lib'), version('constructs')]);
  writeFileSync(join(dir, 'app.js'), `
const cdk = require('aws-cdk-lib');
const { BudgetAction, ModelArtifact } = require('${manifest.name}');
const { BudgetGuard, ModelEndpoint } = require('${manifest.name}/aws');
const app = new cdk.App({ outdir: 'cdk.out' });
const stack = new cdk.Stack(app, 'Consumer', { env: { account: '123456789012', region: 'eu-west-1' } });
const endpoint = new ModelEndpoint(stack, 'Digits', {
  model: ModelArtifact.fromFile('model.onnx'),
  metadata: { name: 'digits', version: '1.0.0', owner: 'ml-platform' },
  instanceType: 'ml.c5.xlarge',
});
new BudgetGuard(stack, 'Budget', { endpoints: [endpoint], budget: { monthlyLimitUsd: 1000, action: BudgetAction.SCALE_TO_FLOOR } });
const assembly = app.synth();
const template = assembly.getStackByName('Consumer').template;
const assets = require('./cdk.out/Consumer.assets.json');
console.log(JSON.stringify({
  types: Object.values(template.Resources).map((r) => r.Type),
  images: Object.values(assets.dockerImages).map((i) => i.source),
  files: Object.values(assets.files).map((f) => f.source.path),
}));
`);
  const out = JSON.parse(run(process.execPath, ['app.js'], dir)) as { types: string[]; images: { directory: string; dockerFile?: string }[]; files: string[] };
  expect(out.types).toEqual(expect.arrayContaining(['AWS::SageMaker::Model', 'AWS::SageMaker::EndpointConfig', 'AWS::SageMaker::Endpoint', 'AWS::Budgets::Budget', 'AWS::Lambda::Function']));
  // The image asset is the server bundle and its Dockerfile, copied from the installed package.
  expect(out.images).toHaveLength(1);
  const image = join(dir, 'cdk.out', out.images[0].directory);
  for (const f of ['Dockerfile', 'dist/main.js', 'dist/worker.js']) expect(existsSync(join(image, f))).toBe(true);
  // The enforcer's code is the pre-bundled handler (no esbuild on the consumer's machine).
  expect(existsSync(join(dir, 'node_modules', 'esbuild'))).toBe(false);
  const code = out.files.map((f) => join(dir, 'cdk.out', f, 'index.js')).filter((p) => existsSync(p));
  expect(code).toHaveLength(1);
  expect(readFileSync(code[0], 'utf8')).toMatch(/UpdateEndpointWeightsAndCapacitiesCommand/);

  // The published types resolve for a TypeScript consumer.
  writeFileSync(join(dir, 'check.ts'), `
import { ModelArtifact, ServingImage } from '${manifest.name}';
import { ModelEndpoint } from '${manifest.name}/aws';
import { ModelDelivery } from '${manifest.name}/k8s';
const image: ServingImage = ServingImage.bundled();
export const used = [ModelArtifact, ModelEndpoint, ModelDelivery, image];
`);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'ES2022', noEmit: true, skipLibCheck: true, types: [] }, files: ['check.ts'] }));
  run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], dir);
});

test('Kubernetes-only consumer: a chart synthesizes, and the install holds no aws-cdk-lib and no Terraform toolkit', () => {
  const dir = consumer('k8s-consumer', [version('cdk8s'), version('constructs')]);
  writeFileSync(join(dir, 'app.js'), `
const { App, Chart } = require('cdk8s');
const { ModelArtifact, ServingImage } = require('${manifest.name}');
const { ModelDelivery, ModelEndpoint } = require('${manifest.name}/k8s');
const app = new App({ outdir: 'dist' });
const chart = new Chart(app, 'serving', { namespace: 'ml-serving' });
new ModelEndpoint(chart, 'Digits', {
  model: ModelArtifact.fromFile('model.onnx'),
  metadata: { name: 'digits', version: '1.0.0', owner: 'ml-platform' },
  image: ServingImage.fromRegistry('registry.example.com/model-server:1.0.0'),
  modelDelivery: ModelDelivery.bakedIntoImage(),
});
console.log(JSON.stringify(chart.toJson().map((o) => o.kind)));
`);
  const kinds = JSON.parse(run(process.execPath, ['app.js'], dir)) as string[];
  expect(kinds).toEqual(expect.arrayContaining(['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy', 'ServiceAccount']));
  const modules = join(dir, 'node_modules');
  for (const absent of ['aws-cdk-lib', 'cdktf', '@cdktf', 'esbuild', 'cdk8s-plus-33']) expect(existsSync(join(modules, absent))).toBe(false);
  // Recorded for the README and the release notes; not a pass/fail threshold.
  process.stdout.write(`Kubernetes-only consumer node_modules: ${sizeMb(modules)} MB\n`);
});

test('Terraform consumer: Vertex AI and Azure ML endpoints with rollouts and budgets synthesize from the installed package, handlers shipped as assets', () => {
  const dir = consumer('terraform-consumer', [version('cdktf'), version('@cdktf/provider-google'), version('@cdktf/provider-azurerm'), version('constructs')]);
  writeFileSync(join(dir, 'app.js'), `
const { App, TerraformStack } = require('cdktf');
const { GoogleProvider } = require('@cdktf/provider-google/lib/provider');
const { AzurermProvider } = require('@cdktf/provider-azurerm/lib/provider');
const { BudgetAction, Duration, ModelArtifact, RolloutPolicy, ServingImage } = require('${manifest.name}');
const gcp = require('${manifest.name}/gcp');
const azure = require('${manifest.name}/azure');
const metadata = { name: 'digits', version: '1.0.0', owner: 'ml-platform' };
const policy = RolloutPolicy.steps([{ trafficPercent: 10, bake: Duration.minutes(30) }, { trafficPercent: 100, bake: Duration.minutes(10) }]);
const app = new App({ outdir: 'cdktf.out' });

const g = new TerraformStack(app, 'vertex');
new GoogleProvider(g, 'google', { project: 'acme-ml', region: 'europe-west4' });
const vertex = new gcp.ModelEndpoint(g, 'Digits', {
  project: 'acme-ml', region: 'europe-west4', model: ModelArtifact.fromFile('model.onnx'), metadata,
  image: ServingImage.fromRegistry('europe-west4-docker.pkg.dev/acme-ml/serving/model-server:1.0.0'), machineType: 'n1-standard-4',
});
new gcp.CanaryRollout(g, 'Rollout', { endpoint: vertex, policy });
new gcp.BudgetGuard(g, 'Budget', { endpoints: [vertex], billingAccount: '000000-000000-000000', budget: { monthlyLimitUsd: 1000, action: BudgetAction.SCALE_TO_FLOOR } });

const a = new TerraformStack(app, 'azureml');
new AzurermProvider(a, 'azurerm', { features: [{}], subscriptionId: '00000000-0000-0000-0000-000000000000', storageUseAzuread: true });
const aml = new azure.ModelEndpoint(a, 'Digits', {
  model: ModelArtifact.fromFile('model.onnx'), metadata,
  image: ServingImage.fromRegistry('contosoml.azurecr.io/model-server:1.0.0'),
  imageRegistryId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/contosoml',
  resourceGroupName: 'rg', location: 'westeurope', workspace: azure.WorkspaceSource.create(), instanceType: 'Standard_F4s_v2',
});
const webhookApplication = { clientId: '44444444-4444-4444-4444-444444444444', objectId: '55555555-5555-5555-5555-555555555555', identifierUri: 'api://44444444-4444-4444-4444-444444444444' };
new azure.CanaryRollout(a, 'Rollout', { endpoint: aml, policy, webhookApplication });
new azure.BudgetGuard(a, 'Budget', { endpoints: [aml], startDate: '${new Date().toISOString().slice(0, 7)}-01', budget: { monthlyLimitUsd: 1000, action: BudgetAction.SCALE_TO_FLOOR }, webhookApplication });
app.synth();
`);
  run(process.execPath, ['app.js'], dir);
  const stackDir = (name: string) => join(dir, 'cdktf.out', 'stacks', name);
  const types = (name: string) => {
    const config = JSON.parse(readFileSync(join(stackDir(name), 'cdk.tf.json'), 'utf8')) as { resource: Record<string, unknown> };
    return Object.keys(config.resource);
  };
  expect(types('vertex')).toEqual(expect.arrayContaining(['google_vertex_ai_endpoint', 'terraform_data', 'google_cloudfunctions2_function', 'google_billing_budget']));
  expect(types('azureml')).toEqual(expect.arrayContaining(['azapi_resource', 'azurerm_linux_function_app', 'azurerm_consumption_budget_resource_group']));
  // The deployer Terraform runs and the functions it deploys are the package's pre-bundled handlers.
  const assetFiles = (name: string): string[] => {
    const out: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name));
        else out.push(join(d, e.name));
      }
    };
    if (existsSync(join(stackDir(name), 'assets'))) walk(join(stackDir(name), 'assets'));
    return out;
  };
  const deployer = assetFiles('vertex').filter((f) => /Deployer_[^/]+\/[^/]+\/index\.js$/.test(f));
  expect(deployer).toHaveLength(1);
  expect(readFileSync(deployer[0], 'utf8')).toMatch(/deployModel/);
  expect(assetFiles('vertex').filter((f) => f.endsWith('.zip')).length).toBeGreaterThanOrEqual(2);
  expect(assetFiles('azureml').filter((f) => f.endsWith('.zip')).length).toBeGreaterThanOrEqual(2);
  for (const absent of ['aws-cdk-lib', 'cdk8s', 'esbuild']) expect(existsSync(join(dir, 'node_modules', absent))).toBe(false);
});
