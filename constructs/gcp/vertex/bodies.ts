/**
 * Vertex AI v1 REST request bodies, as plain TypeScript (no cdktf): the deployer and the Cloud Functions send
 * exactly what these builders return, and the tests check every body against the API's own protos
 * (`@google-cloud/aiplatform` build/protos/protos.json). Field names are the protos' JSON names.
 */

/** `google.cloud.aiplatform.v1.AutoscalingMetricSpec.metric_name` values Vertex AI documents for v1. */
export const VERTEX_METRICS = {
  cpuUtilization: 'aiplatform.googleapis.com/prediction/online/cpu/utilization',
  acceleratorDutyCycle: 'aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle',
} as const;

/** Everything the deployer needs to upload and deploy one model; rendered at synth time into the plan. */
export interface ServingSpec {
  readonly displayName: string;
  readonly description: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Folder (ends in `/`) that holds `model.onnx`. */
  readonly artifactUri: string;
  readonly imageUri: string;
  readonly port: number;
  readonly predictRoute: string;
  readonly healthRoute: string;
  readonly environment: Readonly<Record<string, string>>;
  /** Seconds Vertex AI waits for the container to become healthy (`deploymentTimeout`, at most 7200). */
  readonly deploymentTimeoutSeconds: number;
  readonly startupProbe: ProbeSpec;
  readonly healthProbe: ProbeSpec;
  readonly machineType: string;
  /** Vertex AI accelerator enum name, e.g. `NVIDIA_L4`. */
  readonly acceleratorType?: string;
  readonly acceleratorCount?: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly autoscaling: MetricTarget[];
  /** The runtime service account the container runs as. */
  readonly serviceAccount: string;
  readonly enableAccessLogging: boolean;
  /** Cloud KMS key for the Model (`encryptionSpec`). @default - Google-managed encryption at rest */
  readonly kmsKeyName?: string;
}

export interface ProbeSpec {
  readonly path: string;
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly failureThreshold: number;
}

export interface MetricTarget {
  readonly metricName: string;
  readonly target: number;
}

/** Identifiers the deployer derives from the plan's hash (see deployer.ts). */
export interface DeploymentIds {
  /** `[a-z][a-z0-9_-]{0,62}`. */
  readonly modelId: string;
  /** 1-10 digits. */
  readonly deployedModelId: string;
}

export function vertexHost(location: string): string {
  return `https://${location}-aiplatform.googleapis.com`;
}

export function locationName(project: string, location: string): string {
  return `projects/${project}/locations/${location}`;
}

export function endpointName(project: string, location: string, endpointId: string): string {
  return `${locationName(project, location)}/endpoints/${endpointId}`;
}

export function modelName(project: string, location: string, modelId: string): string {
  return `${locationName(project, location)}/models/${modelId}`;
}

function probe(p: ProbeSpec, port: number): Record<string, unknown> {
  return {
    httpGet: { path: p.path, port },
    periodSeconds: p.periodSeconds,
    timeoutSeconds: p.timeoutSeconds,
    failureThreshold: p.failureThreshold,
  };
}

/** `POST /v1/{parent}/models:upload` (UploadModelRequest; `parent` travels in the URL). */
export function uploadModelRequest(spec: ServingSpec, ids: DeploymentIds): Record<string, unknown> {
  return {
    modelId: ids.modelId,
    model: {
      displayName: spec.displayName,
      description: spec.description,
      labels: { ...spec.labels },
      artifactUri: spec.artifactUri,
      containerSpec: {
        imageUri: spec.imageUri,
        env: Object.entries(spec.environment).sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => ({ name, value })),
        ports: [{ containerPort: spec.port }],
        predictRoute: spec.predictRoute,
        healthRoute: spec.healthRoute,
        deploymentTimeout: `${spec.deploymentTimeoutSeconds}s`,
        startupProbe: probe(spec.startupProbe, spec.port),
        healthProbe: probe(spec.healthProbe, spec.port),
      },
      ...(spec.kmsKeyName ? { encryptionSpec: { kmsKeyName: spec.kmsKeyName } } : {}),
    },
  };
}

function dedicatedResources(spec: Pick<ServingSpec, 'machineType' | 'acceleratorType' | 'acceleratorCount' | 'autoscaling'>, min: number, max: number): Record<string, unknown> {
  const machineSpec: Record<string, unknown> = { machineType: spec.machineType };
  if (spec.acceleratorType) {
    machineSpec.acceleratorType = spec.acceleratorType;
    machineSpec.acceleratorCount = spec.acceleratorCount ?? 1;
  }
  return {
    machineSpec,
    minReplicaCount: min,
    maxReplicaCount: max,
    autoscalingMetricSpecs: spec.autoscaling.map((m) => ({ metricName: m.metricName, target: m.target })),
  };
}

