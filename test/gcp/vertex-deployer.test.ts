import { GoogleApiError, OperationFailedError } from '../../constructs/gcp/rest/client';
import { apply, retire, teardown } from '../../constructs/gcp/vertex-deployer/deployer';
import { main } from '../../constructs/gcp/vertex-deployer/handler';
import { deploymentIds } from '../../constructs/gcp/vertex/plan';
import { ENDPOINT_ID, LOCATION, PROJECT, plan } from './fixtures';
import { FakeGoogle } from './support/fake-google';

const HOST = `https://${LOCATION}-aiplatform.googleapis.com`;

function setup(): FakeGoogle {
  const fake = new FakeGoogle(PROJECT, LOCATION);
  fake.addEndpoint(ENDPOINT_ID);
  return fake;
}

afterEach(() => jest.restoreAllMocks());

describe('ids', () => {
  test('are derived from the whole plan: same plan same ids, any change new ids', () => {
    const a = deploymentIds(plan());
    expect(a).toEqual(deploymentIds(plan()));
    expect(a.modelId).toMatch(/^fraud-classifier-[0-9a-f]{12}$/);
    expect(a.deployedModelId).toMatch(/^[1-9]\d{9}$/);
    const b = deploymentIds(plan({}, { maxReplicas: 11 }));
    expect(b.modelId).not.toBe(a.modelId);
    expect(b.deployedModelId).not.toBe(a.deployedModelId);
  });
});

