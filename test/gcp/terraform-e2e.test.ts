/**
 * The Terraform lifecycle of a ModelEndpoint's deployment, run by a real `terraform` against an in-memory
 * Vertex AI: the synthesized terraform_data resources (Google resources stripped, their references replaced
 * by literals, since provider downloads are not possible here) are applied, changed and destroyed, and the
 * pre-bundled deployer they run must upload, deploy, replace without a gap, and tear down.
 *
 * Needs the terraform CLI on PATH; skipped (with a note) where it is missing.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { App, TerraformStack } from 'cdktf';
import { Duration, ModelArtifact, RolloutPolicy } from '../../lib';
import { CanaryRollout, ModelEndpoint, RemovedModelEndpoint } from '../../constructs/gcp';
import { handle, parseEvent } from '../../constructs/gcp/rollout-controller/controller';
import { deploymentIds } from '../../constructs/gcp/vertex/plan';
import { ENDPOINT_ID, LOCATION, PROJECT, endpointProps } from './fixtures';
import { FakeGoogle } from './support/fake-google';

const run = promisify(execFile);
const terraform = (() => {
  try {
    require('node:child_process').execFileSync('terraform', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
/** A tensor name holding a Terraform template marker: it must reach Vertex AI as written. */
const SIGNATURE = { opset: 17, inputs: [{ name: 'x${y}', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'out', datatype: 'FP32', shape: [-1] }] };
const SERVING_ACCOUNT = `serving@${PROJECT}.iam.gserviceaccount.com`;
const STATE_BUCKET = 'acme-rollout-state';

/**
 * Synthesizes the endpoint (or, with `removed`, the RemovedModelEndpoint that takes its place) and keeps only
 * what Terraform can run without the Google provider: terraform_data resources and the `removed` blocks that
 * name them.
 */