/**
 * `POST /v1/{endpoint}:deployModel` (DeployModelRequest). `trafficSplit` uses "0" for the model being
 * deployed; values must add up to 100.
 */
export function deployModelRequest(
  spec: ServingSpec,
  ids: DeploymentIds,
  project: string,
  location: string,
  trafficSplit: Readonly<Record<string, number>>,
): Record<string, unknown> {
  return {
    deployedModel: {
      id: ids.deployedModelId,
      model: modelName(project, location, ids.modelId),
      displayName: spec.displayName,
      dedicatedResources: dedicatedResources(spec, spec.minReplicas, spec.maxReplicas),
      serviceAccount: spec.serviceAccount,
      enableAccessLogging: spec.enableAccessLogging,
    },
    trafficSplit: { ...trafficSplit },
  };
}

/** What the deployer and the functions read back from `GET /v1/{endpoint}`. */
export interface EndpointView {
  readonly name?: string;
  readonly deployedModels?: DeployedModelView[];
  readonly trafficSplit?: Readonly<Record<string, number>>;
}

export interface DeployedModelView {
  readonly id: string;
  readonly model?: string;
  readonly displayName?: string;
  readonly dedicatedResources?: DedicatedResourcesView;
}

/** A deployed model's `dedicatedResources` as read back (DedicatedResources, the fields the functions use). */
export interface DedicatedResourcesView {
  readonly machineSpec?: Record<string, unknown>;
  readonly minReplicaCount?: number;
  readonly maxReplicaCount?: number;
  readonly autoscalingMetricSpecs?: MetricTarget[];
}

/**
 * `POST /v1/{endpoint}:mutateDeployedModel` setting the replica bounds (MutateDeployedModelRequest): the
 * budget enforcer pins them at the floor, the deployer puts them back. The machine spec is sent back
 * unchanged because the message requires it; only the replica counts are in the update mask.
 */
export function mutateReplicasRequest(deployed: DeployedModelView, minReplicas: number, maxReplicas: number): Record<string, unknown> {
  const current = deployed.dedicatedResources ?? {};
  return {
    deployedModel: {
      id: deployed.id,
      ...(deployed.model ? { model: deployed.model } : {}),
      dedicatedResources: {
        machineSpec: { ...(current.machineSpec ?? {}) },
        minReplicaCount: minReplicas,
        maxReplicaCount: maxReplicas,
      },
    },
    updateMask: 'dedicatedResources.minReplicaCount,dedicatedResources.maxReplicaCount',
  };
}

/**
 * `POST /v1/{endpoint}:undeployModel` (UndeployModelRequest). Vertex AI refuses to undeploy a model that
 * still has traffic unless `trafficSplit` takes it away, so the remaining split is sent along.
 */
export function undeployModelRequest(deployedModelId: string, remainingSplit: Readonly<Record<string, number>> | undefined): Record<string, unknown> {
  return remainingSplit === undefined ? { deployedModelId } : { deployedModelId, trafficSplit: { ...remainingSplit } };
}

/** `PATCH /v1/{endpoint}?updateMask=trafficSplit` (the Endpoint message; only the split is changed). */
export function trafficSplitUpdate(split: Readonly<Record<string, number>>): Record<string, unknown> {
  return { trafficSplit: { ...split } };
}

/**
 * The split after removing one deployed model: its share goes to the others in proportion, in whole
 * percents that add up to 100. Empty when nothing else is deployed, or nothing else had traffic and there
 * is nothing to give it to. Undefined when the model had no traffic (the split can stay as it is).
 */
export function splitWithout(
  split: Readonly<Record<string, number>>,
  removed: string,
  deployedIds: readonly string[],
): Record<string, number> | undefined {
  const share = split[removed] ?? 0;
  const others = deployedIds.filter((id) => id !== removed);
  if (share === 0) return undefined;
  if (others.length === 0) return {};
  const weights = others.map((id) => split[id] ?? 0);
  const total = weights.reduce((a, b) => a + b, 0);
  const base = total === 0 ? others.map(() => 1) : weights;
  const baseTotal = base.reduce((a, b) => a + b, 0);
  const raw = base.map((w) => (w * 100) / baseTotal);
  const floors = raw.map(Math.floor);
  let left = 100 - floors.reduce((a, b) => a + b, 0);
  // Largest remainders get the leftover percents, so the result is exact and stable.
  const order = raw.map((r, i) => [r - floors[i], i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left === 0) break;
    floors[i] += 1;
    left -= 1;
  }
  const out: Record<string, number> = {};
  others.forEach((id, i) => {
    if (floors[i] > 0) out[id] = floors[i];
  });
  return out;
}