describe('apply', () => {
  test('uploads, waits through several polls, deploys with all traffic, and every body matches the protos', async () => {
    const fake = setup();
    const p = plan();
    const ids = deploymentIds(p);
    const result = await apply(fake.rest(), p);

    expect(result).toMatchObject({ ...ids, uploaded: true, deployed: true, trafficSplit: { '0': 100 } });
    expect(fake.protoErrors).toEqual([]);
    const upload = fake.callsMatching('POST', 'models:upload')[0];
    expect(upload.url).toBe(`${HOST}/v1/projects/${PROJECT}/locations/${LOCATION}/models:upload`);
    expect(upload.body).toMatchObject({
      modelId: ids.modelId,
      model: {
        artifactUri: 'gs://acme-models/fraud-classifier/3.1.0/ab12cd34ef56/',
        containerSpec: { ports: [{ containerPort: 8080 }], healthRoute: '/v2/health/ready', deploymentTimeout: '1800s' },
      },
    });
    // Several polls of each operation, at the regional host.
    expect(fake.calls.filter((c) => c.method === 'GET' && c.url.includes('/operations/')).length).toBeGreaterThanOrEqual(4);
    expect(fake.calls.filter((c) => c.url.includes('/operations/')).every((c) => c.url.startsWith(HOST))).toBe(true);
    const deploy = fake.callsMatching('POST', ':deployModel')[0];
    expect(deploy.body).toMatchObject({
      deployedModel: {
        id: ids.deployedModelId,
        model: `projects/${PROJECT}/locations/${LOCATION}/models/${ids.modelId}`,
        dedicatedResources: {
          machineSpec: { machineType: 'g2-standard-8', acceleratorType: 'NVIDIA_L4', acceleratorCount: 1 },
          minReplicaCount: 2,
          maxReplicaCount: 10,
          autoscalingMetricSpecs: [
            { metricName: 'aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle', target: 70 },
            { metricName: 'aiplatform.googleapis.com/prediction/online/cpu/utilization', target: 90 },
          ],
        },
        enableAccessLogging: true,
      },
      trafficSplit: { '0': 100 },
    });
    expect(fake.endpoint(ENDPOINT_ID).trafficSplit).toEqual({ [ids.deployedModelId]: 100 });
  });

  test('the upload carries encryptionSpec.kmsKeyName when the spec has a key, and no encryptionSpec otherwise', async () => {
    const key = `projects/${PROJECT}/locations/${LOCATION}/keyRings/serving/cryptoKeys/models`;
    const fake = setup();
    await apply(fake.rest(), plan({}, { kmsKeyName: key }));
    expect(fake.protoErrors).toEqual([]);
    expect(fake.callsMatching('POST', 'models:upload')[0].body).toMatchObject({ model: { encryptionSpec: { kmsKeyName: key } } });
    const plain = setup();
    await apply(plain.rest(), plan());
    expect(plain.protoErrors).toEqual([]);
    expect((plain.callsMatching('POST', 'models:upload')[0].body as { model: Record<string, unknown> }).model).not.toHaveProperty('encryptionSpec');
  });

  test('a 503 or 429 on a read is retried; on a write it fails the run (a re-run resumes)', async () => {
    const fake = setup();
    fake.failOnce.push({ method: 'GET', urlPart: '/operations/1', status: 503 }, { method: 'GET', urlPart: `endpoints/${ENDPOINT_ID}`, status: 429 });
    expect(await apply(fake.rest(), plan())).toMatchObject({ deployed: true });
    const again = setup();
    again.failOnce.push({ method: 'POST', urlPart: ':deployModel', status: 503 });
    await expect(apply(again.rest(), plan())).rejects.toThrow(/POST \S+:deployModel failed: HTTP 503 UNAVAILABLE: try again/);
    expect(await apply(again.rest(), plan())).toMatchObject({ uploaded: false, deployed: true });
  });

  test('a second run of the same plan changes nothing', async () => {
    const fake = setup();
    await apply(fake.rest(), plan());
    const before = fake.calls.length;
    const again = await apply(fake.rest(), plan());
    expect(again).toMatchObject({ uploaded: false, deployed: false });
    const writes = fake.calls.slice(before).filter((c) => c.method !== 'GET');
    expect(writes).toEqual([]);
  });

  test('a failed upload operation fails the run with its message and deploys nothing', async () => {
    const fake = setup();
    fake.failingOperations.set('upload', 'Image europe-west4-docker.pkg.dev/acme-ml/serving/model-server:2.0.0 not found');
    await expect(apply(fake.rest(), plan())).rejects.toThrow(OperationFailedError);
    await expect(apply(setupFailing('upload', 'Image not found'), plan())).rejects.toThrow(/operation projects\/acme-ml\/locations\/europe-west4\/operations\/\d+ failed \(code 9\): Image not found/);
    expect(fake.callsMatching('POST', ':deployModel')).toEqual([]);
  });

  test('an operation still running at the timeout fails the run, naming the operation, and a re-run picks it up', async () => {
    const fake = setup();
    fake.pollsPerOperation = 50;
    await expect(apply(fake.rest(), plan({ uploadTimeoutSeconds: 20 }))).rejects.toThrow(/upload projects\/acme-ml\/locations\/europe-west4\/models\/fraud-classifier-[0-9a-f]{12}: operation projects\/acme-ml\/locations\/europe-west4\/operations\/1 still running after 20 s; it continues in Vertex AI\. Run `terraform apply` again/);
    fake.pollsPerOperation = 3;
    const result = await apply(fake.rest(), plan());
    expect(result).toMatchObject({ deployed: true });
    expect(fake.callsMatching('POST', 'models:upload')).toHaveLength(2);
  });

  test('after a failed deploy operation, a re-run reuses the uploaded model and deploys', async () => {
    const fake = setup();
    fake.failingOperations.set('deploy', 'Model server never became ready');
    await expect(apply(fake.rest(), plan())).rejects.toThrow(/Model server never became ready/);
    fake.failingOperations.clear();
    const result = await apply(fake.rest(), plan());
    expect(result).toMatchObject({ uploaded: false, deployed: true });
    expect(fake.callsMatching('POST', 'models:upload')).toHaveLength(1);
  });

  test('a re-run after the process died while a deploy was in flight waits for that deploy instead of starting another', async () => {
    const fake = setup();
    fake.pollsPerOperation = 6;
    // The poll keeps failing past its retries, as if the network or the process went away mid-deploy.
    for (let i = 0; i < 5; i++) fake.dropOnce.push({ method: 'GET', urlPart: '/operations/2' });
    await expect(apply(fake.rest(), plan())).rejects.toThrow(/network error/);
    const result = await apply(fake.rest(), plan());
    expect(result.deployed).toBe(true);
    expect(fake.callsMatching('POST', ':deployModel')).toHaveLength(2);
    expect(fake.endpoint(ENDPOINT_ID).deployedModels.map((d) => d.id)).toEqual([deploymentIds(plan()).deployedModelId]);
  });

  test('with a rollout and a model already serving, the new one starts at the first step beside it', async () => {
    const fake = setup();
    const v1 = plan();
    await apply(fake.rest(), v1);
    const stable = deploymentIds(v1).deployedModelId;
    const rollout = { stateBucket: 'acme-rollout-state', stateObject: `rollouts/${ENDPOINT_ID}.json`, steps: [{ trafficPercent: 10, bakeSeconds: 600 }, { trafficPercent: 100, bakeSeconds: 600 }] };
    const v2 = plan({ rollout }, { artifactUri: 'gs://acme-models/fraud-classifier/3.2.0/0123456789ab/' });
    const result = await apply(fake.rest(), v2);
    const canary = deploymentIds(v2).deployedModelId;
    expect(result.trafficSplit).toEqual({ '0': 10, [stable]: 90 });
    expect(fake.endpoint(ENDPOINT_ID).trafficSplit).toEqual({ [canary]: 10, [stable]: 90 });
    const state = JSON.parse(fake.objects.get(`acme-rollout-state/rollouts/${ENDPOINT_ID}.json`)!.data);
    expect(state).toMatchObject({ canary, stable, step: 0, status: 'IN_PROGRESS' });
    expect(fake.protoErrors).toEqual([]);
  });

  test('a new canary while one is in flight keeps the stable model and retires the superseded canary', async () => {
    const fake = setup();
    const rollout = { stateBucket: 'acme-rollout-state', stateObject: `rollouts/${ENDPOINT_ID}.json`, steps: [{ trafficPercent: 10, bakeSeconds: 600 }, { trafficPercent: 100, bakeSeconds: 600 }] };
    const v1 = plan({ rollout });
    await apply(fake.rest(), v1);
    const v2 = plan({ rollout }, { artifactUri: 'gs://acme-models/fraud-classifier/3.2.0/0123456789ab/' });
    await apply(fake.rest(), v2);
    const v3 = plan({ rollout }, { artifactUri: 'gs://acme-models/fraud-classifier/3.3.0/ba9876543210/' });
    const result = await apply(fake.rest(), v3);
    const [stable, superseded, canary] = [v1, v2, v3].map((p) => deploymentIds(p).deployedModelId);
    expect(result).toMatchObject({ canaryAgainst: stable, retired: [superseded] });
    expect(fake.endpoint(ENDPOINT_ID).trafficSplit).toEqual({ [canary]: 10, [stable]: 90 });
    expect(fake.endpoint(ENDPOINT_ID).deployedModels.map((d) => d.id).sort()).toEqual([stable, canary].sort());
  });

  test('a body the API does not accept is refused by the protos check', async () => {
    const fake = setup();
    await expect(apply(fake.rest(), plan({}, { acceleratorType: 'NVIDIA_L5' }))).rejects.toThrow(GoogleApiError);
    expect(fake.protoErrors.join('\n')).toMatch(/acceleratorType: "NVIDIA_L5" is not a value of enum google\.cloud\.aiplatform\.v1\.AcceleratorType/);
  });
});

