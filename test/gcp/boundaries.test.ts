/**
 * Vertex AI model and deployed-model ids (constructs/gcp/vertex/plan.ts deploymentIds): a new id for any
 * change of where the model is deployed (endpoint, location) and of how (a rollout), so a deployment never
 * reuses, and then retires, a model that another endpoint, region or rollout still serves. The formats are
 * the receiver's (googleapis google/cloud/aiplatform/v1 protos as shipped in @google-cloud/aiplatform 7.4.0):
 * UploadModelRequest.model_id "may be up to 63 characters, and valid characters are `[a-z0-9_-]`. The first
 * character cannot be a number or hyphen" (model_service.proto); DeployedModel.id "should be 1-10
 * characters, and valid characters are `/[0-9]/`" (endpoint.proto).
 */
import { deploymentIds } from '../../constructs/gcp/vertex/plan';
import { ENDPOINT_ID, LOCATION, plan } from './fixtures';

test('the fixture plan is in another location than the one tried below', () => expect(LOCATION).not.toBe('us-central1'));

const rollout = { stateBucket: 'acme-rollout-state', stateObject: `rollouts/${ENDPOINT_ID}.json`, steps: [{ trafficPercent: 10, bakeSeconds: 600 }, { trafficPercent: 100, bakeSeconds: 600 }] };

describe('Vertex AI ids change with where and how the model is deployed', () => {
  const base = deploymentIds(plan());

  test('the same plan gives the same ids, in the documented formats', () => {
    expect(deploymentIds(plan())).toEqual(base);
    expect(base.modelId).toMatch(/^fraud-classifier-[0-9a-f]{12}$/);
    expect(base.modelId).toMatch(/^[a-z][a-z0-9_-]{0,62}$/);
    expect(base.deployedModelId).toMatch(/^[1-9]\d{9}$/);
  });

  test.each([
    ['another endpoint', plan({ endpointId: '4827163541' })],
    ['another location', plan({ location: 'us-central1' })],
    ['a rollout', plan({ rollout })],
    ['other rollout steps', plan({ rollout: { ...rollout, steps: [{ trafficPercent: 25, bakeSeconds: 600 }, { trafficPercent: 100, bakeSeconds: 600 }] } })],
    ['another project', plan({ project: 'acme-ml-staging' })],
  ])('%s: a new model id and a new deployed-model id', (_what, changed) => {
    const ids = deploymentIds(changed);
    expect(ids.modelId).not.toBe(base.modelId);
    expect(ids.deployedModelId).not.toBe(base.deployedModelId);
    expect(ids.modelId).toMatch(/^fraud-classifier-[0-9a-f]{12}$/);
    expect(ids.deployedModelId).toMatch(/^[1-9]\d{9}$/);
  });
});
