import { VertexAiEndpoint } from '@cdktf/provider-google/lib/vertex-ai-endpoint';
import { Annotations, AssetType, DataResource, ITerraformDependable, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import { DEFAULT_PORT, NameRule, ROUTES, ResolvedServing, isUnresolved } from '../../lib';
import { handlerBundleDirectory } from '../../lib/internal/package-layout';
import { autoscalingSpecs } from './endpoint-autoscaling';
import { GcpMachine, vertexAcceleratorType } from './machine-types';
import type { ModelEndpointProps } from './model-endpoint';
import { ServingSpec } from './vertex/bodies';
import { MODEL_ENDPOINT_LABEL, TeardownPlan } from './vertex/plan';

/** Route the bundled server answers Vertex AI's predict requests on (Vertex AI hands it over as AIP_PREDICT_ROUTE). */
export const VERTEX_PREDICT_ROUTE = '/predict';

/**
 * Probe timing for Vertex AI. googleapis google/cloud/aiplatform/v1/model.proto `Probe`: `period_seconds`
 * "Must be less than timeout_seconds", `timeout_seconds` "Must be greater or equal to period_seconds" (the
 * reverse of Kubernetes' usual shape); both at least 1.
 */
export const VERTEX_PROBE_TIMING = { periodSeconds: 10, timeoutSeconds: 15 } as const;

/** What the deployment is made from. */
export interface VertexDeploymentParts {
  readonly endpoint: VertexAiEndpoint;
  readonly endpointId: string;
  readonly serving: ResolvedServing;
  readonly labels: Readonly<Record<string, string>>;
  readonly imageUri: string;
  readonly artifactUri: string;
  readonly serviceAccountEmail: string;
  readonly machine?: GcpMachine;
  readonly deploymentTimeoutSeconds: number;
  /** What must exist before the deployer runs (artifact, grants). */
  readonly dependsOn: ITerraformDependable[];
}

/** The deployer's resources; the plan itself is rendered by the endpoint (ModelEndpoint.renderPlan). */
export interface VertexDeployment {
  readonly deployerPath: string;
  readonly teardown: DataResource;
  readonly spec: ServingSpec;
  readonly deployment: DataResource;
}

/**
 * The pre-bundled deployer that `terraform apply` runs: a teardown that undeploys and deletes everything on the
 * endpoint before Terraform deletes it, the ServingSpec, and the deployment that uploads and deploys the model.
 */
export function createVertexDeployment(scope: Construct, props: ModelEndpointProps, parts: VertexDeploymentParts): VertexDeployment {
  const { endpoint, endpointId, serving, labels } = parts;
  const name = props.metadata.name;
  const dt = parts.deploymentTimeoutSeconds;
  // The deployer ships pre-bundled; Terraform copies it into the stack's assets so `terraform apply` alone runs it.
  const deployer = new TerraformAsset(scope, 'Deployer', { path: handlerBundleDirectory('gcp', 'vertex-deployer'), type: AssetType.DIRECTORY });
  const deployerPath = deployer.path;

  const teardownPlan: TeardownPlan = { project: props.project, location: props.region, endpointId, modelLabelKey: MODEL_ENDPOINT_LABEL, timeoutSeconds: 1800 };
  const teardown = new DataResource(scope, 'Teardown', {
    input: teardownPlan,
    dependsOn: [endpoint],
    provisioners: [{
      type: 'local-exec',
      when: 'destroy',
      command: `node "${deployerPath}/index.js" teardown`,
      environment: { VERTEX_TEARDOWN_PLAN: '${jsonencode(self.input)}' },
    }],
  });

  const acceleratorType = serving.accelerator ? vertexAcceleratorType(serving.accelerator) : undefined;
  const spec: ServingSpec = {
    displayName: `${name}-${NameRule.GCP_LABEL_VALUE.sanitize(props.metadata.version)}`.slice(0, 128),
    description: `${name} ${props.metadata.version}, owner ${props.metadata.owner}`,
    labels: { ...labels, [MODEL_ENDPOINT_LABEL]: endpointId },
    artifactUri: parts.artifactUri,
    imageUri: parts.imageUri,
    port: DEFAULT_PORT,
    predictRoute: VERTEX_PREDICT_ROUTE,
    healthRoute: ROUTES.ready,
    // Terraform reads "${" and "%{" in strings as templates; a tensor name in the signature could hold one.
    environment: Object.fromEntries(Object.entries(serving.environment).map(([k, v]) => [k, escapeTerraformTemplate(v)])),
    deploymentTimeoutSeconds: dt,
    startupProbe: { path: ROUTES.ready, ...VERTEX_PROBE_TIMING, failureThreshold: Math.max(1, Math.ceil(dt / VERTEX_PROBE_TIMING.periodSeconds)) },
    healthProbe: { path: ROUTES.ready, ...VERTEX_PROBE_TIMING, failureThreshold: 3 },
    machineType: props.machineType,
    acceleratorType,
    acceleratorCount: acceleratorType ? parts.machine?.gpuCount ?? serving.acceleratorCount : undefined,
    minReplicas: serving.minReplicas,
    maxReplicas: serving.maxReplicas,
    autoscaling: autoscalingSpecs(serving, (m) => Annotations.of(scope).addWarning(m)),
    serviceAccount: parts.serviceAccountEmail,
    enableAccessLogging: props.accessLogging ?? true,
    kmsKeyName: props.kmsKeyName,
  };

  const deployment = new DataResource(scope, 'Deployment', {
    dependsOn: [teardown, endpoint, ...parts.dependsOn],
    // Create the new deployment before the old one goes, so traffic moves without a gap. Terraform does not
    // run a create_before_destroy predecessor's destroy-time provisioner (seen with Terraform 1.11), so the
    // new deployment's apply retires the models it replaced; `retire` runs when the resource is destroyed.
    lifecycle: { createBeforeDestroy: true },
    provisioners: [
      { type: 'local-exec', command: `node "${deployerPath}/index.js" apply`, environment: { VERTEX_DEPLOYMENT_PLAN: '${jsonencode(self.input)}' } },
      { type: 'local-exec', when: 'destroy', command: `node "${deployerPath}/index.js" retire`, environment: { VERTEX_DEPLOYMENT_PLAN: '${jsonencode(self.input)}' } },
    ],
  });
  return { deployerPath, teardown, spec, deployment };
}

function escapeTerraformTemplate(value: string): string {
  return value.replace(/\$\{/g, '$$${').replace(/%\{/g, '%%{');
}

/** Every Terraform reference in a value, once each (the deployment is replaced when one of them changes). */
export function unresolvedStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string' && isUnresolved(value) && !out.includes(value)) out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => unresolvedStrings(v, out));
  else if (value !== null && typeof value === 'object') Object.values(value).forEach((v) => unresolvedStrings(v, out));
  return out;
}
