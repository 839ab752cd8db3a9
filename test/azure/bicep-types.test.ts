import { AZURE_ML_TYPES, environmentVersionBody, modelVersionBody, onlineDeploymentBody, onlineEndpointBody } from '../../constructs/azure';
import { azureTypes } from './support/synth';

const types = azureTypes();

// A deployment body as azapi sends it (body merged with name and location).
function deployment(overrides: (b: Record<string, any>) => void = () => undefined): Record<string, any> {
  const body = JSON.parse(JSON.stringify(onlineDeploymentBody({
    instanceType: 'Standard_DS3_v2',
    instanceCount: 2,
    modelId: '${azapi_resource.model.id}',
    environmentId: '${azapi_resource.env.id}',
    environmentVariables: { MODEL_SERVER_MODEL_NAME: 'digits' },
    requestTimeoutMs: 31_000,
    maxConcurrentRequestsPerInstance: 16,
    liveness: { initialDelayMs: 10_000, periodMs: 10_000, timeoutMs: 2000, failureThreshold: 30, successThreshold: 1 },
    readiness: { initialDelayMs: 10_000, periodMs: 10_000, timeoutMs: 2000, failureThreshold: 30, successThreshold: 1 },
    appInsightsEnabled: true,
    egressPublicNetworkAccess: false,
    description: 'digits 1.0.0',
  })));
  const full = { ...body, name: 'main', location: 'westeurope' };
  overrides(full);
  return full;
}

describe('the bicep-types walker (what azapi checks at plan time)', () => {
  test('knows the five Azure ML types the constructs write, at 2025-06-01', () => {
    for (const t of Object.values(AZURE_ML_TYPES)) expect(types.resourceTypes).toContain(t);
  });

  test('accepts the body builders\' output', () => {
    expect(types.validate(AZURE_ML_TYPES.onlineDeployment, deployment())).toEqual([]);
    expect(types.validate(AZURE_ML_TYPES.onlineEndpoint, {
      ...onlineEndpointBody({ authMode: 'Key', publicNetworkAccess: false, description: 'x' }),
      name: 'digits-1', location: 'westeurope', identity: { type: 'SystemAssigned' },
    })).toEqual([]);
    expect(types.validate(AZURE_ML_TYPES.modelVersion, { ...modelVersionBody({ modelUri: 'https://a.blob.core.windows.net/c/m.onnx', description: 'd', tags: { a: 'b' } }), name: '1' })).toEqual([]);
    expect(types.validate(AZURE_ML_TYPES.environmentVersion, {
      ...environmentVersionBody({ image: 'r.azurecr.io/s:1', port: 8080, livenessPath: '/l', readinessPath: '/r', scoringPath: '/s', description: 'd', tags: {} }),
      name: 'abc',
    })).toEqual([]);
  });

  test('rejects an unknown property', () => {
    const errors = types.validate(AZURE_ML_TYPES.onlineDeployment, deployment((b) => { b.properties.maxReplicas = 3; }));
    expect(errors).toEqual([expect.stringMatching(/^\.properties\.maxReplicas: not a property of this type \(allowed: .*instanceType/)]);
  });

  test('rejects an unknown property deep inside (a probe)', () => {
    const errors = types.validate(AZURE_ML_TYPES.onlineDeployment, deployment((b) => { b.properties.livenessProbe.path = '/v2/health/live'; }));
    expect(errors).toEqual([expect.stringMatching(/^\.properties\.livenessProbe\.path: not a property/)]);
  });

  test('rejects a missing required property', () => {
    const errors = types.validate(AZURE_ML_TYPES.onlineDeployment, deployment((b) => { delete b.location; }));
    expect(errors).toEqual(['.location: required']);
    const sku = types.validate(AZURE_ML_TYPES.onlineDeployment, deployment((b) => { delete b.sku.name; }));
    expect(sku).toEqual(['.sku.name: required']);
  });

  test('rejects a missing discriminator and an unknown one', () => {
    expect(types.validate(AZURE_ML_TYPES.onlineDeployment, deployment((b) => { delete b.properties.endpointComputeType; })))
      .toEqual([expect.stringMatching(/^\.properties\.endpointComputeType: required \(the discriminator of OnlineDeploymentProperties; one of .*Managed/)]);
    expect(types.validate(AZURE_ML_TYPES.onlineDeployment, deployment((b) => { b.properties.endpointComputeType = 'Serverless'; })))
      .toEqual([expect.stringMatching(/^\.properties\.endpointComputeType: "Serverless" is not one of .*"Managed"/)]);
  });

  test('rejects a read-only property', () => {
    const errors = types.validate(AZURE_ML_TYPES.onlineDeployment, deployment((b) => { b.properties.provisioningState = 'Succeeded'; }));
    expect(errors).toEqual(['.properties.provisioningState: read-only, must not be set']);
    const endpoint = types.validate(AZURE_ML_TYPES.onlineEndpoint, { name: 'e', location: 'w', properties: { authMode: 'Key', scoringUri: 'https://x' } });
    expect(endpoint).toEqual(['.properties.scoringUri: read-only, must not be set']);
  });

  test('rejects a wrong enum value, including the CLI spelling of an open enum', () => {
    expect(types.validate(AZURE_ML_TYPES.onlineDeployment, deployment((b) => { b.properties.egressPublicNetworkAccess = 'Off'; })))
      .toEqual([expect.stringMatching(/^\.properties\.egressPublicNetworkAccess: "Off" is not one of "Enabled", "Disabled"/)]);
    expect(types.validate(AZURE_ML_TYPES.onlineEndpoint, { name: 'e', location: 'w', properties: { authMode: 'key' } }))
      .toEqual([expect.stringMatching(/^\.properties\.authMode: "key" is not one of "AMLToken", "Key", "AADToken"/)]);
  });

  test('rejects a wrong type', () => {
    expect(types.validate(AZURE_ML_TYPES.onlineDeployment, deployment((b) => { b.sku.capacity = '2'; })))
      .toEqual(['.sku.capacity: expected an integer, got string "2"']);
    expect(types.validate(AZURE_ML_TYPES.onlineDeployment, deployment((b) => { b.properties.appInsightsEnabled = 'true'; })))
      .toEqual(['.properties.appInsightsEnabled: expected a boolean, got string "true"']);
    expect(types.validate(AZURE_ML_TYPES.onlineDeployment, deployment((b) => { b.properties.environmentVariables = ['A=1']; })))
      .toEqual(['.properties.environmentVariables: expected an object, got array']);
    expect(types.validate(AZURE_ML_TYPES.onlineDeployment, deployment((b) => { b.properties.environmentVariables.N = 3; })))
      .toEqual(['.properties.environmentVariables.N: expected a string, got number']);
  });

  test('skips Terraform references, which azapi cannot know at plan time', () => {
    expect(types.validate(AZURE_ML_TYPES.onlineDeployment, deployment((b) => { b.sku.capacity = '${var.capacity}'; }))).toEqual([]);
  });

  test('names an api-version the file does not hold', () => {
    expect(types.validate('Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2026-09-01', {}))
      .toEqual([expect.stringMatching(/not in the type graph/)]);
  });
});