function writeStack(outdir: string, maxReplicas: number, rollout?: RolloutPolicy, removed = false): void {
  const app = new App({ outdir });
  const stack = new TerraformStack(app, 'e2e');
  new GoogleProvider(stack, 'google', { project: PROJECT, region: LOCATION });
  if (removed) new RemovedModelEndpoint(stack, 'Endpoint');
  else {
    const endpoint = new ModelEndpoint(stack, 'Endpoint', endpointProps({ endpointId: ENDPOINT_ID, model: ModelArtifact.fromUri('gs://acme-models/digits/1.0.0/', { signature: SIGNATURE }), scaling: { minReplicas: 1, maxReplicas } }));
    if (rollout) new CanaryRollout(stack, 'Rollout', { endpoint, policy: rollout });
  }
  app.synth();
  const dir = join(outdir, 'stacks', 'e2e');
  const config = JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')) as { resource?: Record<string, Record<string, { depends_on?: string[] }>>; removed?: { from: string }[] };
  const data = config.resource?.terraform_data ?? {};
  for (const r of Object.values(data)) r.depends_on = r.depends_on?.filter((d) => d.startsWith('terraform_data.'));
  const kept: Record<string, unknown> = { terraform: { backend: { local: { path: 'terraform.tfstate' } } } };
  if (Object.keys(data).length > 0) kept.resource = { terraform_data: data };
  const removedBlocks = (config.removed ?? []).filter((r) => r.from.startsWith('terraform_data.'));
  if (removedBlocks.length > 0) kept.removed = removedBlocks;
  const text = JSON.stringify(kept, null, 2)
    .replace(/\$\{google_service_account\.[A-Za-z0-9_]+\.email\}/g, SERVING_ACCOUNT)
    .replace(/\$\{google_storage_bucket\.Rollout_StateBucket_[A-Za-z0-9]+\.name\}/g, STATE_BUCKET);
  expect(text).not.toMatch(/\$\{google_/);
  writeFileSync(join(dir, 'cdk.tf.json'), text);
}

const maybe = terraform ? describe : describe.skip;
if (!terraform) console.warn('terraform CLI not found: the Terraform lifecycle test is skipped');

maybe('ModelEndpoint deployment under terraform apply / destroy', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'gcp-e2e-'));
  const fake = new FakeGoogle(PROJECT, LOCATION);
  fake.pollsPerOperation = 0;
  fake.addEndpoint(ENDPOINT_ID);
  let env: NodeJS.ProcessEnv;
  let close: () => void;
  const dir = join(outdir, 'stacks', 'e2e');
  const tf = (...args: string[]) => run('terraform', [...args, '-input=false', '-no-color'], { cwd: dir, env, maxBuffer: 10_000_000 });
  const planOf = (): Parameters<typeof deploymentIds>[0] => {
    const state = JSON.parse(readFileSync(join(dir, 'terraform.tfstate'), 'utf8')) as { resources: { name: string; instances: { attributes: { input: { value: unknown } } }[] }[] };
    return state.resources.find((r) => r.name.includes('Deployment'))!.instances[0].attributes.input.value as never;
  };

  beforeAll(async () => {
    const served = await fake.listen();
    close = () => served.server.close();
    env = { PATH: process.env.PATH, HOME: outdir, TF_IN_AUTOMATION: '1', GOOGLE_OAUTH_ACCESS_TOKEN: 'test-token', MODEL_SERVING_GOOGLE_API_ROOT: served.root };
    writeStack(outdir, 2);
    await tf('init');
  }, 120_000);
  afterAll(() => {
    close?.();
    rmSync(outdir, { recursive: true, force: true });
  });

  test('apply uploads and deploys the model with all traffic', async () => {
    await tf('apply', '-auto-approve');
    const ids = deploymentIds(planOf());
    expect(fake.endpoint(ENDPOINT_ID).trafficSplit).toEqual({ [ids.deployedModelId]: 100 });
    expect(fake.endpoint(ENDPOINT_ID).deployedModels[0]).toMatchObject({ serviceAccount: SERVING_ACCOUNT, dedicatedResources: { minReplicaCount: 1, maxReplicaCount: 2 } });
    expect(fake.protoErrors).toEqual([]);
    const upload = fake.callsMatching('POST', 'models:upload')[0].body as { model: { containerSpec: { env: { name: string; value: string }[] } } };
    expect(JSON.parse(upload.model.containerSpec.env.find((e) => e.name === 'MODEL_SERVER_MODEL_SIGNATURE')!.value)).toEqual(SIGNATURE);
  }, 120_000);

  test('a second apply with no change does nothing', async () => {
    const before = fake.calls.length;
    const { stdout } = await tf('apply', '-auto-approve');
    expect(stdout).toMatch(/0 added, 0 changed, 0 destroyed/);
    expect(fake.calls.length).toBe(before);
  }, 120_000);

  test('a changed deployment is deployed beside the old one first, then the old one is retired', async () => {
    const old = deploymentIds(planOf());
    writeStack(outdir, 5);
    const { stdout } = await tf('apply', '-auto-approve');
    expect(stdout).toMatch(/1 added, 0 changed, 1 destroyed/);
    const next = deploymentIds(planOf());
    expect(next.deployedModelId).not.toBe(old.deployedModelId);
    expect(fake.endpoint(ENDPOINT_ID).deployedModels.map((d) => [d.id, d.dedicatedResources.maxReplicaCount])).toEqual([[next.deployedModelId, 5]]);
    expect(fake.endpoint(ENDPOINT_ID).trafficSplit).toEqual({ [next.deployedModelId]: 100 });
    // The new model was deployed before the old one was undeployed: traffic never had nowhere to go.
    const deploy = fake.calls.findIndex((c) => c.url.endsWith(':deployModel') && (c.body as { deployedModel: { id: string } }).deployedModel.id === next.deployedModelId);
    const undeploy = fake.calls.findIndex((c) => c.url.endsWith(':undeployModel'));
    expect(deploy).toBeGreaterThan(-1);
    expect(undeploy).toBeGreaterThan(deploy);
    expect([...fake.models.keys()]).toEqual([`projects/${PROJECT}/locations/${LOCATION}/models/${next.modelId}`]);
  }, 120_000);

  test('with a CanaryRollout, the next change starts a canary the controller then completes', async () => {
    const stable = deploymentIds(planOf()).deployedModelId;
    writeStack(outdir, 6, RolloutPolicy.canary({ trafficPercent: 10, bake: Duration.minutes(5), finalBake: Duration.minutes(1) }));
    await tf('apply', '-auto-approve');
    const canary = deploymentIds(planOf()).deployedModelId;
    expect(fake.endpoint(ENDPOINT_ID).trafficSplit).toEqual({ [canary]: 10, [stable]: 90 });
    const stateObject = `rollouts/${ENDPOINT_ID}.json`;
    expect(JSON.parse(fake.objects.get(`${STATE_BUCKET}/${stateObject}`)!.data)).toMatchObject({ canary, stable, status: 'IN_PROGRESS' });
    const tick = parseEvent({ data: { message: { data: Buffer.from('{"kind":"tick"}').toString('base64') } } });
    const at = (minutes: number) => new Date(Date.now() + minutes * 60_000);
    const config = { stateBucket: STATE_BUCKET, stateObject, alertPolicies: ['projects/acme-ml/alertPolicies/1'] };
    expect(await handle(fake.rest(), config, tick, at(6))).toMatchObject({ action: 'advanced', trafficSplit: { [canary]: 100 } });
    expect(await handle(fake.rest(), config, tick, at(8))).toMatchObject({ action: 'completed', undeployed: stable });
    expect(fake.endpoint(ENDPOINT_ID).deployedModels.map((d) => d.id)).toEqual([canary]);
  }, 120_000);

  test('destroy undeploys and deletes everything before the endpoint would go', async () => {
    await tf('destroy', '-auto-approve');
    expect(fake.endpoint(ENDPOINT_ID).deployedModels).toEqual([]);
    expect(fake.models.size).toBe(0);
    expect(fake.protoErrors).toEqual([]);
  }, 120_000);
});

