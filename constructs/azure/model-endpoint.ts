import { ApplicationInsightsWorkbook } from '@cdktf/provider-azurerm/lib/application-insights-workbook';
import { MonitorAutoscaleSetting } from '@cdktf/provider-azurerm/lib/monitor-autoscale-setting';
import { MonitorScheduledQueryRulesAlertV2 } from '@cdktf/provider-azurerm/lib/monitor-scheduled-query-rules-alert-v2';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { Annotations, Lazy } from 'cdktf';
import { Construct } from 'constructs';
import {
  DashboardOptions,
  ReplicaPrice,
  checkCostOptions,
  replicaPrice,
  LatencyPercentile,
  ModelServingProps,
  NameRule,
  ProblemCollector,
  ResolvedServing,
  SpecResolver,
  SpecWarning,
  TAG_KEYS,
  describe,
  isUnresolved,
  refusal,
  sanitizeLabels,
  throwIfBadPropShapes,
  DASHBOARD_PROP_SHAPES,
  Duration,
} from '../../lib';
import { IModelEndpointContract } from '../../lib/backend';
import { addTextWarnings } from '../../lib/internal/warnings';
import {
  ArmAuthMode,
  endpointTrafficBody,
  onlineDeploymentBody,
  onlineEndpointBody,
  OnlineDeploymentBody,
} from './azapi/arm-bodies';
import {
  ArmRequest,
  MlDeploymentPut,
  MlEndpointTraffic,
  MlEnvironmentVersion,
  MlModelVersion,
  MlOnlineDeployment,
  MlOnlineEndpoint,
} from './azapi/resources';
import { alarmTargetsOf } from './alert-routing';
import { AzureMlInstance } from './instance-types';
import { AZURE_ML_CAPABILITIES } from './capabilities';
import { addGuardrailAlerts } from './endpoint-alarms';
import { addAutoscale } from './endpoint-autoscaling';
import { EndpointBase } from './endpoint-base';
import { checkEndpointProps } from './endpoint-checks';
import { grantEndpointIdentity } from './endpoint-identity';
import { keyVaultSecretScopes, outboundProblems } from './endpoint-network';
import { GuardrailAlerts, checkGuardrails } from './guardrail-alerts';
import { AzureMetric, DEPLOYMENT_METRIC_NAMESPACE, MetricOptions, withOptions } from './metrics';
import { bindModelData } from './model-data';
import { shortHash } from './names';
import { ProbeOptions } from './probes';
import { bindServerImage } from './server-image';
import { SecureWorkspace, WorkspaceSource } from './workspace';

export { SCORE_ACTION } from './endpoint-base';
export { ACR_PULL_ROLE_ID } from './endpoint-identity';
export { checkDeploymentNetwork } from './endpoint-network';

/** How callers authenticate to the endpoint. Enum-like. */
export class EndpointAuthMode {
  /** Microsoft Entra tokens: callers need a role with the endpoint's score action (see `grantScore`). */
  public static readonly ENTRA_TOKEN = new EndpointAuthMode('AADToken');
  /** Static keys, readable by anyone with `listKeys` on the endpoint. */
  public static readonly KEY = new EndpointAuthMode('Key');
  /** Azure ML tokens that expire, fetched with `getToken` on the endpoint. */
  public static readonly AML_TOKEN = new EndpointAuthMode('AMLToken');

  private constructor(
    /** The ARM spelling (`AADToken`, `Key`, `AMLToken`). */
    public readonly armValue: string,
  ) {}

  public toString(): string {
    return this.armValue;
  }
}

