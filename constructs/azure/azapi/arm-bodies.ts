/**
 * Azure ML request bodies (api-version 2025-06-01) as plain TypeScript: one interface per ARM type and a
 * builder for each. No cdktf types here, so a later move off cdktf (raw .tf.json, another IaC tool) keeps
 * them. Property names and values follow the ARM type graph azapi checks at plan time
 * (test/fixtures/schemas/azure/); the tests validate every built body against it.
 */

/** The one Azure ML api-version the constructs use; azapi embeds its types from v2.5.0 on. */
export const AZURE_ML_API_VERSION = '2025-06-01';

/** `<resource type>@<api-version>` for each ARM type the constructs write. */
export const AZURE_ML_TYPES = {
  workspace: `Microsoft.MachineLearningServices/workspaces@${AZURE_ML_API_VERSION}`,
  modelVersion: `Microsoft.MachineLearningServices/workspaces/models/versions@${AZURE_ML_API_VERSION}`,
  environmentVersion: `Microsoft.MachineLearningServices/workspaces/environments/versions@${AZURE_ML_API_VERSION}`,
  onlineEndpoint: `Microsoft.MachineLearningServices/workspaces/onlineEndpoints@${AZURE_ML_API_VERSION}`,
  onlineDeployment: `Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments@${AZURE_ML_API_VERSION}`,
} as const;

/** ARM spellings of the endpoint auth modes (the CLI's `key`, `aad_token`, `aml_token`). */
export type ArmAuthMode = 'Key' | 'AADToken' | 'AMLToken';
export type ArmEnabled = 'Enabled' | 'Disabled';

export interface ArmRoute {
  readonly path: string;
  readonly port: number;
}

export interface ArmProbe {
  /** ISO 8601 duration. */
  readonly initialDelay: string;
  readonly period: string;
  readonly timeout: string;
  readonly failureThreshold: number;
  readonly successThreshold: number;
}

// The nested objects are named after their ARM definitions (ModelVersionProperties, InferenceContainerProperties,
// ...) so that each is a jsii data type too (jsii has no anonymous object types).

/** ARM `ModelVersionProperties`, the fields the constructs set. */
export interface ModelVersionProperties {
  readonly modelType: 'custom_model';
  readonly modelUri: string;
  readonly description?: string;
  readonly tags?: Record<string, string>;
  readonly properties?: Record<string, string>;
}

export interface ModelVersionBody {
  readonly properties: ModelVersionProperties;
}

/** ARM `InferenceContainerProperties`: the server's routes. */
export interface InferenceContainerProperties {
  readonly livenessRoute: ArmRoute;
  readonly readinessRoute: ArmRoute;
  readonly scoringRoute: ArmRoute;
}

/** ARM `EnvironmentVersionProperties`, the fields the constructs set. */
export interface EnvironmentVersionProperties {
  readonly image: string;
  readonly osType: 'Linux';
  readonly autoRebuild: 'Disabled';
  readonly inferenceConfig: InferenceContainerProperties;
  readonly description?: string;
  readonly tags?: Record<string, string>;
}

export interface EnvironmentVersionBody {
  readonly properties: EnvironmentVersionProperties;
}

/** ARM `OnlineEndpointProperties`, the fields the constructs set. */
export interface OnlineEndpointProperties {
  readonly authMode: ArmAuthMode;
  readonly publicNetworkAccess: ArmEnabled;
  readonly description?: string;
}

export interface OnlineEndpointBody {
  readonly properties: OnlineEndpointProperties;
}

/** The traffic fields of ARM `OnlineEndpointProperties`. */
export interface EndpointTrafficProperties {
  readonly traffic: Record<string, number>;
  readonly mirrorTraffic: Record<string, number>;
}

/** What an endpoint PUT carries for traffic (merged into the endpoint by azapi_update_resource). */
export interface EndpointTrafficBody {
  readonly properties: EndpointTrafficProperties;
}

/** ARM `Sku` of a managed online deployment: the name is always "Default", the capacity is the instance count. */
export interface OnlineDeploymentSku {
  readonly name: 'Default';
  readonly capacity: number;
}

/** ARM `DefaultScaleSettings`. */
export interface DefaultScaleSettings {
  readonly scaleType: 'Default';
}

/** ARM `OnlineRequestSettings`, the fields the constructs set. */
export interface OnlineRequestSettings {
  readonly requestTimeout: string;
  readonly maxConcurrentRequestsPerInstance: number;
}

/** ARM `ManagedOnlineDeployment` properties, the fields the constructs set. */
export interface OnlineDeploymentProperties {
  readonly endpointComputeType: 'Managed';
  readonly instanceType: string;
  readonly model: string;
  readonly environmentId: string;
  readonly environmentVariables: Record<string, string>;
  readonly scaleSettings: DefaultScaleSettings;
  readonly requestSettings: OnlineRequestSettings;
  readonly livenessProbe: ArmProbe;
  readonly readinessProbe: ArmProbe;
  readonly appInsightsEnabled: boolean;
  readonly egressPublicNetworkAccess: ArmEnabled;
  readonly description?: string;
}