function setupFailing(kind: string, message: string) {
  const fake = setup();
  fake.failingOperations.set(kind, message);
  return fake.rest();
}

describe('retire', () => {
  test('the deployment that took all traffic retires the ones it replaced; a model someone else deployed stays', async () => {
    const fake = setup();
    const v1 = plan();
    await apply(fake.rest(), v1);
    // Deployed by hand on the same endpoint, without traffic: not this construct's to remove.
    fake.models.set(`projects/${PROJECT}/locations/${LOCATION}/models/hand-made`, { name: `projects/${PROJECT}/locations/${LOCATION}/models/hand-made`, labels: {}, body: {} });
    fake.endpoint(ENDPOINT_ID).deployedModels.push(fake.deployed('1999999999', 'hand-made'));
    const v2 = plan({}, { artifactUri: 'gs://acme-models/fraud-classifier/3.2.0/0123456789ab/' });
    const result = await apply(fake.rest(), v2);
    expect(result.retired).toEqual([deploymentIds(v1).deployedModelId]);
    expect(fake.endpoint(ENDPOINT_ID).deployedModels.map((d) => d.id)).toEqual(['1999999999', deploymentIds(v2).deployedModelId]);
    expect([...fake.models.keys()].sort()).toEqual([`projects/${PROJECT}/locations/${LOCATION}/models/${deploymentIds(v2).modelId}`, `projects/${PROJECT}/locations/${LOCATION}/models/hand-made`].sort());
    expect(fake.protoErrors).toEqual([]);
  });

  test('destroying a deployment that no longer takes traffic undeploys it and deletes its model', async () => {
    const fake = setup();
    const v1 = plan();
    await apply(fake.rest(), v1);
    const id = deploymentIds(v1).deployedModelId;
    fake.endpoint(ENDPOINT_ID).deployedModels.push(fake.deployed('1999999999', 'other'));
    fake.endpoint(ENDPOINT_ID).trafficSplit = { '1999999999': 100 };
    expect(await retire(fake.rest(), v1)).toEqual({ undeployed: true, modelDeleted: true });
    expect(fake.endpoint(ENDPOINT_ID).deployedModels.map((d) => d.id)).toEqual(['1999999999']);
    expect(fake.models.has(`projects/${PROJECT}/locations/${LOCATION}/models/${deploymentIds(v1).modelId}`)).toBe(false);
    expect(fake.callsMatching('POST', ':undeployModel').map((c) => c.body)).toEqual([{ deployedModelId: id }]);
  });

  test('a deployed model that still takes traffic is kept (the same plan re-created, or a canary in flight)', async () => {
    const fake = setup();
    await apply(fake.rest(), plan());
    const result = await retire(fake.rest(), plan());
    expect(result.kept).toMatch(/still takes 100% of traffic/);
    expect(fake.endpoint(ENDPOINT_ID).deployedModels).toHaveLength(1);
    expect(fake.callsMatching('POST', ':undeployModel')).toEqual([]);
  });

  test('an endpoint that is already gone is not an error', async () => {
    const fake = new FakeGoogle(PROJECT, LOCATION);
    await expect(retire(fake.rest(), plan())).resolves.toEqual({ undeployed: false, modelDeleted: false });
  });
});

