import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { MonitoringAlertPolicy } from '@cdktf/provider-google/lib/monitoring-alert-policy';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member';
import { StorageBucketObject } from '@cdktf/provider-google/lib/storage-bucket-object';
import { VertexAiEndpoint } from '@cdktf/provider-google/lib/vertex-ai-endpoint';
import { AssetType, DataResource, Lazy, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import {
  ArtifactLayout,
  ArtifactStorage,
  DEFAULT_PORT,
  Duration,
  ModelServingProps,
  ProblemCollector,
  ROUTES,
  ResolvedServing,
  ScalingMetric,
  describe,
  isUnresolved,
  resolveServing,
} from '../../lib';
import { RUNTIME_FILES, handlerBundleDirectory, packageRoot } from '../../lib/internal/package-layout';
import { VERTEX_CAPABILITIES } from './capabilities';
import { EndpointGrant } from './iam';
import { googleLabels, sanitizeLabelValue } from './labels';
import { GcpMachine, checkGcpMachine, vertexAcceleratorType } from './machine-types';
import { MetricTarget, ServingSpec, VERTEX_METRICS } from './vertex/bodies';
import { DeploymentPlan, RolloutPlan, TeardownPlan, canonicalJson } from './vertex/plan';

/** Label on every Vertex AI model this endpoint uploads: its endpoint id. The teardown deletes by it. */
export const MODEL_ENDPOINT_LABEL = 'serving-endpoint';

/** Route the bundled server answers Vertex AI's predict requests on (Vertex AI hands it over as AIP_PREDICT_ROUTE). */
export const VERTEX_PREDICT_ROUTE = '/predict';

/** Cloud Monitoring latency percentiles (ALIGN_PERCENTILE_*) Vertex AI's distributions can be read at. */
const PERCENTILE_ALIGNERS: Readonly<Record<number, string>> = { 50: 'ALIGN_PERCENTILE_50', 95: 'ALIGN_PERCENTILE_95', 99: 'ALIGN_PERCENTILE_99' };

/** Alert policies a ModelEndpoint creates by default. */
export interface EndpointAlarmOptions {
  /** Alert when more than this percent of predictions fail. @default 1 */
  readonly maxErrorRatePercent?: number;
  /** Alert when latency at `latencyPercentile` exceeds this. @default Duration.seconds(1) */
  readonly maxLatency?: Duration;
  /** Percentile the latency alert reads: 50, 95 or 99 (what Cloud Monitoring can align Vertex AI's distributions to). @default 99 */
  readonly latencyPercentile?: number;
  /** Consecutive one-minute periods in breach before the alert opens. @default 3 */
  readonly evaluationPeriods?: number;
}

export interface ModelEndpointProps extends ModelServingProps {
  /** Google Cloud project id. */
  readonly project: string;
  /** Region of the endpoint, e.g. `europe-west4`; the image must be in Artifact Registry in this region. */
  readonly region: string;
  /** Compute Engine machine type per replica, e.g. `n1-standard-4` or `g2-standard-8` (one NVIDIA L4). */
  readonly machineType: string;
  /** Numeric endpoint id (1-10 digits, no leading zero). @default - derived from this construct's path */
  readonly endpointId?: string;
  /** Bucket for a local model file. @default - `<model name>-<hash of path and project>` */
  readonly artifactBucketName?: string;
  /** Cloud KMS key (`projects/.../cryptoKeys/...`) for the artifact bucket and the endpoint. @default - Google-managed encryption at rest */
  readonly kmsKeyName?: string;
  /** How long Vertex AI waits for the server to become ready (at most 2 h). @default Duration.minutes(30) */
  readonly deploymentTimeout?: Duration;
  /** Vertex AI access logs per prediction (not payloads). @default true */
  readonly accessLogging?: boolean;
  /** Thresholds for the default alert policies. @default - see EndpointAlarmOptions */
  readonly alarms?: EndpointAlarmOptions;
  /** Cloud Monitoring notification channel ids (`projects/.../notificationChannels/...`) the alerts notify. @default - none */
  readonly notificationChannels?: string[];
}

/** A Cloud Monitoring time series of this endpoint, as a filter for alert policies and dashboards. */
export interface VertexMetric {
  readonly metricType: string;
  /** Monitoring filter selecting this endpoint's series. */
  readonly filter: string;
}

/**
 * A Vertex AI online prediction endpoint serving one ONNX model with the bundled server: the artifact in
 * Cloud Storage, a dedicated serving service account, the endpoint, the model uploaded and deployed by a
 * pre-bundled deployer that `terraform apply` runs, alert policies on error rate and latency, and labels
 * from the model's identity on every resource.
 */
export class ModelEndpoint extends Construct {
  public readonly project: string;
  public readonly region: string;
  /** The numeric endpoint id. */
  public readonly endpointId: string;
  /** `projects/<project>/locations/<region>/endpoints/<id>`. */
  public readonly endpointName: string;
  /** The spec after defaults. */
  public readonly serving: ResolvedServing;
  /** Labels on every resource, sanitized for Google Cloud. */
  public readonly labels: Readonly<Record<string, string>>;
  public readonly machine?: GcpMachine;
  public readonly imageUri: string;
  /** The folder Vertex AI copies the model from (`artifactUri`). */
  public readonly artifactUri: string;
  public readonly endpoint: VertexAiEndpoint;
  public readonly serviceAccount: ServiceAccount;
  public readonly artifactBucket?: StorageBucket;
  /** Undeploys and deletes everything on the endpoint before Terraform deletes it. */
  public readonly teardown: DataResource;
  /** Uploads and deploys the model; replaced (deploying anew) whenever the deployment plan changes. */
  public readonly deployment: DataResource;
  public readonly errorRateAlert: MonitoringAlertPolicy;
  public readonly latencyAlert: MonitoringAlertPolicy;
  /** The ServingSpec handed to the deployer. */
  public readonly spec: ServingSpec;
  private readonly deployerPath: string;
  private rollout?: RolloutPlan;
  private predictGrant?: EndpointGrant;
  private predictMembers = 0;
  private readonly timeouts: { upload: number; deploy: number };

  constructor(scope: Construct, id: string, props: ModelEndpointProps) {
    super(scope, id);
    const owner = `ModelEndpoint ${this.node.path}`;
    const problems = new ProblemCollector();
    this.project = props.project;
    this.region = props.region;

    if (!isUnresolved(props.region) && !/^[a-z]+-[a-z]+[0-9]$/.test(props.region)) {
      problems.add({ field: 'region', given: describe(props.region), allowed: 'a Google Cloud region such as "europe-west4" (Vertex AI endpoints are regional)', fix: 'use the region your image repository is in' });
    }
    this.machine = checkGcpMachine('Vertex AI', props.machineType, props.accelerator, props.acceleratorCount, problems);
    if (props.accelerator && !vertexAcceleratorType(props.accelerator)) {
      problems.add({ field: 'accelerator', given: props.accelerator.name, allowed: 'an accelerator Google Cloud offers (NVIDIA_T4, NVIDIA_L4, NVIDIA_A100, NVIDIA_H100, or Accelerator.of(name, { gcpAcceleratorType }))', fix: 'Vertex AI refuses accelerator: NVIDIA_A10G has no Google Cloud equivalent; use NVIDIA_L4 on g2-standard-*' });
    }
    this.checkArtifact(props, problems);
    this.checkImage(props, problems);
    const scaling = props.scaling ?? {};
    for (const field of ['scaleInCooldown', 'scaleOutCooldown'] as const) {
      if (scaling[field] !== undefined) {
        problems.add({ field: `scaling.${field}`, given: scaling[field]!.toString(), allowed: 'not set: Vertex AI refuses scaling cooldowns (v1 autoscaling has no cooldown settings)', fix: `remove scaling.${field}` });
      }
    }
    const endpointId = props.endpointId ?? defaultEndpointId(this.node.path, props.metadata.name);
    if (!isUnresolved(endpointId) && !/^[1-9][0-9]{0,9}$/.test(endpointId)) {
      problems.add({ field: 'endpointId', given: describe(endpointId), allowed: 'digits only, 1-10, no leading zero (google_vertex_ai_endpoint name)', fix: 'leave endpointId out for one derived from the construct path' });
    }
    const deploymentTimeout = props.deploymentTimeout ?? Duration.minutes(30);
    const dt = deploymentTimeout.toSeconds();
    if (!(Number.isInteger(dt) && dt >= 60 && dt <= 7200)) {
      problems.add({ field: 'deploymentTimeout', given: deploymentTimeout.toString(), allowed: 'whole seconds from 60 to 7200 (Vertex AI deploymentTimeout)', fix: 'e.g. Duration.minutes(30)' });
    }
    const alarms = props.alarms ?? {};
    const maxErrorRate = alarms.maxErrorRatePercent ?? 1;
    const maxLatency = alarms.maxLatency ?? Duration.seconds(1);
    const percentile = alarms.latencyPercentile ?? 99;
    const evaluationPeriods = alarms.evaluationPeriods ?? 3;
    if (!(maxErrorRate > 0 && maxErrorRate <= 100)) problems.add({ field: 'alarms.maxErrorRatePercent', given: describe(maxErrorRate), allowed: 'above 0 and at most 100', fix: 'e.g. 1' });
    if (maxLatency.toMilliseconds() < 1) problems.add({ field: 'alarms.maxLatency', given: maxLatency.toString(), allowed: 'at least 1 ms', fix: 'set it above the model\'s normal latency' });
    if (!PERCENTILE_ALIGNERS[percentile]) {
      problems.add({ field: 'alarms.latencyPercentile', given: describe(percentile), allowed: 'Vertex AI refuses other percentiles: 50, 95 or 99 (Cloud Monitoring ALIGN_PERCENTILE_*)', fix: 'use 99 for the tail, or 95' });
    }
    if (!(Number.isInteger(evaluationPeriods) && evaluationPeriods >= 1 && evaluationPeriods <= 60)) {
      problems.add({ field: 'alarms.evaluationPeriods', given: describe(evaluationPeriods), allowed: 'an integer from 1 to 60', fix: 'e.g. 3' });
    }
    // Shared validation last, so one error lists the backend's problems and the spec's together.
    this.serving = resolveServing(owner, props, VERTEX_CAPABILITIES, problems);
    const serving = this.serving;

    this.endpointId = endpointId;
    this.endpointName = `projects/${props.project}/locations/${props.region}/endpoints/${endpointId}`;
    this.labels = { ...googleLabels(serving.tags) };
    this.imageUri = serving.image.registryUri!;
    const name = props.metadata.name;
    const pathHash = createHash('sha256').update(`${this.node.path}|${isUnresolved(props.project) ? '' : props.project}`).digest('hex');

    this.serviceAccount = new ServiceAccount(this, 'ServingAccount', {
      project: props.project,
      accountId: `${name.slice(0, 19)}-srv-${pathHash.slice(0, 6)}`,
      displayName: `Vertex AI serving: ${name} ${props.metadata.version}`,
      description: `Runs ${name} on Vertex AI endpoint ${endpointId}: reads its model artifact, writes its logs and metrics`,
    });
    const member = `serviceAccount:${this.serviceAccount.email}`;
    const iam: ProjectIamMember[] = ['roles/logging.logWriter', 'roles/monitoring.metricWriter'].map((role) =>
      new ProjectIamMember(this, role === 'roles/logging.logWriter' ? 'WriteLogs' : 'WriteMetrics', { project: props.project, role, member }));

    // The model artifact: a folder holding model.onnx, because Vertex AI's artifactUri is a folder.
    const artifactDeps: (StorageBucketObject | StorageBucketIamMember)[] = [];
    if (props.model.storage === ArtifactStorage.LOCAL_FILE) {
      const digest = createHash('sha256').update(readFileSync(props.model.localPath!)).digest('hex');
      this.artifactBucket = new StorageBucket(this, 'ArtifactBucket', {
        project: props.project,
        name: props.artifactBucketName ?? `${name}-${pathHash.slice(0, 12)}`,
        location: props.region,
        uniformBucketLevelAccess: true,
        publicAccessPrevention: 'enforced',
        versioning: { enabled: true },
        encryption: props.kmsKeyName ? { defaultKmsKeyName: props.kmsKeyName } : undefined,
        labels: this.labels,
      });
      const prefix = `${name}/${props.metadata.version}/${digest.slice(0, 12)}/`;
      const asset = new TerraformAsset(this, 'ModelFile', { path: props.model.localPath!, type: AssetType.FILE });
      artifactDeps.push(new StorageBucketObject(this, 'ModelObject', { bucket: this.artifactBucket.name, name: `${prefix}model.onnx`, source: asset.path, contentType: 'application/octet-stream' }));
      this.artifactUri = `gs://${this.artifactBucket.name}/${prefix}`;
      artifactDeps.push(new StorageBucketIamMember(this, 'ReadArtifact', { bucket: this.artifactBucket.name, role: 'roles/storage.objectViewer', member }));
    } else {
      const loc = props.model.location!;
      const folder = props.model.layout === ArtifactLayout.PREFIX ? loc.key : loc.key.slice(0, loc.key.lastIndexOf('/') + 1);
      this.artifactUri = `gs://${loc.bucket}/${folder}`;
      artifactDeps.push(new StorageBucketIamMember(this, 'ReadArtifact', {
        bucket: loc.bucket,
        role: 'roles/storage.objectViewer',
        member,
        condition: { title: 'only the model folder', expression: `resource.name.startsWith(${JSON.stringify(`projects/_/buckets/${loc.bucket}/objects/${folder}`)})` },
      }));
    }

    this.endpoint = new VertexAiEndpoint(this, 'Resource', {
      project: props.project,
      location: props.region,
      region: props.region,
      name: endpointId,
      displayName: `${name}`,
      description: `${name} ${props.metadata.version} (owner ${props.metadata.owner}); models are deployed by model-serving-constructs, not by Terraform`,
      labels: this.labels,
      encryptionSpec: props.kmsKeyName ? { kmsKeyName: props.kmsKeyName } : undefined,
      // trafficSplit is left out on purpose: it is Optional+Computed, so the deployer and the rollout
      // controller own it and Terraform never reports their changes as drift.
    });

    // The deployer ships pre-bundled; Terraform copies it into the stack's assets so `terraform apply` alone runs it.
    const deployer = new TerraformAsset(this, 'Deployer', { path: handlerBundleDirectory('gcp', 'vertex-deployer'), type: AssetType.DIRECTORY });
    this.deployerPath = deployer.path;

    const teardownPlan: TeardownPlan = { project: props.project, location: props.region, endpointId, modelLabelKey: MODEL_ENDPOINT_LABEL, timeoutSeconds: 1800 };
    this.teardown = new DataResource(this, 'Teardown', {
      input: teardownPlan,
      dependsOn: [this.endpoint],
      provisioners: [{
        type: 'local-exec',
        when: 'destroy',
        command: `node "${this.deployerPath}/index.js" teardown`,
        environment: { VERTEX_TEARDOWN_PLAN: '${jsonencode(self.input)}' },
      }],
    });

    const acceleratorType = serving.accelerator ? vertexAcceleratorType(serving.accelerator) : undefined;
    this.spec = {
      displayName: `${name}-${sanitizeLabelValue(props.metadata.version)}`.slice(0, 128),
      description: `${name} ${props.metadata.version}, owner ${props.metadata.owner}`,
      labels: { ...this.labels, [MODEL_ENDPOINT_LABEL]: endpointId },
      artifactUri: this.artifactUri,
      imageUri: this.imageUri,
      port: DEFAULT_PORT,
      predictRoute: VERTEX_PREDICT_ROUTE,
      healthRoute: ROUTES.ready,
      environment: { ...serving.environment },
      deploymentTimeoutSeconds: dt,
      startupProbe: { path: ROUTES.ready, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: Math.max(1, Math.ceil(dt / 10)) },
      healthProbe: { path: ROUTES.ready, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      machineType: props.machineType,
      acceleratorType,
      acceleratorCount: acceleratorType ? this.machine?.gpuCount ?? serving.acceleratorCount : undefined,
      minReplicas: serving.minReplicas,
      maxReplicas: serving.maxReplicas,
      autoscaling: autoscalingSpecs(serving),
      serviceAccount: this.serviceAccount.email,
      enableAccessLogging: props.accessLogging ?? true,
    };
    this.timeouts = { upload: 1800, deploy: dt + 1800 };

    this.deployment = new DataResource(this, 'Deployment', {
      dependsOn: [this.teardown, this.endpoint, ...artifactDeps, ...iam],
      // Create the new deployment before retiring the old one, so traffic moves without a gap.
      lifecycle: { createBeforeDestroy: true },
      provisioners: [
        { type: 'local-exec', command: `node "${this.deployerPath}/index.js" apply`, environment: { VERTEX_DEPLOYMENT_PLAN: '${jsonencode(self.input)}' } },
        { type: 'local-exec', when: 'destroy', command: `node "${this.deployerPath}/index.js" retire`, environment: { VERTEX_DEPLOYMENT_PLAN: '${jsonencode(self.input)}' } },
      ],
    });
    this.renderPlan();

    const window = `${evaluationPeriods * 60}s`;
    const channels = props.notificationChannels ? [...props.notificationChannels] : undefined;
    this.errorRateAlert = new MonitoringAlertPolicy(this, 'ErrorRateAlert', {
      project: props.project,
      displayName: `${name} ${endpointId}: prediction error rate above ${maxErrorRate}%`,
      combiner: 'OR',
      notificationChannels: channels,
      userLabels: this.labels,
      conditions: [errorRateCondition(this, maxErrorRate, window, false)],
      documentation: { content: `More than ${maxErrorRate}% of predictions on Vertex AI endpoint ${endpointId} failed for ${evaluationPeriods} minute(s).`, mimeType: 'text/markdown' },
    });
    this.latencyAlert = new MonitoringAlertPolicy(this, 'LatencyAlert', {
      project: props.project,
      displayName: `${name} ${endpointId}: p${percentile} latency above ${maxLatency.toString()}`,
      combiner: 'OR',
      notificationChannels: channels,
      userLabels: this.labels,
      conditions: [latencyCondition(this, percentile, maxLatency, window, false)],
      documentation: { content: `p${percentile} prediction latency of Vertex AI endpoint ${endpointId} above ${maxLatency.toString()} for ${evaluationPeriods} minute(s).`, mimeType: 'text/markdown' },
    });
  }

  /** A Cloud Monitoring metric of this endpoint (`aiplatform.googleapis.com/prediction/online/<name>`). */
  public metric(name: string): VertexMetric {
    const metricType = name.includes('/') && name.includes('.googleapis.com') ? name : `aiplatform.googleapis.com/prediction/online/${name}`;
    return {
      metricType,
      filter: `resource.type = "aiplatform.googleapis.com/Endpoint" AND resource.labels.endpoint_id = "${this.endpointId}" AND metric.type = "${metricType}"`,
    };
  }
  public metricPredictionCount(): VertexMetric {
    return this.metric('prediction_count');
  }
  public metricErrorCount(): VertexMetric {
    return this.metric('error_count');
  }
  /** A distribution in milliseconds. */
  public metricPredictionLatencies(): VertexMetric {
    return this.metric('prediction_latencies');
  }
  public metricCpuUtilization(): VertexMetric {
    return this.metric(VERTEX_METRICS.cpuUtilization);
  }
  public metricAcceleratorDutyCycle(): VertexMetric {
    return this.metric(VERTEX_METRICS.acceleratorDutyCycle);
  }
  public metricReplicas(): VertexMetric {
    return this.metric('replicas');
  }

  /**
   * Lets `member` (e.g. `serviceAccount:app@p.iam.gserviceaccount.com`) call predict on this endpoint and
   * nothing else: a custom role with `aiplatform.endpoints.predict`, bound with a condition on this endpoint.
   */
  public grantPredict(member: string): ProjectIamMember {
    this.predictGrant ??= new EndpointGrant(this, 'PredictGrant', {
      project: this.project,
      roleId: `modelServingPredict_${this.endpointId}`,
      title: `Predict on Vertex AI endpoint ${this.endpointId}`,
      permissions: ['aiplatform.endpoints.predict'],
      member,
      endpointSuffixes: [`/locations/${this.region}/endpoints/${this.endpointId}`],
    });
    if (this.predictMembers++ === 0) return this.predictGrant.binding;
    return new ProjectIamMember(this, `PredictGrant${this.predictMembers}`, {
      project: this.project,
      role: this.predictGrant.role.name,
      member,
      condition: { title: 'only this endpoint', expression: `resource.name.endsWith(${JSON.stringify(`/locations/${this.region}/endpoints/${this.endpointId}`)})` },
    });
  }

  /** Called by CanaryRollout: later deployments start as a canary beside the serving model. @internal */
  public _attachRollout(rollout: RolloutPlan): void {
    this.rollout = rollout;
    this.renderPlan();
  }

  /** Whether a CanaryRollout watches this endpoint. */
  public get hasRollout(): boolean {
    return this.rollout !== undefined;
  }

  private renderPlan(): void {
    const plan: DeploymentPlan = {
      project: this.project,
      location: this.region,
      endpointId: this.endpointId,
      spec: this.spec,
      rollout: this.rollout,
      uploadTimeoutSeconds: this.timeouts.upload,
      deployTimeoutSeconds: this.timeouts.deploy,
    };
    const withoutUndefined = JSON.parse(JSON.stringify(plan)) as DeploymentPlan;
    this.deployment.input = withoutUndefined;
    // The replacement trigger is the hash of the plan as synthesized (references appear as their Terraform
    // expressions, so it is stable), plus the referenced values themselves, so a changed bucket or service
    // account also deploys anew.
    this.deployment.triggersReplace = {
      plan_sha256: Lazy.stringValue({ produce: (context) => createHash('sha256').update(canonicalJson(context.resolve(withoutUndefined))).digest('hex') }),
      references: unresolvedStrings(withoutUndefined),
    };
  }

  private checkArtifact(props: ModelEndpointProps, problems: ProblemCollector): void {
    const m = props.model;
    if (m.storage === ArtifactStorage.LOCAL_FILE) return;
    if (m.storage !== ArtifactStorage.GCS) {
      problems.add({ field: 'model', given: describe(m.toString()), allowed: 'a local file or a gs:// URI on Vertex AI', fix: 'copy the model to Cloud Storage and use ModelArtifact.fromUri("gs://<bucket>/<folder>/"), or ModelArtifact.fromFile(path)' });
    } else if (m.layout === ArtifactLayout.ARCHIVE) {
      problems.add({ field: 'model', given: describe(m.toString()), allowed: 'Vertex AI refuses archives: artifactUri is a folder holding model.onnx', fix: 'unpack the archive into a folder and use ModelArtifact.fromUri("gs://<bucket>/<folder>/")' });
    }
  }

  private checkImage(props: ModelEndpointProps, problems: ProblemCollector): void {
    const image = props.image;
    const region = isUnresolved(props.region) ? '<region>' : props.region;
    if (!image || image.isBundled) {
      const gpu = props.accelerator !== undefined;
      const context = relative(process.cwd(), `${packageRoot()}/runtime`) || '.';
      const tag = `${region}-docker.pkg.dev/${isUnresolved(props.project) ? '<project>' : props.project}/<repository>/model-server:<version>`;
      problems.add({
        field: 'image',
        given: 'ServingImage.bundled()',
        allowed: 'ServingImage.fromRegistry(...): Vertex AI refuses the bundled image here because Terraform cannot build images',
        fix: `build and push it, then pass ServingImage.fromRegistry("${tag}"): ` +
          `\`docker build --platform linux/amd64 -f ${context}/${gpu ? RUNTIME_FILES.gpuDockerfile : RUNTIME_FILES.cpuDockerfile} -t ${tag} ${context}\` and \`docker push ${tag}\``,
      });
      return;
    }
    const uri = image.registryUri!;
    if (isUnresolved(uri)) return;
    const m = /^([a-z0-9-]+)-docker\.pkg\.dev\//.exec(uri);
    if (!m) {
      problems.add({ field: 'image', given: describe(uri), allowed: 'an Artifact Registry image "<region>-docker.pkg.dev/<project>/<repository>/<image>:<tag>"', fix: 'push the image to Artifact Registry in the endpoint\'s region (Vertex AI pulls from there)' });
    } else if (!isUnresolved(props.region) && m[1] !== props.region) {
      problems.add({ field: 'image', given: `${describe(uri)} for an endpoint in ${props.region}`, allowed: `an Artifact Registry repository in ${props.region} (Vertex AI refuses images from another region or a multi-region)`, fix: `push the image to ${props.region}-docker.pkg.dev/...` });
    }
  }
}

/** Autoscaling metric specs: Vertex AI tracks CPU and duty cycle together on GPU machines, so both are set. */
function autoscalingSpecs(serving: ResolvedServing): MetricTarget[] {
  const t = serving.target;
  if (!serving.accelerator) return [{ metricName: VERTEX_METRICS.cpuUtilization, target: t.value }];
  // With a GPU Vertex AI scales out when either metric is above its target; the one not chosen is set high
  // so it only acts as a safety valve.
  return t.metric === ScalingMetric.GPU_UTILIZATION
    ? [{ metricName: VERTEX_METRICS.acceleratorDutyCycle, target: t.value }, { metricName: VERTEX_METRICS.cpuUtilization, target: 90 }]
    : [{ metricName: VERTEX_METRICS.cpuUtilization, target: t.value }, { metricName: VERTEX_METRICS.acceleratorDutyCycle, target: 90 }];
}

function unresolvedStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string' && isUnresolved(value) && !out.includes(value)) out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => unresolvedStrings(v, out));
  else if (value !== null && typeof value === 'object') Object.values(value).forEach((v) => unresolvedStrings(v, out));
  return out;
}

function defaultEndpointId(path: string, name: string): string {
  const sha = createHash('sha256').update(`${path}|${name}`).digest('hex');
  return String(1_000_000_000 + parseInt(sha.slice(0, 7), 16));
}

/** Error rate (errors / predictions) per deployed model; `perModel` groups by deployed_model_id. */
export function errorRateCondition(endpoint: ModelEndpoint, maxErrorRatePercent: number, window: string, perModel: boolean) {
  const group = perModel ? ['metric.label.deployed_model_id'] : [];
  const aggregation = { alignmentPeriod: '60s', perSeriesAligner: 'ALIGN_DELTA', crossSeriesReducer: 'REDUCE_SUM', groupByFields: group };
  return {
    displayName: `error rate above ${maxErrorRatePercent}%`,
    conditionThreshold: {
      filter: endpoint.metricErrorCount().filter,
      denominatorFilter: endpoint.metricPredictionCount().filter,
      aggregations: [aggregation],
      denominatorAggregations: [aggregation],
      comparison: 'COMPARISON_GT',
      thresholdValue: maxErrorRatePercent / 100,
      duration: window,
      trigger: { count: 1 },
      evaluationMissingData: 'EVALUATION_MISSING_DATA_INACTIVE',
    },
  };
}

/** Latency at `percentile` (milliseconds) per deployed model. */
export function latencyCondition(endpoint: ModelEndpoint, percentile: number, maxLatency: Duration, window: string, perModel: boolean) {
  return {
    displayName: `p${percentile} latency above ${maxLatency.toString()}`,
    conditionThreshold: {
      filter: endpoint.metricPredictionLatencies().filter,
      aggregations: [{
        alignmentPeriod: '60s',
        perSeriesAligner: PERCENTILE_ALIGNERS[percentile] ?? 'ALIGN_PERCENTILE_99',
        crossSeriesReducer: 'REDUCE_MAX',
        groupByFields: perModel ? ['metric.label.deployed_model_id'] : [],
      }],
      comparison: 'COMPARISON_GT',
      thresholdValue: maxLatency.toMilliseconds(),
      duration: window,
      trigger: { count: 1 },
      evaluationMissingData: 'EVALUATION_MISSING_DATA_INACTIVE',
    },
  };
}
