import { join } from 'node:path';
import { ModelArtifact, ModelMetadata, ServingImage } from '../../lib';
import { ModelDelivery, ModelEndpointProps } from '../../constructs/k8s';

export const MODEL_FILE = join(__dirname, '..', '..', 'examples', 'models', 'digits-classifier', '1', 'model.onnx');
export const model = ModelArtifact.fromFile(MODEL_FILE);
export const metadata: ModelMetadata = { name: 'digits', version: '1.0.0', owner: 'ml-platform' };
export const image = ServingImage.fromRegistry('registry.example.com/model-server:1.0.0');
export const PROMETHEUS = 'http://prometheus-operated.monitoring:9090';

/** The smallest valid plain-flavour endpoint. */
export function baseProps(overrides: Partial<ModelEndpointProps> = {}): ModelEndpointProps {
  return { model, metadata, image, modelDelivery: ModelDelivery.bakedIntoImage(), ...overrides };
}
