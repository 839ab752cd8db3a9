import { join } from 'node:path';
import { Construct } from 'constructs';
import { ModelArtifact, ModelMetadata, ServingImage } from '../../../lib';
import { ModelEndpoint, ModelEndpointProps } from '../../../constructs/azure';

export const MODEL_FILE = join(__dirname, '..', '..', '..', 'examples', 'models', 'digits-classifier', '1', 'model.onnx');
export const model = ModelArtifact.fromFile(MODEL_FILE);
export const metadata: ModelMetadata = { name: 'digits', version: '1.0.0', owner: 'ml-platform' };
export const IMAGE = 'contoso.azurecr.io/model-server@sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae';
export const image = ServingImage.fromRegistry(IMAGE);
export const SUB = '00000000-0000-0000-0000-000000000000';
export const WORKSPACE_ID = `/subscriptions/${SUB}/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/ws`;
export const REGISTRY_ID = `/subscriptions/${SUB}/resourceGroups/rg-ml/providers/Microsoft.ContainerRegistry/registries/contoso`;

/** The smallest valid endpoint: CPU, new workspace, registry image. */
export function baseProps(overrides: Partial<ModelEndpointProps> = {}): ModelEndpointProps {
  return {
    model,
    metadata,
    image,
    imageRegistryId: REGISTRY_ID,
    resourceGroupName: 'rg-ml',
    location: 'westeurope',
    instanceType: 'Standard_DS3_v2',
    ...overrides,
  };
}

export function endpoint(scope: Construct, overrides: Partial<ModelEndpointProps> = {}, id = 'Endpoint'): ModelEndpoint {
  return new ModelEndpoint(scope, id, baseProps(overrides));
}

/** An Entra application registration for the Functions' secure webhooks (made-up ids). */
export const WEBHOOK_APP = {
  clientId: '44444444-4444-4444-4444-444444444444',
  objectId: '55555555-5555-5555-5555-555555555555',
  identifierUri: 'api://44444444-4444-4444-4444-444444444444',
};