export interface ModelEndpointProps extends ModelServingProps, DashboardOptions {
  /** Resource group for everything the construct creates. */
  readonly resourceGroupName: string;
  /** Azure region, e.g. `westeurope`. */
  readonly location: string;
  /** The workspace. @default WorkspaceSource.create() */
  readonly workspace?: WorkspaceSource;
  /** Managed online endpoint VM size, e.g. `Standard_DS3_v2` or `Standard_NC4as_T4_v3`. */
  readonly instanceType: string;
  /**
   * Accept a GPU `instanceType` the region table (AZURE_GPU_SIZE_REGIONS, with its source and date in
   * AZURE_GPU_REGIONS_SOURCE) does not list in `location`, e.g. a size Azure added there since. Synth warns that
   * it was not checked.
   * @default false - a GPU size Azure does not sell in `location` is refused
   */
  readonly acceptUncataloguedInstanceType?: boolean;
  /** Endpoint name, 3-32 characters, unique in the region. @default - the model name and a hash of this construct's path */
  readonly endpointName?: string;
  /** Deployment name. Keep it stable: a new name is a new deployment. @default 'main' */
  readonly deploymentName?: string;
  /** How callers authenticate. @default EndpointAuthMode.ENTRA_TOKEN */
  readonly authMode?: EndpointAuthMode;
  /** Accept scoring requests from public networks. @default true */
  readonly publicNetworkAccess?: boolean;
  /**
   * Let the deployment reach public networks. Off is Azure ML's legacy network isolation: the deployment then
   * reaches only the workspace, its storage and its own container registry, through private endpoints that need
   * the workspace to have a private link. So off is accepted only with `WorkspaceSource.fromId(...)` (a workspace
   * you give a private endpoint) and an image in that workspace's own registry; a created workspace has no
   * private link (learn.microsoft.com/azure/machine-learning/concept-secure-online-endpoint, appendix "Secure
   * outbound access with legacy network isolation method"). For egress control with any registry, use a
   * workspace managed virtual network instead (Microsoft's recommendation).
   * @default true
   */
  readonly egressPublicNetworkAccess?: boolean;
  /**
   * Requests Azure ML forwards to one instance at a time. Azure's own default (1) turns a batching server's
   * queue into 429s.
   * @default - twice the server's maxBatchSize
   */
  readonly maxConcurrentRequestsPerInstance?: number;
  /** Liveness and readiness probes on the server's health routes. @default - see ProbeOptions */
  readonly probes?: ProbeOptions;
  /** Send request logs and metrics to the workspace's Application Insights. @default true */
  readonly appInsights?: boolean;
  /**
   * Action groups (ARM ids) the default alerts notify; the thresholds come from `guardrails`.
   * @default - none; the alerts show in Azure Monitor only
   */
  readonly alertActionGroupIds?: string[];
  /** Azure Container Registry (ARM id) holding the image; the endpoint's identity gets AcrPull on it. @default - no grant */
  readonly imageRegistryId?: string;
  /** Storage account (ARM id) of a `ModelArtifact.fromUri` blob; the endpoint's identity gets read access to its container. @default - no grant */
  readonly modelStorageAccountId?: string;
  /**
   * Key Vaults (ARM ids) holding the `ServerSecret.fromAzureKeyVault` secrets of `server`; the endpoint's identity
   * gets Key Vault Secrets User on each of those secrets (not the vault). The vaults must use Azure RBAC
   * (`enableRbacAuthorization`). @default - none; a Key Vault secret is then refused
   */
  readonly keyVaultIds?: string[];
}

/** An Azure ML online endpoint, created here or imported. */
/**
 * What kind of Entra principal a role assignment names (azurerm_role_assignment `principal_type`: User, Group,
 * ServicePrincipal; managed identities are service principals). Set it for a principal created in the same apply:
 * Azure then skips the directory lookup that can fail with PrincipalNotFound while Entra replicates.
 */
export type PrincipalType = 'User' | 'Group' | 'ServicePrincipal';

export interface IModelEndpoint {
  readonly endpointName: string;
  /** ARM id of the endpoint. */
  readonly endpointId: string;
  readonly resourceGroupName: string;
  readonly location: string;
  /**
   * Lets `principalId` score this endpoint and nothing else: a role with the endpoint's score action, assigned
   * at the endpoint's scope.
   */
  grantScore(id: string, principalId: string, principalType?: PrincipalType): RoleAssignment;
  /**
   * The backend contract's grant: lets the Entra principal (object id) `principalId` score this endpoint and
   * nothing else, as `grantScore` does, with a construct id derived from the principal. `principalType`: see
   * PrincipalType (@default - unset: Azure looks the principal up).
   */
  grantInvoke(principalId: string, principalType?: PrincipalType): RoleAssignment;
  /** The contract's latency metric: request latency at P99, in milliseconds. */
  metricLatency(options?: MetricOptions): AzureMetric;
  /** An endpoint metric; `options` win over the defaults. */
  metric(metricName: string, options?: MetricOptions): AzureMetric;
  /** Request latency at a percentile, in milliseconds. */
  metricRequestLatency(percentile?: LatencyPercentile, options?: MetricOptions): AzureMetric;
  /** Requests per minute; split by `statusCodeClass` for errors. */
  metricRequestsPerMinute(options?: MetricOptions): AzureMetric;
}

