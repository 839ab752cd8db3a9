import { createHash } from 'node:crypto';
import { MonitoringAlertPolicy } from '@cdktf/provider-google/lib/monitoring-alert-policy';
import { MonitoringDashboard } from '@cdktf/provider-google/lib/monitoring-dashboard';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';
import { VertexAiEndpoint } from '@cdktf/provider-google/lib/vertex-ai-endpoint';
import { Annotations, DataResource, Lazy } from 'cdktf';
import { Construct } from 'constructs';
import {
  DashboardOptions,
  ReplicaPrice,
  checkCostOptions,
  replicaPrice,
  Duration,
  ModelServingProps,
  NameRule,
  ProblemCollector,
  ResolvedServing,
  SpecResolver,
  SpecWarning,
  describe,
  isUnresolved,
  sanitizeLabels,
  throwIfBadPropShapes,
} from '../../lib';
import { IModelEndpointContract } from '../../lib/backend';
import { addTextWarnings } from '../../lib/internal/warnings';
import { AlertRouting } from './alert-routing';
import { VERTEX_CAPABILITIES } from './capabilities';
import { addGuardrailAlerts } from './endpoint-alarms';
import { ENDPOINT_PROP_SHAPES, checkEndpointProps } from './endpoint-checks';
import { createVertexDeployment, unresolvedStrings } from './endpoint-deployment';
import { createServingIdentity } from './endpoint-identity';
import { outboundProblems } from './endpoint-network';
import { VertexProjectGrant } from './iam';
import { costPer1000PredictionsQuery } from './dashboard';
import { VertexMetric, vertexMetric } from './monitoring';
import { GcpMachine } from './machine-types';
import { bindModelData } from './model-data';
import { withBundledImageFix } from './server-image';
import { ServingSpec, VERTEX_METRICS } from './vertex/bodies';
import { addUniqueKeyCheck } from './checks';
import { DeploymentPlan, MODEL_ENDPOINT_LABEL, RolloutPlan, canonicalJson } from './vertex/plan';

export { MODEL_ENDPOINT_LABEL };
export { NOTIFICATION_CHANNEL, NOTIFICATION_CHANNEL_ALLOWED, NOTIFICATION_CHANNEL_FIX, checkProjectAndRegion } from './endpoint-checks';
export { VERTEX_PREDICT_ROUTE, VERTEX_PROBE_TIMING } from './endpoint-deployment';

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
  public readonly warnings: SpecWarning[];
  /**
   * The Cloud Monitoring notification channels the guardrail alert policies notify: `notificationChannels`, then
   * the channels of every stack-level `AlertRouting` whose scope holds this endpoint (its aspect adds them to each
   * alert policy at synth). Read at the time of the call, so an `AlertRouting` made after the endpoint is included too.
   */
  public get alarmTargets(): string[] {
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
  private rollout?: RolloutPlan;
  private predictGrant?: VertexProjectGrant;
  private readonly timeouts: { upload: number; deploy: number };

  constructor(scope: Construct, id: string, props: ModelEndpointProps) {
    super(scope, id);
    const owner = `ModelEndpoint ${this.node.path}`;
    throwIfBadPropShapes(owner, props, ENDPOINT_PROP_SHAPES);
    const problems = new ProblemCollector();
    this.project = props.project;
    this.region = props.region;

    // 1. Checks: the backend's own (endpoint-checks.ts, endpoint-network.ts), the price, then the shared spec's,
    //    so one synth lists them together; the bundled-image refusal gets the commands that push the image here.
    const { machine, endpointId, deploymentTimeoutSeconds } = checkEndpointProps(this, props, problems);
    this.machine = machine;
    this.price = replicaPrice('gcp', isUnresolved(props.machineType) ? undefined : props.machineType, props.hourlyPriceUsd);
    checkCostOptions(props, this.price, props.machineType, problems);
    const resolution = SpecResolver.serving(props, VERTEX_CAPABILITIES);
    const outboundWarnings = outboundProblems(props, resolution.resolved, problems);
    problems.addAll(withBundledImageFix(resolution.problems, props));
    problems.reportTo(this, owner);
    this.warnings = [...resolution.warnings];
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

    // 2. The serving account and its grants (endpoint-identity.ts).
    const identity = createServingIdentity(this, props.project, props.metadata, endpointId, pathHash, serving);
    this.serviceAccount = identity.serviceAccount;

    // 3. The model artifact (model-data.ts).
    const modelData = bindModelData(this, props, identity.member, pathHash, this.labels);
    this.artifactBucket = modelData.artifactBucket;
    this.artifactUri = modelData.artifactUri;

    // 4. The endpoint.
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

    // 5. The deployer, its plan and autoscaling (endpoint-deployment.ts, endpoint-autoscaling.ts).
    const deployment = createVertexDeployment(this, props, {
      endpoint: this.endpoint,
      endpointId,
      serving,
      labels: this.labels,
      imageUri: this.imageUri,
      artifactUri: this.artifactUri,
      serviceAccountEmail: this.serviceAccount.email,
      machine: this.machine,
      deploymentTimeoutSeconds,
      dependsOn: [...modelData.dependencies, ...identity.grants],
    });
    this.teardown = deployment.teardown;
    this.spec = deployment.spec;
    this.timeouts = { upload: 1800, deploy: deploymentTimeoutSeconds + 1800 };
    this.deployment = deployment.deployment;
    this.renderPlan();

    // 6. Alert policies, dashboard and cost alert (endpoint-alarms.ts).
    const alarms = addGuardrailAlerts(this, props, this.price);
    this.errorRateAlert = alarms.errorRateAlert;
    this.latencyAlert = alarms.latencyAlert;
    this.dashboard = alarms.dashboard;
    this.costPer1000PredictionsAlarm = alarms.costPer1000PredictionsAlarm;
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
}