maybe('removing a ModelEndpoint from code under terraform apply', () => {
  // Terraform runs destroy-time provisioners only while the resource block is in the configuration
  // (Terraform docs, "Destroy-Time Provisioners"); `removed` blocks may carry them (Terraform 1.9+).
  const setup = async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'gcp-rm-'));
    const fake = new FakeGoogle(PROJECT, LOCATION);
    fake.pollsPerOperation = 0;
    fake.addEndpoint(ENDPOINT_ID);
    const served = await fake.listen();
    const env = { PATH: process.env.PATH, HOME: outdir, TF_IN_AUTOMATION: '1', GOOGLE_OAUTH_ACCESS_TOKEN: 'test-token', MODEL_SERVING_GOOGLE_API_ROOT: served.root };
    const dir = join(outdir, 'stacks', 'e2e');
    const tf = (...args: string[]) => run('terraform', [...args, '-input=false', '-no-color'], { cwd: dir, env, maxBuffer: 10_000_000 });
    writeStack(outdir, 2);
    await tf('init');
    await tf('apply', '-auto-approve');
    expect(fake.endpoint(ENDPOINT_ID).deployedModels).toHaveLength(1);
    return { outdir, fake, tf, done: () => { served.server.close(); rmSync(outdir, { recursive: true, force: true }); } };
  };

  test('deleting the construct alone leaves the model deployed (what Vertex AI then refuses the endpoint delete for)', async () => {
    const { outdir, fake, tf, done } = await setup();
    try {
      writeStack(outdir, 2, undefined, true);
      // The plain removal: no ModelEndpoint and no RemovedModelEndpoint, so nothing but the state changes.
      const dir = join(outdir, 'stacks', 'e2e');
      writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify({ terraform: { backend: { local: { path: 'terraform.tfstate' } } } }));
      const { stdout } = await tf('apply', '-auto-approve');
      expect(stdout).toMatch(/0 added, 0 changed, 2 destroyed/);
      expect(fake.endpoint(ENDPOINT_ID).deployedModels).toHaveLength(1);
      expect(fake.callsMatching('POST', ':undeployModel')).toEqual([]);
    } finally {
      done();
    }
  }, 120_000);

  test('RemovedModelEndpoint in its place retires the deployment and tears the endpoint down before anything is deleted', async () => {
    const { outdir, fake, tf, done } = await setup();
    try {
      writeStack(outdir, 2, undefined, true);
      const { stdout } = await tf('apply', '-auto-approve');
      expect(stdout).toMatch(/0 added, 0 changed, 2 destroyed/);
      expect(fake.endpoint(ENDPOINT_ID).deployedModels).toEqual([]);
      expect(fake.endpoint(ENDPOINT_ID).trafficSplit).toEqual({});
      expect(fake.models.size).toBe(0);
      expect(fake.protoErrors).toEqual([]);
      // The removal is done; the RemovedModelEndpoint line can go and the next apply has nothing left to do.
      writeFileSync(join(outdir, 'stacks', 'e2e', 'cdk.tf.json'), JSON.stringify({ terraform: { backend: { local: { path: 'terraform.tfstate' } } } }));
      expect((await tf('apply', '-auto-approve')).stdout).toMatch(/No changes|0 destroyed/);
    } finally {
      done();
    }
  }, 120_000);
});