export interface OnlineDeploymentBody {
  /** Instance count is `sku.capacity`; the SKU name is always "Default" for managed deployments. */
  readonly sku: OnlineDeploymentSku;
  readonly properties: OnlineDeploymentProperties;
}

/** ISO 8601 duration from milliseconds, e.g. 30000 -> `PT30S`, 1500 -> `PT1.5S`. */
export function isoDuration(ms: number): string {
  const seconds = ms / 1000;
  if (seconds % 3600 === 0 && seconds > 0) return `PT${seconds / 3600}H`;
  if (seconds % 60 === 0 && seconds > 0) return `PT${seconds / 60}M`;
  return `PT${Number(seconds.toFixed(3))}S`;
}

export interface ModelVersionInput {
  readonly modelUri: string;
  readonly description: string;
  readonly tags: Record<string, string>;
  /** e.g. the model file's SHA-256, so the version records what it holds. */
  readonly properties?: Record<string, string>;
}

export function modelVersionBody(i: ModelVersionInput): ModelVersionBody {
  return {
    properties: {
      modelType: 'custom_model',
      modelUri: i.modelUri,
      description: i.description,
      tags: { ...i.tags },
      ...(i.properties ? { properties: { ...i.properties } } : {}),
    },
  };
}

export interface EnvironmentVersionInput {
  readonly image: string;
  readonly port: number;
  readonly livenessPath: string;
  readonly readinessPath: string;
  readonly scoringPath: string;
  readonly description: string;
  readonly tags: Record<string, string>;
}

export function environmentVersionBody(i: EnvironmentVersionInput): EnvironmentVersionBody {
  return {
    properties: {
      image: i.image,
      osType: 'Linux',
      // The image is pinned by the caller; a rebuild would change what a version means.
      autoRebuild: 'Disabled',
      inferenceConfig: {
        livenessRoute: { path: i.livenessPath, port: i.port },
        readinessRoute: { path: i.readinessPath, port: i.port },
        scoringRoute: { path: i.scoringPath, port: i.port },
      },
      description: i.description,
      tags: { ...i.tags },
    },
  };
}

export interface OnlineEndpointInput {
  readonly authMode: ArmAuthMode;
  readonly publicNetworkAccess: boolean;
  readonly description: string;
}

export function onlineEndpointBody(i: OnlineEndpointInput): OnlineEndpointBody {
  return {
    properties: {
      authMode: i.authMode,
      publicNetworkAccess: i.publicNetworkAccess ? 'Enabled' : 'Disabled',
      description: i.description,
    },
  };
}

export interface ProbeInput {
  readonly initialDelayMs: number;
  readonly periodMs: number;
  readonly timeoutMs: number;
  readonly failureThreshold: number;
  readonly successThreshold: number;
}

export interface OnlineDeploymentInput {
  readonly instanceType: string;
  readonly instanceCount: number;
  readonly modelId: string;
  readonly environmentId: string;
  readonly environmentVariables: Record<string, string>;
  readonly requestTimeoutMs: number;
  readonly maxConcurrentRequestsPerInstance: number;
  readonly liveness: ProbeInput;
  readonly readiness: ProbeInput;
  readonly appInsightsEnabled: boolean;
  readonly egressPublicNetworkAccess: boolean;
  readonly description: string;
}

function probe(p: ProbeInput): ArmProbe {
  return {
    initialDelay: isoDuration(p.initialDelayMs),
    period: isoDuration(p.periodMs),
    timeout: isoDuration(p.timeoutMs),
    failureThreshold: p.failureThreshold,
    successThreshold: p.successThreshold,
  };
}

export function onlineDeploymentBody(i: OnlineDeploymentInput): OnlineDeploymentBody {
  return {
    sku: { name: 'Default', capacity: i.instanceCount },
    properties: {
      endpointComputeType: 'Managed',
      instanceType: i.instanceType,
      model: i.modelId,
      environmentId: i.environmentId,
      environmentVariables: { ...i.environmentVariables },
      // Managed deployments accept only the default scale type; autoscaling is Azure Monitor's job.
      scaleSettings: { scaleType: 'Default' },
      requestSettings: {
        requestTimeout: isoDuration(i.requestTimeoutMs),
        maxConcurrentRequestsPerInstance: i.maxConcurrentRequestsPerInstance,
      },
      livenessProbe: probe(i.liveness),
      readinessProbe: probe(i.readiness),
      appInsightsEnabled: i.appInsightsEnabled,
      egressPublicNetworkAccess: i.egressPublicNetworkAccess ? 'Enabled' : 'Disabled',
      description: i.description,
    },
  };
}

export function endpointTrafficBody(traffic: Record<string, number>, mirrorTraffic: Record<string, number> = {}): EndpointTrafficBody {
  return { properties: { traffic: { ...traffic }, mirrorTraffic: { ...mirrorTraffic } } };
}
