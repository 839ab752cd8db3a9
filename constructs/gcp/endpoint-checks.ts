import { createHash } from 'node:crypto';
import { Annotations } from 'cdktf';
import { Construct } from 'constructs';
import { DASHBOARD_PROP_SHAPES, Duration, ProblemCollector, PropShape, describe, isUnresolved } from '../../lib';
import { VERTEX_CAPABILITIES } from './capabilities';
import { GCP_GPU_REGIONS_SOURCE, GcpMachine, checkGcpMachine, gcpGpuRegionProblem, vertexAcceleratorType } from './machine-types';
import type { ModelEndpointProps } from './model-endpoint';
import { checkBucketName, checkGcpRegion, checkKmsKeyName } from './checks';

/**
 * A notification channel's resource name, as Cloud Monitoring's API names it: NotificationChannel.name
 * "projects/[PROJECT_ID_OR_NUMBER]/notificationChannels/[CHANNEL_ID]" (Monitoring API v3 reference,
 * projects.notificationChannels).
 */
export const NOTIFICATION_CHANNEL = /^projects\/[a-z0-9-]+\/notificationChannels\/[0-9]+$/;
export const NOTIFICATION_CHANNEL_ALLOWED = 'a Cloud Monitoring notification channel name "projects/<project id or number>/notificationChannels/<numeric id>"';
export const NOTIFICATION_CHANNEL_FIX = 'copy the name from `gcloud beta monitoring channels list --format="value(name)"`, or pass a channel\'s .id';

/** The Vertex AI ModelEndpoint's own prop shapes (the shared spec's are checked by throwIfBadPropShapes itself). */
export const ENDPOINT_PROP_SHAPES: readonly PropShape[] = [
  { field: 'project', kind: 'string', required: true, example: "'acme-ml'" },
  { field: 'region', kind: 'string', required: true, example: "'europe-west4'" },
  { field: 'machineType', kind: 'string', required: true, example: "'n1-standard-4'" },
  { field: 'endpointId', kind: 'string', example: "'1234567890'" },
  { field: 'artifactBucketName', kind: 'string', example: "'acme-ml-models'" },
  { field: 'kmsKeyName', kind: 'string', example: "'projects/acme-ml/locations/europe-west4/keyRings/ml/cryptoKeys/models'" },
  { field: 'deploymentTimeout', kind: Duration, example: 'Duration.minutes(30)' },
  { field: 'accessLogging', kind: 'boolean', example: 'true' },
  { field: 'notificationChannels', kind: 'string', array: true, example: "'projects/acme-ml/notificationChannels/123'" },
  { field: 'acceptUncataloguedMachineType', kind: 'boolean', example: 'true' },
  ...DASHBOARD_PROP_SHAPES,
];

/** What the Vertex AI ModelEndpoint's own checks settle. */
export interface CheckedEndpointProps {
  /** The machine type and its GPUs; undefined where it could not be checked. */
  readonly machine?: GcpMachine;
  /** The numeric endpoint id (given, or derived from the construct path). */
  readonly endpointId: string;
  /** `deploymentTimeout` in seconds. */
  readonly deploymentTimeoutSeconds: number;
}

/**
 * The Vertex AI ModelEndpoint's own checks (the shared spec's are in lib/resolve-serving.ts), with the values
 * they settle: project and region, machine type and GPU (catalogue and region), notification channels, the
 * image's region, the endpoint id and the deployment timeout.
 */