describe('teardown', () => {
  test('undeploys everything (the model without traffic first, the last with an empty split) and deletes the endpoint\'s models', async () => {
    const fake = setup();
    const v1 = plan();
    await apply(fake.rest(), v1);
    const rollout = { stateBucket: 'b', stateObject: 'o.json', steps: [{ trafficPercent: 5, bakeSeconds: 60 }, { trafficPercent: 100, bakeSeconds: 60 }] };
    const v2 = plan({ rollout }, { artifactUri: 'gs://acme-models/fraud-classifier/3.2.0/0123456789ab/' });
    await apply(fake.rest(), v2);
    const result = await teardown(fake.rest(), { project: PROJECT, location: LOCATION, endpointId: ENDPOINT_ID, modelLabelKey: 'serving-endpoint', timeoutSeconds: 600 });
    expect(result.undeployed).toEqual([deploymentIds(v2).deployedModelId, deploymentIds(v1).deployedModelId]);
    const undeploys = fake.callsMatching('POST', ':undeployModel').map((c) => c.body);
    expect(undeploys).toEqual([
      { deployedModelId: deploymentIds(v2).deployedModelId, trafficSplit: { [deploymentIds(v1).deployedModelId]: 100 } },
      { deployedModelId: deploymentIds(v1).deployedModelId, trafficSplit: {} },
    ]);
    expect(result.modelsDeleted).toHaveLength(2);
    expect(fake.models.size).toBe(0);
    expect(fake.endpoint(ENDPOINT_ID).deployedModels).toEqual([]);
    expect(fake.protoErrors).toEqual([]);
  });
});

describe('handler', () => {
  test('runs the command named on the command line with the plan from the environment', async () => {
    const fake = setup();
    const result = await main(['apply'], { VERTEX_DEPLOYMENT_PLAN: JSON.stringify(plan()) }, fake.rest());
    expect(result).toMatchObject({ deployed: true });
  });

  test('refuses an unknown command and a missing plan with a clear message', async () => {
    const fake = setup();
    await expect(main(['deploy'], {}, fake.rest())).rejects.toThrow(/unknown command "deploy": expected apply, retire or teardown/);
    await expect(main(['apply'], {}, fake.rest())).rejects.toThrow(/VERTEX_DEPLOYMENT_PLAN is not set/);
    await expect(main(['retire'], { VERTEX_DEPLOYMENT_PLAN: '{' }, fake.rest())).rejects.toThrow(/VERTEX_DEPLOYMENT_PLAN is not JSON/);
  });
});
