import { synth as synthScope } from './support/cdktf';
import { VertexAiEndpoint } from '@cdktf/provider-google/lib/vertex-ai-endpoint';
import { Accelerator, ModelArtifact, ServingImage } from '../../lib';
import { ModelEndpoint, ModelEndpointProps } from '../../constructs/gcp';
import { model } from '../k8s/fixtures';

const IMAGE = 'europe-west4-docker.pkg.dev/acme-ml/serving/model-server:2.0.0';

function props(overrides: Partial<ModelEndpointProps> = {}): ModelEndpointProps {
  return {
    project: 'acme-ml',
    region: 'europe-west4',
    machineType: 'n1-standard-4',
    model,
    metadata: { name: 'digits', version: '1.0.0', owner: 'ml-platform' },
    image: ServingImage.fromRegistry(IMAGE),
    ...overrides,
  };
}

function synth(p: Partial<ModelEndpointProps> = {}) {
  return synthScope((scope) => {
    new ModelEndpoint(scope, 'Endpoint', props(p));
  });
}

describe('ModelEndpoint (Vertex AI)', () => {
  test('default', () => {
    const { out, json } = synth();
    expect(out).toHaveResourceWithProperties(VertexAiEndpoint, { name: expect.stringMatching(/^[1-9]\d{9}$/), location: 'europe-west4' });
    console.log(JSON.stringify(json.resource.terraform_data, null, 1).slice(0, 3000));
  });
});