export function checkEndpointProps(scope: Construct, props: ModelEndpointProps, problems: ProblemCollector): CheckedEndpointProps {
  checkProjectAndRegion(props.project, props.region, problems, 'Vertex AI endpoints are regional', 'use the region your image repository is in');
  checkGcpRegion(scope, 'region', props.region, problems, { shapeCheckedElsewhere: true });
  checkKmsKeyName('kmsKeyName', props.kmsKeyName, props.region, problems);
  checkBucketName('artifactBucketName', props.artifactBucketName, problems);
  let machine: GcpMachine | undefined;
  if (props.accelerator && !vertexAcceleratorType(props.accelerator)) {
    // A GPU Google Cloud does not offer: the machine check would only repeat it.
    problems.add({
      field: 'accelerator',
      given: props.accelerator.name,
      allowed: 'on Vertex AI: an accelerator Google Cloud offers (NVIDIA_T4, NVIDIA_L4, NVIDIA_A100, NVIDIA_H100, or Accelerator.of(name, { gcpAcceleratorType }))',
      fix: `${props.accelerator.name} has no Google Cloud equivalent; use NVIDIA_L4 on g2-standard-* for that class of GPU`,
      backend: VERTEX_CAPABILITIES.backend,
    });
  } else {
    machine = checkGcpMachine('Vertex AI', props.machineType, props.accelerator, props.acceleratorCount, problems, 'machineType', {
      acceptUncatalogued: props.acceptUncataloguedMachineType,
      warn: (m) => Annotations.of(scope).addWarning(m),
    });
    const regionProblem = gcpGpuRegionProblem('region', props.accelerator, props.region, 'acceptUncataloguedMachineType: true');
    if (regionProblem && props.acceptUncataloguedMachineType) {
      Annotations.of(scope).addWarning(`model-serving:region: ${props.accelerator!.name} is not listed in ${props.region} (${GCP_GPU_REGIONS_SOURCE}); accepted unchecked (acceptUncataloguedMachineType)`);
    } else if (regionProblem) {
      problems.add(regionProblem);
    }
  }
  for (const [i, ch] of (props.notificationChannels ?? []).entries()) {
    if (!isUnresolved(ch) && !NOTIFICATION_CHANNEL.test(ch)) {
      problems.add({ field: `notificationChannels[${i}]`, given: describe(ch), allowed: NOTIFICATION_CHANNEL_ALLOWED, fix: NOTIFICATION_CHANNEL_FIX });
    }
  }
  checkImageRegion(props, problems);
  const endpointId = props.endpointId ?? defaultEndpointId(scope.node.path, props.metadata.name);
  if (!isUnresolved(endpointId) && !/^[1-9][0-9]{0,9}$/.test(endpointId)) {
    problems.add({ field: 'endpointId', given: describe(endpointId), allowed: 'digits only, 1-10, no leading zero (google_vertex_ai_endpoint name)', fix: 'leave endpointId out for one derived from the construct path' });
  }
  const deploymentTimeout = props.deploymentTimeout ?? Duration.minutes(30);
  const dt = deploymentTimeout.toSeconds();
  if (!(Number.isInteger(dt) && dt >= 60 && dt <= 7200)) {
    problems.add({ field: 'deploymentTimeout', given: deploymentTimeout.toString(), allowed: 'whole seconds from 60 to 7200 (Vertex AI deploymentTimeout)', fix: 'e.g. Duration.minutes(30)' });
  }
  return { machine, endpointId, deploymentTimeoutSeconds: dt };
}

/** The project id and region checks every GCP construct of this package makes. */
export function checkProjectAndRegion(project: string, region: string, problems: ProblemCollector,
  regionNote = 'the gateway and its relay run there', regionFix = 'use a region API Gateway offers, e.g. "europe-west1"'): void {
  if (!isUnresolved(project) && !/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(project)) {
    problems.add({ field: 'project', given: describe(project), allowed: 'a Google Cloud project id: 6-30 lower-case letters, digits and "-", starting with a letter', fix: 'use the project id (not its name or number), e.g. "acme-ml-prod"' });
  }
  // Two-digit regions exist (europe-west10, europe-west12: GCP_REGIONS in checks.ts).
  if (!isUnresolved(region) && !/^[a-z]+-[a-z]+[0-9]+$/.test(region)) {
    problems.add({ field: 'region', given: describe(region), allowed: `a Google Cloud region such as "europe-west4" (${regionNote})`, fix: regionFix });
  }
}

/** The registry itself is checked by the shared resolver; Vertex AI also needs it in the endpoint's region. */
function checkImageRegion(props: ModelEndpointProps, problems: ProblemCollector): void {
  const uri = props.image?.registryUri;
  if (uri === undefined || isUnresolved(uri) || isUnresolved(props.region) || !/^[a-z]+-[a-z]+[0-9]+$/.test(props.region)) return;
  const m = /^([a-z0-9-]+)-docker\.pkg\.dev\//.exec(uri);
  if (m && m[1] !== props.region) {
    problems.add({ field: 'image', given: `${describe(uri)} for an endpoint in ${props.region}`, allowed: `on Vertex AI: an Artifact Registry repository in ${props.region} (not another region or a multi-region)`, fix: `push the image to ${props.region}-docker.pkg.dev/...`, backend: VERTEX_CAPABILITIES.backend });
  }
}

function defaultEndpointId(path: string, name: string): string {
  const sha = createHash('sha256').update(`${path}|${name}`).digest('hex');
  return String(1_000_000_000 + parseInt(sha.slice(0, 7), 16));
}
