import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { MonitoringAlertPolicy } from '@cdktf/provider-google/lib/monitoring-alert-policy';
import { MonitoringDashboard } from '@cdktf/provider-google/lib/monitoring-dashboard';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { SecretManagerSecretIamMember } from '@cdktf/provider-google/lib/secret-manager-secret-iam-member';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member';
import { StorageBucketObject } from '@cdktf/provider-google/lib/storage-bucket-object';
import { VertexAiEndpoint } from '@cdktf/provider-google/lib/vertex-ai-endpoint';
import { Annotations, AssetType, DataResource, Lazy, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import {
  ArtifactLayout,
  ArtifactStorage,
  DEFAULT_PORT,
  DashboardOptions,
  ReplicaPrice,
  checkCostOptions,
  replicaPrice,
  Duration,
  ModelServingProps,
  NameRule,
  ProblemCollector,
  ROUTES,
  ResolvedServing,
  ScalingMetric,
  SpecResolver,
  SpecWarning,
  describe,
  isUnresolved,
  SecretSource,
  sanitizeLabels,
  throwIfBadPropShapes,
  refusal,
  DASHBOARD_PROP_SHAPES,
} from '../../lib';
import { IModelEndpointContract } from '../../lib/backend';
import { addTextWarnings } from '../../lib/internal/warnings';
import { RUNTIME_FILES, handlerBundleDirectory, packageRoot } from '../../lib/internal/package-layout';
import { AlertRouting } from './alert-routing';
import { VERTEX_CAPABILITIES } from './capabilities';
import { VertexProjectGrant } from './iam';
import { cloudMonitoringDashboard, costCondition, costPer1000PredictionsQuery } from './dashboard';
import { VertexMetric, errorRateCondition, latencyCondition, vertexMetric } from './monitoring';
import { GCP_GPU_REGIONS_SOURCE, GcpMachine, checkGcpMachine, gcpGpuRegionProblem, vertexAcceleratorType } from './machine-types';
import { MetricTarget, ServingSpec, VERTEX_METRICS } from './vertex/bodies';
import { DeploymentPlan, MODEL_ENDPOINT_LABEL, RolloutPlan, TeardownPlan, canonicalJson } from './vertex/plan';
import { addUniqueKeyCheck, checkBucketName, checkGcpRegion, checkKmsKeyName } from './checks';

export { MODEL_ENDPOINT_LABEL };

/** Route the bundled server answers Vertex AI's predict requests on (Vertex AI hands it over as AIP_PREDICT_ROUTE). */
export const VERTEX_PREDICT_ROUTE = '/predict';

/**
 * Probe timing for Vertex AI. googleapis google/cloud/aiplatform/v1/model.proto `Probe`: `period_seconds`
 * "Must be less than timeout_seconds", `timeout_seconds` "Must be greater or equal to period_seconds" (the
 * reverse of Kubernetes' usual shape); both at least 1.
 */
export const VERTEX_PROBE_TIMING = { periodSeconds: 10, timeoutSeconds: 15 } as const;

/**
 * A notification channel's resource name, as Cloud Monitoring's API names it: NotificationChannel.name
 * "projects/[PROJECT_ID_OR_NUMBER]/notificationChannels/[CHANNEL_ID]" (Monitoring API v3 reference,
 * projects.notificationChannels).
 */
export const NOTIFICATION_CHANNEL = /^projects\/[a-z0-9-]+\/notificationChannels\/[0-9]+$/;
export const NOTIFICATION_CHANNEL_ALLOWED = 'a Cloud Monitoring notification channel name "projects/<project id or number>/notificationChannels/<numeric id>"';
export const NOTIFICATION_CHANNEL_FIX = 'copy the name from `gcloud beta monitoring channels list --format="value(name)"`, or pass a channel\'s .id';

export interface ModelEndpointProps extends ModelServingProps, DashboardOptions {
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
  /** Cloud KMS key (`projects/.../cryptoKeys/...`) for the artifact bucket, the endpoint and the uploaded Model. @default - Google-managed encryption at rest */
  readonly kmsKeyName?: string;
  /** How long Vertex AI waits for the server to become ready (at most 2 h). @default Duration.minutes(30) */
  readonly deploymentTimeout?: Duration;
  /** Vertex AI access logs per prediction (not payloads). @default true */
  readonly accessLogging?: boolean;
  /** Cloud Monitoring notification channel ids (`projects/.../notificationChannels/...`) the alerts notify. @default - none */
  readonly notificationChannels?: string[];
  /**
   * Accept a CPU machine type this library's catalogue (`CPU_MACHINE_TYPES`) does not list, e.g. one Google
   * added since, or a GPU the region table (`GCP_GPU_REGIONS`, with its source and date) does not list in
   * `region`; it is then not checked, and synth warns.
   * @default false - an unlisted type, or a GPU the region does not offer, is refused
   */
  readonly acceptUncataloguedMachineType?: boolean;
}

/**
 * A Vertex AI online prediction endpoint serving one ONNX model with the bundled server: the artifact in
 * Cloud Storage, a dedicated serving service account, the endpoint, the model uploaded and deployed by a
 * pre-bundled deployer that `terraform apply` runs, alert policies on error rate and latency, and labels
 * from the model's identity on every resource.
 */
export class ModelEndpoint extends Construct
  implements IModelEndpointContract<string, ProjectIamMember, VertexMetric, MonitoringAlertPolicy, string> {
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
  /** The machine type and the GPUs it carries; undefined where it could not be checked (a token). */
  public readonly machine?: GcpMachine;
  /** The image the model runs. */
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
  /** @deprecated use `errorRateAlarm` (the backend contract's name) */
  public readonly errorRateAlert: MonitoringAlertPolicy;
  /** @deprecated use `latencyAlarm` (the backend contract's name) */
  public readonly latencyAlert: MonitoringAlertPolicy;
  /** Price of one replica per hour (yours, or the snapshot's); undefined when neither is known. */
  public readonly price?: ReplicaPrice;
  /** The endpoint's Cloud Monitoring dashboard (`dashboard: true`). */
  public readonly dashboard?: MonitoringDashboard;
  /** Alert on the cost per 1000 predictions (`costPer1000PredictionsAbove`). */
  public readonly costPer1000PredictionsAlarm?: MonitoringAlertPolicy;
  /** Advice from the shared resolver (also a cdktf `Annotations` warning on this construct). */
  public readonly warnings: readonly SpecWarning[];
  /**
   * The Cloud Monitoring notification channels the guardrail alert policies notify: `notificationChannels`, then
   * the channels of every stack-level `AlertRouting` whose scope holds this endpoint (its aspect adds them to each
   * alert policy at synth). Read at the time of the call, so an `AlertRouting` made after the endpoint is included too.
   */
  public get alarmTargets(): readonly string[] {
    const targets = [...this.notificationChannels];
    for (const ancestor of this.node.scopes) {
      for (const child of ancestor.node.children) {
        if (child instanceof AlertRouting) targets.push(...child.alertTarget.filter((c) => !targets.includes(c)));
      }
    }
    return targets;
  }
  private readonly notificationChannels: readonly string[];
  /** The ServingSpec handed to the deployer. */
  public readonly spec: ServingSpec;
  private readonly deployerPath: string;
  private rollout?: RolloutPlan;
  private predictGrant?: VertexProjectGrant;
  private readonly timeouts: { upload: number; deploy: number };

  constructor(scope: Construct, id: string, props: ModelEndpointProps) {
    super(scope, id);
    const owner = `ModelEndpoint ${this.node.path}`;
    throwIfBadPropShapes(owner, props, [
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
    ]);
    const problems = new ProblemCollector();
    this.project = props.project;
    this.region = props.region;

    checkProjectAndRegion(props.project, props.region, problems, 'Vertex AI endpoints are regional', 'use the region your image repository is in');
    checkGcpRegion(this, 'region', props.region, problems, { shapeCheckedElsewhere: true });
    checkKmsKeyName('kmsKeyName', props.kmsKeyName, props.region, problems);
    checkBucketName('artifactBucketName', props.artifactBucketName, problems);
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
      this.machine = checkGcpMachine('Vertex AI', props.machineType, props.accelerator, props.acceleratorCount, problems, 'machineType', {
        acceptUncatalogued: props.acceptUncataloguedMachineType,
        warn: (m) => Annotations.of(this).addWarning(m),
      });
      const regionProblem = gcpGpuRegionProblem('region', props.accelerator, props.region, 'acceptUncataloguedMachineType: true');
      if (regionProblem && props.acceptUncataloguedMachineType) {
        Annotations.of(this).addWarning(`model-serving:region: ${props.accelerator!.name} is not listed in ${props.region} (${GCP_GPU_REGIONS_SOURCE}); accepted unchecked (acceptUncataloguedMachineType)`);
      } else if (regionProblem) {
        problems.add(regionProblem);
      }
    }
    for (const [i, ch] of (props.notificationChannels ?? []).entries()) {
      if (!isUnresolved(ch) && !NOTIFICATION_CHANNEL.test(ch)) {
        problems.add({ field: `notificationChannels[${i}]`, given: describe(ch), allowed: NOTIFICATION_CHANNEL_ALLOWED, fix: NOTIFICATION_CHANNEL_FIX });
      }
    }
    this.checkImageRegion(props, problems);
    const endpointId = props.endpointId ?? defaultEndpointId(this.node.path, props.metadata.name);
    if (!isUnresolved(endpointId) && !/^[1-9][0-9]{0,9}$/.test(endpointId)) {
      problems.add({ field: 'endpointId', given: describe(endpointId), allowed: 'digits only, 1-10, no leading zero (google_vertex_ai_endpoint name)', fix: 'leave endpointId out for one derived from the construct path' });
    }
    const deploymentTimeout = props.deploymentTimeout ?? Duration.minutes(30);
    const dt = deploymentTimeout.toSeconds();
    if (!(Number.isInteger(dt) && dt >= 60 && dt <= 7200)) {
      problems.add({ field: 'deploymentTimeout', given: deploymentTimeout.toString(), allowed: 'whole seconds from 60 to 7200 (Vertex AI deploymentTimeout)', fix: 'e.g. Duration.minutes(30)' });
    }
    // Shared resolution last, so one error lists the backend's problems and the spec's together. The
    // bundled-image refusal gets the two commands that build and push the image for this region.
    this.price = replicaPrice('gcp', isUnresolved(props.machineType) ? undefined : props.machineType, props.hourlyPriceUsd);
    checkCostOptions(props, this.price, props.machineType, problems);
    const resolution = SpecResolver.serving(props, VERTEX_CAPABILITIES);
    // The endpoint this construct deploys has no VPC network (no Private Service Connect, no VPC peering): its
    // outbound networking is the public internet (Vertex AI "Choose an endpoint type"). A destination whose
    // address is known and private is refused; the Redis URL is a secret, so its address is only warned about.
    // The container's variables travel escaped (no Terraform interpolation in the plan): a secret name must be literal.
    for (const s of resolution.resolved.secretEnvironment) {
      if (s.secret.source === SecretSource.GCP_SECRET_MANAGER && isUnresolved(s.secret.name)) {
        problems.add({ field: s.field, given: 'a secret name that is a token', allowed: 'a literal "projects/<project>/secrets/<name>": the deployment plan carries the container\'s variables as text, without Terraform interpolation', fix: 'write the name out, e.g. "projects/acme-ml/secrets/redis-url"' });
      }
    }
    const outboundWarnings: string[] = [];
    for (const t of resolution.resolved.outbound) {
      const destination = t.field === 'server.tracing.endpoint' ? props.server?.tracing?.endpoint : undefined;
      if (destination !== undefined && (isUnresolved(destination) || isPublicHost(destination))) continue;
      if (destination === undefined) {
        outboundWarnings.push(`${t.field}: ${t.description} must have a public address: a Vertex AI endpoint reaches the public internet only, not your VPC (Memorystore has private addresses only); an unreachable Redis is served uncached`);
        continue;
      }
      problems.add(refusal(VERTEX_CAPABILITIES, t.field, t.description,
        'no destination in your network: this endpoint has no VPC path (neither Private Service Connect nor VPC peering); public addresses only',
        `give it a public address, remove ${t.field.split('.').slice(0, 2).join('.')} on Vertex AI, or serve with the Kubernetes backend on GKE, whose pods reach your network`));
    }
    for (const p of resolution.problems) {
      problems.add(p.field === 'image' && p.backend !== undefined && (props.image ?? { isBundled: true }).isBundled ? { ...p, fix: bundledImageFix(props) } : p);
    }
    problems.reportTo(this, owner);
    this.warnings = resolution.warnings;
    addTextWarnings(Annotations.of(this), this.warnings);
    for (const w of outboundWarnings) Annotations.of(this).addWarning(`ModelEndpoint ${this.node.path}: ${w}`);
    this.serving = resolution.resolved;
    this.notificationChannels = [...(props.notificationChannels ?? [])];
    const serving = this.serving;

    this.endpointId = endpointId;
    // Cross-object: an endpoint id is unique per project and region (the resource name
    // projects/<p>/locations/<r>/endpoints/<id>); two in one app would be one endpoint on apply.
    addUniqueKeyCheck(this, `ModelEndpoint ${this.node.path}`, 'vertex-endpoint', `${props.project}/${props.region}/${endpointId}`, (other) => ({
      field: 'endpointId', given: `${describe(endpointId)} in ${props.project}/${props.region}, also used by ModelEndpoint ${other.node.path}`,
      allowed: 'one Vertex AI endpoint per id, project and region', fix: 'give one of them another endpointId, or leave endpointId out for one derived from the construct path' }));
    this.endpointName = `projects/${props.project}/locations/${props.region}/endpoints/${endpointId}`;
    this.labels = sanitizeLabels(serving.tags, NameRule.GCP_LABEL_VALUE, NameRule.GCP_LABEL_KEY);
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
    const iam: (ProjectIamMember | SecretManagerSecretIamMember)[] = ['roles/logging.logWriter', 'roles/monitoring.metricWriter'].map((role) =>
      new ProjectIamMember(this, role === 'roles/logging.logWriter' ? 'WriteLogs' : 'WriteMetrics', { project: props.project, role, member }));
    // Secrets by reference (MODEL_SERVER_SECRET_REFS): the server reads exactly these secrets as this account.
    const secretNames = [...new Set(serving.secretEnvironment.filter((s) => s.secret.source === SecretSource.GCP_SECRET_MANAGER).map((s) => s.secret.name))];
    secretNames.forEach((secretName, i) => {
      const id = i === 0 ? 'SecretRead' : `SecretRead${i}`;
      const role = 'roles/secretmanager.secretAccessor';
      const [, secretProject, , secretId] = secretName.split('/');
      iam.push(new SecretManagerSecretIamMember(this, id, { project: secretProject!, secretId: secretId!, role, member }));
    });

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
      if (props.model.layout !== ArtifactLayout.PREFIX) {
        Annotations.of(this).addWarning(`model-serving:model: Vertex AI copies the whole folder ${this.artifactUri} (artifactUri is a folder), not only ${props.model.fileName}; keep that folder to this one model`);
      }
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
      displayName: `${name}-${NameRule.GCP_LABEL_VALUE.sanitize(props.metadata.version)}`.slice(0, 128),
      description: `${name} ${props.metadata.version}, owner ${props.metadata.owner}`,
      labels: { ...this.labels, [MODEL_ENDPOINT_LABEL]: endpointId },
      artifactUri: this.artifactUri,
      imageUri: this.imageUri,
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
      acceleratorCount: acceleratorType ? this.machine?.gpuCount ?? serving.acceleratorCount : undefined,
      minReplicas: serving.minReplicas,
      maxReplicas: serving.maxReplicas,
      autoscaling: autoscalingSpecs(serving, (m) => Annotations.of(this).addWarning(m)),
      serviceAccount: this.serviceAccount.email,
      enableAccessLogging: props.accessLogging ?? true,
      kmsKeyName: props.kmsKeyName,
    };
    this.timeouts = { upload: 1800, deploy: dt + 1800 };

    this.deployment = new DataResource(this, 'Deployment', {
      dependsOn: [this.teardown, this.endpoint, ...artifactDeps, ...iam],
      // Create the new deployment before the old one goes, so traffic moves without a gap. Terraform does not
      // run a create_before_destroy predecessor's destroy-time provisioner (seen with Terraform 1.11), so the
      // new deployment's apply retires the models it replaced; `retire` runs when the resource is destroyed.
      lifecycle: { createBeforeDestroy: true },
      provisioners: [
        { type: 'local-exec', command: `node "${this.deployerPath}/index.js" apply`, environment: { VERTEX_DEPLOYMENT_PLAN: '${jsonencode(self.input)}' } },
        { type: 'local-exec', when: 'destroy', command: `node "${this.deployerPath}/index.js" retire`, environment: { VERTEX_DEPLOYMENT_PLAN: '${jsonencode(self.input)}' } },
      ],
    });
    this.renderPlan();

    const g = serving.guardrails;
    const channels = props.notificationChannels ? [...props.notificationChannels] : undefined;
    this.errorRateAlert = new MonitoringAlertPolicy(this, 'ErrorRateAlert', {
      project: props.project,
      displayName: `${name} ${endpointId}: prediction error rate above ${g.maxErrorRatePercent}%`,
      combiner: 'OR',
      notificationChannels: channels,
      userLabels: this.labels,
      conditions: [errorRateCondition(this.metricErrorCount(), this.metricPredictionCount(), g, false)],
      documentation: { content: `More than ${g.maxErrorRatePercent}% of predictions on Vertex AI endpoint ${endpointId} failed for ${g.breachingPeriods} x ${g.evaluationPeriod.toString()}.`, mimeType: 'text/markdown' },
    });
    this.latencyAlert = new MonitoringAlertPolicy(this, 'LatencyAlert', {
      project: props.project,
      displayName: `${name} ${endpointId}: ${g.latencyPercentile.name} latency above ${g.maxLatency.toString()}`,
      combiner: 'OR',
      notificationChannels: channels,
      userLabels: this.labels,
      conditions: [latencyCondition(this.metricPredictionLatencies(), g, false)],
      documentation: { content: `${g.latencyPercentile.name} prediction latency of Vertex AI endpoint ${endpointId} above ${g.maxLatency.toString()} for ${g.breachingPeriods} x ${g.evaluationPeriod.toString()}.`, mimeType: 'text/markdown' },
    });
    if (props.dashboard) {
      const model = cloudMonitoringDashboard(`Model ${name} (Vertex AI endpoint ${endpointId})`, this, (this.machine?.gpuCount ?? serving.acceleratorCount) > 0, this.price);
      // "${" would be Terraform interpolation: "$${" is its literal form.
      this.dashboard = new MonitoringDashboard(this, 'Dashboard', { project: props.project, dashboardJson: JSON.stringify(model).split('${').join('$${') });
    }
    if (props.costPer1000PredictionsAbove !== undefined && this.price) {
      this.costPer1000PredictionsAlarm = new MonitoringAlertPolicy(this, 'CostPer1000PredictionsAlert', {
        project: props.project,
        displayName: `${name} ${endpointId}: cost per 1000 predictions above ${props.costPer1000PredictionsAbove} USD`,
        combiner: 'OR',
        notificationChannels: channels,
        userLabels: this.labels,
        conditions: [costCondition(endpointId, this.price, props.costPer1000PredictionsAbove)],
        documentation: { content: `Predictions on Vertex AI endpoint ${endpointId} cost more than ${props.costPer1000PredictionsAbove} USD per 1000 at ${this.price.hourlyUsd} USD per replica-hour (${this.price.source}).`, mimeType: 'text/markdown' },
      });
    }
  }

  /** PromQL (Cloud Monitoring) for USD per 1000 predictions; undefined without a price. */
  public metricCostPer1000Predictions(window = '5m'): string | undefined {
    return this.price ? costPer1000PredictionsQuery(this.endpointId, this.price, window) : undefined;
  }

  /** A Cloud Monitoring metric of this endpoint (`aiplatform.googleapis.com/prediction/online/<name>`). */
  public metric(name: string): VertexMetric {
    return vertexMetric(this.endpointId, name);
  }
  /** The guardrail alert policy on the error rate. */
  public get errorRateAlarm(): MonitoringAlertPolicy {
    return this.errorRateAlert;
  }
  /** The guardrail alert policy on latency. */
  public get latencyAlarm(): MonitoringAlertPolicy {
    return this.latencyAlert;
  }
  /** The contract's latency metric: `prediction_latencies` (a distribution in milliseconds). */
  public metricLatency(): VertexMetric {
    return this.metricPredictionLatencies();
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
   * Lets `member` (e.g. `serviceAccount:app@p.iam.gserviceaccount.com`) call predict: a custom role with
   * only `aiplatform.endpoints.predict`, bound on the project. Vertex AI ignores IAM conditions on
   * `resource.name`, and Terraform cannot set an endpoint's own IAM policy, so the grant covers every
   * endpoint of this project (see the README, "Google Cloud: what a grant covers").
   */
  public grantInvoke(member: string): ProjectIamMember {
    return this.grantPredict(member);
  }

  /** @deprecated use `grantInvoke(member)` (the backend contract's name); same grant. */
  public grantPredict(member: string): ProjectIamMember {
    if (this.predictGrant) return this.predictGrant.grant(member);
    this.predictGrant = new VertexProjectGrant(this, 'PredictGrant', {
      project: this.project,
      roleId: `modelServingPredict_${this.endpointId}`,
      title: `Predict on Vertex AI endpoints (granted for ${this.endpointId})`,
      permissions: ['aiplatform.endpoints.predict'],
      member,
    });
    return this.predictGrant.binding;
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

  /** The registry itself is checked by the shared resolver; Vertex AI also needs it in the endpoint's region. */
  private checkImageRegion(props: ModelEndpointProps, problems: ProblemCollector): void {
    const uri = props.image?.registryUri;
    if (uri === undefined || isUnresolved(uri) || isUnresolved(props.region) || !/^[a-z]+-[a-z]+[0-9]$/.test(props.region)) return;
    const m = /^([a-z0-9-]+)-docker\.pkg\.dev\//.exec(uri);
    if (m && m[1] !== props.region) {
      problems.add({ field: 'image', given: `${describe(uri)} for an endpoint in ${props.region}`, allowed: `on Vertex AI: an Artifact Registry repository in ${props.region} (not another region or a multi-region)`, fix: `push the image to ${props.region}-docker.pkg.dev/...`, backend: VERTEX_CAPABILITIES.backend });
    }
  }
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

/** The two commands that build and push the bundled server image where this endpoint can pull it. */
function bundledImageFix(props: ModelEndpointProps): string {
  const region = isUnresolved(props.region) ? '<region>' : props.region;
  const project = isUnresolved(props.project) ? '<project>' : props.project;
  const context = relative(process.cwd(), `${packageRoot()}/runtime`) || '.';
  const tag = `${region}-docker.pkg.dev/${project}/<repository>/model-server:<version>`;
  const dockerfile = `${context}/${props.accelerator ? RUNTIME_FILES.gpuDockerfile : RUNTIME_FILES.cpuDockerfile}`;
  return `build and push it, then pass ServingImage.fromRegistry("${tag}"): ` +
    `\`docker build --platform linux/amd64 -f ${dockerfile} -t ${tag} ${context}\` and \`docker push ${tag}\``;
}

const METRIC_NAMES: Partial<Record<ScalingMetric, string>> = {
  [ScalingMetric.CPU_UTILIZATION]: VERTEX_METRICS.cpuUtilization,
  [ScalingMetric.GPU_UTILIZATION]: VERTEX_METRICS.acceleratorDutyCycle,
};

/**
 * Autoscaling metric specs from the targets. On a GPU machine Vertex AI tracks CPU and duty cycle together
 * (default 60% each when unset), so a metric the targets leave out is set explicitly at 90%, where it only
 * acts as a safety valve, and the user is told.
 */
function autoscalingSpecs(serving: ResolvedServing, warn: (message: string) => void): MetricTarget[] {
  const specs = serving.targets.map((t) => ({ metricName: METRIC_NAMES[t.metric]!, target: t.value }));
  if (serving.accelerator) {
    for (const metric of [ScalingMetric.GPU_UTILIZATION, ScalingMetric.CPU_UTILIZATION]) {
      if (!serving.targets.some((t) => t.metric === metric)) {
        specs.push({ metricName: METRIC_NAMES[metric]!, target: 90 });
        warn(`model-serving:scaling.targets: Vertex AI also scales on ${metric === ScalingMetric.CPU_UTILIZATION ? 'CPU utilization' : 'accelerator duty cycle'} with a GPU; it is set at 90% (add a target for it to choose another value)`);
      }
    }
  }
  return specs;
}

function escapeTerraformTemplate(value: string): string {
  return value.replace(/\$\{/g, '$$${').replace(/%\{/g, '%%{');
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

/**
 * Whether an http(s) URL's host is a public address: not an IP in a private, loopback, link-local or shared
 * range (RFC 1918, RFC 6598, RFC 4193), and not a name that only resolves inside a network (one label, or
 * .internal, .local, .localhost, .svc, .cluster.local).
 */
function isPublicHost(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return !(a === 10 || a === 127 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127));
  }
  if (host.includes(':')) return !(host === '::1' || /^f[cd]/.test(host) || /^fe[89ab]/.test(host));
  if (!host.includes('.')) return false;
  return !/\.(internal|local|localhost|svc|cluster\.local)$/.test(host);
}