export interface EndpointAttributes {
  readonly endpointName: string;
  readonly endpointId: string;
  readonly resourceGroupName: string;
  readonly location: string;
}

/** Tags that change with every model version; the endpoint does not carry them (its deployments do). */
const VERSION_TAGS = new Set<string>([TAG_KEYS.version, TAG_KEYS.framework, TAG_KEYS.trainedOn]);

/**
 * An Azure ML managed online endpoint serving one ONNX model with the bundled server: model version,
 * environment version (image and inference routes), endpoint, deployment, first traffic map, Azure Monitor
 * autoscale on the deployment, latency and error-rate alerts, and traffic logs. Azure ML resources are azapi
 * resources checked against Azure's own schema; the rest is azurerm.
 */
export class ModelEndpoint extends EndpointBase
  implements IModelEndpointContract<string, RoleAssignment, AzureMetric, MonitorScheduledQueryRulesAlertV2, string> {
  public static fromEndpointAttributes(scope: Construct, id: string, attrs: EndpointAttributes): IModelEndpoint {
    class Import extends EndpointBase {
      public readonly endpointName = attrs.endpointName;
      public readonly endpointId = attrs.endpointId;
      public readonly resourceGroupName = attrs.resourceGroupName;
      public readonly location = attrs.location;
    }
    return new Import(scope, id);
  }

  public readonly endpointName: string;
  public readonly endpointId: string;
  public readonly resourceGroupName: string;
  public readonly location: string;
  /** The spec after defaults, as every backend sees it. */
  public readonly serving: ResolvedServing;
  /** ARM id of the workspace. */
  public readonly workspaceId: string;
  /** The workspace and its dependencies, when the construct created them. */
  public readonly secureWorkspace?: SecureWorkspace;
  public readonly instance?: AzureMlInstance;
  public readonly endpoint: MlOnlineEndpoint;
  public readonly modelVersion: MlModelVersion;
  public readonly environmentVersion: MlEnvironmentVersion;
  /** How callers authenticate to the endpoint (`authMode`). */
  public readonly authMode: EndpointAuthMode;
  /** Whether the endpoint accepts scoring requests from public networks (`publicNetworkAccess`). */
  public readonly publicNetworkAccess: boolean;
  /** Tags on every Azure resource. */
  public readonly tags: Record<string, string>;
  public readonly autoscale: MonitorAutoscaleSetting;
  /** The error-rate and latency alerts from `guardrails`. */
  public readonly alerts: GuardrailAlerts;
  /** Price of one instance per hour (yours, or the snapshot's); undefined when neither is known. */
  public readonly price?: ReplicaPrice;
  /** The endpoint's Azure Monitor workbook (`dashboard: true`). */
  public readonly dashboard?: ApplicationInsightsWorkbook;
  /** Advice from the shared resolver (also a cdktf `Annotations` warning on this construct). */
  public readonly warnings: SpecWarning[];
  /**
   * The action group ids the guardrail alerts notify: `alertActionGroupIds`, then the action groups of every
   * stack-level `AlertRouting` whose scope holds this endpoint (its aspect adds them to each alert rule at synth).
   * Read at the time of the call, so an `AlertRouting` made after the endpoint is included too.
   */
  public get alarmTargets(): string[] {
    return alarmTargetsOf(this, this.alertActionGroupIds);
  }
  private readonly alertActionGroupIds: readonly string[];
  /** Log Analytics workspace the traffic logs go to. */
  public readonly logAnalyticsWorkspaceId: string;
  /** The first traffic map; Terraform ignores later changes (a rollout controller may own them). */
  public readonly initialTraffic: MlEndpointTraffic;
  private deploymentResource: MlOnlineDeployment | MlDeploymentPut;
  private currentDeploymentName: string;
  private readonly deploymentBody: OnlineDeploymentBody;
  private readonly deploymentDependencies: RoleAssignment[] = [];
  private controllerManaged = false;
  /** Hash of what a deployment runs (model content, environment version); part of a controller deployment's name. */
  private runHash = '';

  constructor(scope: Construct, id: string, props: ModelEndpointProps) {
    super(scope, id);
    const problems = new ProblemCollector();
    const owner = `ModelEndpoint ${this.node.path}`;
    throwIfBadPropShapes(owner, props, [
      { field: 'resourceGroupName', kind: 'string', required: true, example: "'ml'" },
      { field: 'location', kind: 'string', required: true, example: "'westeurope'" },
      { field: 'instanceType', kind: 'string', required: true, example: "'Standard_F4s_v2'" },
      { field: 'acceptUncataloguedInstanceType', kind: 'boolean', example: 'true' },
      { field: 'workspace', kind: WorkspaceSource, example: 'WorkspaceSource.create()' },
      { field: 'endpointName', kind: 'string', example: "'fraud-classifier'" },
      { field: 'deploymentName', kind: 'string', example: "'blue'" },
      { field: 'authMode', kind: EndpointAuthMode, example: 'EndpointAuthMode.AAD_TOKEN' },
      { field: 'publicNetworkAccess', kind: 'boolean', example: 'false' },
      { field: 'egressPublicNetworkAccess', kind: 'boolean', example: 'false' },
      { field: 'maxConcurrentRequestsPerInstance', kind: 'number', example: '4' },
      { field: 'probes', kind: 'object', example: '{ period: Duration.seconds(10) }' },
      { field: 'probes.initialDelay', kind: Duration, example: 'Duration.seconds(10)' },
      { field: 'probes.period', kind: Duration, example: 'Duration.seconds(10)' },
      { field: 'probes.timeout', kind: Duration, example: 'Duration.seconds(2)' },
      { field: 'probes.failureThreshold', kind: 'number', example: '30' },
      { field: 'appInsights', kind: 'boolean', example: 'true' },
      { field: 'alertActionGroupIds', kind: 'string', array: true, example: "'/subscriptions/<id>/resourceGroups/ml/providers/Microsoft.Insights/actionGroups/oncall'" },
      { field: 'imageRegistryId', kind: 'string', example: "'/subscriptions/<id>/resourceGroups/ml/providers/Microsoft.ContainerRegistry/registries/contosoml'" },
      { field: 'modelStorageAccountId', kind: 'string', example: "'/subscriptions/<id>/resourceGroups/ml/providers/Microsoft.Storage/storageAccounts/models'" },
      { field: 'keyVaultIds', kind: 'string', array: true, example: "'/subscriptions/<id>/resourceGroups/ml/providers/Microsoft.KeyVault/vaults/ml-secrets'" },
      ...DASHBOARD_PROP_SHAPES,
    ]);

    // 1. Checks: the backend's own (endpoint-checks.ts, endpoint-network.ts), the price, then the shared spec's,
    //    so one synth lists the backend's problems and the spec's together.
    const { instance, workspace, endpointName, deploymentName, probes, maxConcurrent } = checkEndpointProps(this, props, problems);
    this.instance = instance;
    this.price = replicaPrice('azure', isUnresolved(props.instanceType) ? undefined : props.instanceType, props.hourlyPriceUsd);
    checkCostOptions({ hourlyPriceUsd: props.hourlyPriceUsd }, this.price, props.instanceType, problems);
    if (props.costPer1000PredictionsAbove !== undefined) {
      problems.add(refusal(AZURE_ML_CAPABILITIES, 'costPer1000PredictionsAbove', describe(props.costPer1000PredictionsAbove),
        'no live cost per 1000 predictions (Azure Monitor metrics have no metric math and DeploymentCapacity cannot be exported to Log Analytics)',
        'remove costPer1000PredictionsAbove; use `npm run cost` for the figure at a stated load and a BudgetGuard to cap spend'));
    }
    const resolution = SpecResolver.serving(props, AZURE_ML_CAPABILITIES);
    outboundProblems(props, resolution.resolved, problems);
    const secretScopes = keyVaultSecretScopes(resolution.resolved.secretEnvironment, props, problems);
    const g = resolution.resolved.guardrails;
    checkGuardrails(g, 'guardrails', problems);
    // Shared validation last, so one error lists the backend's problems and the spec's together.
    this.serving = resolution.reportIfInvalid(this, owner, problems);
    this.warnings = [...resolution.warnings];
    addTextWarnings(Annotations.of(this), this.warnings);
    const serving = this.serving;
    this.alertActionGroupIds = [...(props.alertActionGroupIds ?? [])];

    this.endpointName = endpointName;
    this.authMode = props.authMode ?? EndpointAuthMode.ENTRA_TOKEN;
    this.publicNetworkAccess = props.publicNetworkAccess ?? true;
    this.currentDeploymentName = deploymentName;
    this.resourceGroupName = props.resourceGroupName;
    this.location = props.location;
    this.tags = sanitizeLabels(serving.tags, NameRule.AZURE_TAG_VALUE);

    // 2. The workspace: given, or created with its storage, registry, Key Vault and logs (workspace.ts).
    let modelContainer = workspace.existing.modelContainer;
    if (workspace.workspaceId) {
      this.workspaceId = workspace.workspaceId;
    } else {
      this.secureWorkspace = new SecureWorkspace(this, 'Workspace', {
        ...workspace.create,
        // A deployment's outbound calls go to the workspace API; with no private link they arrive publicly.
        publicNetworkAccess: workspace.create?.publicNetworkAccess ?? true,
        resourceGroupName: props.resourceGroupName,
        location: props.location,
        namePrefix: serving.metadata.name,
        tags: this.tags,
      });
      this.workspaceId = this.secureWorkspace.workspace.id;
      modelContainer = this.secureWorkspace.modelContainer;
    }

    // 3. The model version (model-data.ts) and the environment version with the server image (server-image.ts).
    const modelData = bindModelData(this, props, serving, this.workspaceId, modelContainer, this.tags);
    this.modelVersion = modelData.modelVersion;
    const serverImage = bindServerImage(this, serving, this.workspaceId, this.tags);
    this.environmentVersion = serverImage.environmentVersion;
    this.runHash = shortHash(modelData.contentHash, serverImage.environmentVersionName).slice(0, 8);

    // 4. The endpoint. It outlives model versions and azapi updates it with a full PUT, whose body carries no
    //    traffic map: keep everything version-specific (tags, description) off it, so a new version never re-PUTs it.
    this.endpoint = new MlOnlineEndpoint(this, 'Resource', {
      name: endpointName,
      parentId: this.workspaceId,
      location: props.location,
      tags: Object.fromEntries(Object.entries(this.tags).filter(([k]) => !VERSION_TAGS.has(k))),
      body: onlineEndpointBody({
        authMode: this.authMode.armValue as ArmAuthMode,
        publicNetworkAccess: this.publicNetworkAccess,
        description: `${serving.metadata.name} (owner ${serving.metadata.owner})`,
      }),
    });
    this.endpointId = this.endpoint.id;

    // 5. The endpoint's identity reads the model, pulls the image and reads the server's secrets; grant exactly
    //    those before the deployment starts (endpoint-identity.ts).
    this.deploymentDependencies.push(...grantEndpointIdentity(this, this.endpoint.principalId, endpointName, {
      modelReadScopes: modelData.readScopes,
      imageRegistryId: props.imageRegistryId,
      image: serverImage.image,
      secretScopes,
    }));

    // 6. The deployment and the first traffic map.
    this.deploymentBody = onlineDeploymentBody({
      instanceType: props.instanceType,
      instanceCount: serving.minReplicas,
      modelId: this.modelVersion.id,
      environmentId: this.environmentVersion.id,
      environmentVariables: { ...serving.environment },
      // One second over the server's own deadline, so callers get the server's 504 rather than Azure's cut.
      requestTimeoutMs: Math.min(180_000, serving.requestTimeout.toMilliseconds() + 1000),
      maxConcurrentRequestsPerInstance: maxConcurrent,
      liveness: probes,
      readiness: probes,
      appInsightsEnabled: props.appInsights ?? true,
      egressPublicNetworkAccess: props.egressPublicNetworkAccess ?? true,
      description: `${serving.metadata.name} ${serving.metadata.version}`,
    });
    this.deploymentResource = new MlOnlineDeployment(this, 'Deployment', {
      name: deploymentName,
      parentId: this.endpoint.id,
      location: props.location,
      tags: this.tags,
      body: this.deploymentBody,
      dependsOn: this.deploymentDependencies,
      // Autoscale owns the instance count after creation.
      lifecycle: { ignoreChanges: ['body.sku.capacity'] },
    });

    this.initialTraffic = new MlEndpointTraffic(this, 'Traffic', {
      endpoint: this.endpoint,
      body: endpointTrafficBody({ [deploymentName]: 100 }),
      dependsOn: [this.deploymentResource],
      lifecycle: { ignoreChanges: ['body'] },
    });

    // 7. Autoscale (endpoint-autoscaling.ts). Lazy: a CanaryRollout attached later renames the deployment after the version.
    const deploymentId = Lazy.stringValue({ produce: () => this.deploymentId });
    this.autoscale = addAutoscale(this, serving, this, deploymentId, this.tags, [this.deploymentResource]);

    // 8. Traffic logs, guardrail alerts and the workbook (endpoint-alarms.ts).
    const alarms = addGuardrailAlerts(this, props, workspace, g, this.price);
    this.logAnalyticsWorkspaceId = alarms.logAnalyticsWorkspaceId;
    this.alerts = alarms.alerts;
    this.dashboard = alarms.dashboard;
  }

  /** Another ModelEndpoint of this stack with the same name in the same region (it would take over this one). */

  /**
   * No live cost per 1000 predictions on Azure: Azure Monitor metrics have no metric math and DeploymentCapacity
   * cannot be exported to Log Analytics (the other backends return their query here). `npm run cost` has the figure.
   *
   * TypeScript-only (always undefined, a return type jsii cannot model).
   * @jsii ignore
   */
  public metricCostPer1000Predictions(): undefined {
    return undefined;
  }

  /** Name of the deployment that serves this spec. */
  public get deploymentName(): string {
    return this.currentDeploymentName;
  }

  /** ARM id of that deployment. */
  public get deploymentId(): string {
    return `${this.endpoint.id}/deployments/${this.currentDeploymentName}`;
  }

  /** The Terraform resource that writes the deployment. */
  public get deployment(): MlOnlineDeployment | MlDeploymentPut {
    return this.deploymentResource;
  }

  /** @deprecated use `hasRollout` (the backend contract's name); the same flag. */
  public get isControllerManaged(): boolean {
    return this.controllerManaged;
  }

  /** Whether a rollout controller owns traffic and old deployments. */
  public get hasRollout(): boolean {
    return this.controllerManaged;
  }

  /** The guardrail alert on the error rate (`alerts.errorRate`). */
  public get errorRateAlarm(): MonitorScheduledQueryRulesAlertV2 {
    return this.alerts.errorRate;
  }

  /** The guardrail alert on latency (`alerts.latency`). */
  public get latencyAlarm(): MonitorScheduledQueryRulesAlertV2 {
    return this.alerts.latency;
  }

  /**
   * Every azapi request this endpoint makes, for schema checks.
   *
   * TypeScript-only (ArmRequest is; other languages read `armType` and `requestBody` on each resource).
   * @jsii ignore
   */
  public get armRequests(): ArmRequest[] {
    return [this.modelVersion, this.environmentVersion, this.endpoint, this.deploymentResource, this.initialTraffic];
  }

  /** A deployment metric (CPU, GPU, capacity); `options` win. */
  public metricDeployment(metricName: string, options?: MetricOptions): AzureMetric {
    return withOptions({ resourceId: this.deploymentId, namespace: DEPLOYMENT_METRIC_NAMESPACE, metricName, aggregation: 'Average', unit: 'percent' }, options);
  }
  public metricCpuUtilization(options?: MetricOptions): AzureMetric {
    return this.metricDeployment('CpuUtilizationPercentage', options);
  }
  public metricGpuUtilization(options?: MetricOptions): AzureMetric {
    return this.metricDeployment('GpuUtilizationPercentage', options);
  }
  public metricDeploymentCapacity(options?: MetricOptions): AzureMetric {
    return { ...this.metricDeployment('DeploymentCapacity', options), unit: 'instances' };
  }

  /**
   * Internal, called by CanaryRollout. Hands the deployment to a rollout controller: each model version gets its own
   * deployment, named after the version and a hash of what it runs (model content and environment), written once
   * by Terraform; the controller moves traffic and removes the old deployment. A retrained model (or a new image)
   * under an unchanged `metadata.version` is therefore a new deployment that goes through the canary, never a PUT
   * onto the deployment serving all traffic. Internal.
   */
  public handOverToController(): void {
    if (this.controllerManaged) return;
    this.controllerManaged = true;
    this.node.tryRemoveChild('Deployment');
    const version = NameRule.AZURE_ML_ENDPOINT.sanitize(`v${this.serving.metadata.version}`).slice(0, 23).replace(/-+$/, '');
    this.currentDeploymentName = `${version}-${this.runHash}`;
    this.deploymentResource = new MlDeploymentPut(this, 'VersionDeployment', {
      endpoint: this.endpoint,
      name: this.currentDeploymentName,
      location: this.location,
      tags: this.tags,
      body: this.deploymentBody,
      dependsOn: this.deploymentDependencies,
    });
    this.initialTraffic.setTraffic({ [this.currentDeploymentName]: 100 });
    this.initialTraffic.dependsOn = [`${this.deploymentResource.terraformResourceType}.${this.deploymentResource.friendlyUniqueId}`];
    this.autoscale.dependsOn = [`${this.deploymentResource.terraformResourceType}.${this.deploymentResource.friendlyUniqueId}`];
  }
}
