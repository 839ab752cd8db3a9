/** gRPC is on where the platform can route it to the container, off (and told to the server) elsewhere, refused when asked for there. */
import { BackendCapabilities, ModelArtifact, ServingImage, SpecResolver } from '../../lib';
import { SAGEMAKER_CAPABILITIES } from '../../constructs/aws/capabilities';
import { AZURE_ML_CAPABILITIES } from '../../constructs/azure/capabilities';
import { VERTEX_CAPABILITIES } from '../../constructs/gcp/capabilities';
import { KSERVE_RAW_CAPABILITIES, KSERVE_SERVERLESS_CAPABILITIES, KUBERNETES_CAPABILITIES } from '../../constructs/k8s/capabilities';
import { DEMO_MODEL_PATH } from '../../scripts/generate-models';

const spec = {
  model: ModelArtifact.fromFile(DEMO_MODEL_PATH),
  metadata: { name: 'digits', version: '1.0.0', owner: 'ml-platform' },
  image: ServingImage.fromRegistry('registry.example.com/model-server:1.0.0'),
};
/** An image each platform pulls from. */
const IMAGES: Record<string, string> = {
  SageMaker: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/model-server:1.0.0',
  'Vertex AI': 'europe-west4-docker.pkg.dev/acme/serving/model-server:1.0.0',
  'Azure ML': 'contosoml.azurecr.io/model-server:1.0.0',
};
const on = (caps: BackendCapabilities) => ({ ...spec, image: ServingImage.fromRegistry(IMAGES[caps.backend] ?? 'registry.example.com/model-server:1.0.0') });
const HTTP_ONLY: BackendCapabilities[] = [SAGEMAKER_CAPABILITIES, VERTEX_CAPABILITIES, AZURE_ML_CAPABILITIES, KSERVE_SERVERLESS_CAPABILITIES, KSERVE_RAW_CAPABILITIES];

test('Kubernetes: on by default (the server\'s default port, nothing to render), off on request', () => {
  const on = SpecResolver.serving(spec, KUBERNETES_CAPABILITIES).throwIfInvalid('t');
  expect(on.grpc).toBe(true);
  expect(on.environment.MODEL_SERVER_GRPC_PORT).toBeUndefined();
  const off = SpecResolver.serving({ ...spec, server: { grpc: false } }, KUBERNETES_CAPABILITIES).throwIfInvalid('t');
  expect(off.grpc).toBe(false);
  expect(off.environment.MODEL_SERVER_GRPC_PORT).toBe('0');
});

test.each(HTTP_ONLY.map((c) => [c.backend, c] as const))('%s: off by default, the server told to close the port; asking for it is refused by name', (backend, caps) => {
  const resolved = SpecResolver.serving(on(caps), caps).throwIfInvalid('t');
  expect(resolved.grpc).toBe(false);
  expect(resolved.environment.MODEL_SERVER_GRPC_PORT).toBe('0');
  const asked = SpecResolver.serving({ ...on(caps), server: { grpc: true } }, caps);
  expect(() => asked.throwIfInvalid('t')).toThrow(new RegExp(`server\\.grpc: got true; allowed: on ${backend.replace(/[()]/g, '\\$&')}: false`));
});
