import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace';
import { MonitorAutoscaleSetting } from '@cdktf/provider-azurerm/lib/monitor-autoscale-setting';
import { MonitorDiagnosticSetting } from '@cdktf/provider-azurerm/lib/monitor-diagnostic-setting';
import { MonitorScheduledQueryRulesAlertV2 } from '@cdktf/provider-azurerm/lib/monitor-scheduled-query-rules-alert-v2';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { RoleDefinition } from '@cdktf/provider-azurerm/lib/role-definition';
import { StorageBlob } from '@cdktf/provider-azurerm/lib/storage-blob';
import { ApplicationInsightsWorkbook } from '@cdktf/provider-azurerm/lib/application-insights-workbook';
import { Annotations, AssetType, Lazy, TerraformAsset, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import {
  ArtifactStorage,
  DashboardOptions,
  ReplicaPrice,
  checkCostOptions,
  replicaPrice,
  DEFAULT_PORT,
  LatencyPercentile,
  ModelServingProps,
  NameRule,
  ProblemCollector,
  SecretEnvironmentVariable,
  SecretSource,
  ROUTES,
  ResolvedServing,
  SERVER_ENV,
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
  environmentVersionBody,
  endpointTrafficBody,
  modelVersionBody,
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
import { azureWorkbook } from './dashboard';
import { AzureMlInstance, checkAzureMlInstance } from './instance-types';
import { autoscaleRules } from './autoscale';
import { AZURE_ML_CAPABILITIES, latencyMetricName } from './capabilities';
import { GuardrailAlerts, checkGuardrails } from './guardrail-alerts';
import { AzureMetric, DEPLOYMENT_METRIC_NAMESPACE, ENDPOINT_METRIC_NAMESPACE, MetricOptions, withOptions } from './metrics';
import { ARM_ID_TYPES, addEndpointNameCheck, checkArmId, checkGuid, checkLocation, checkResourceGroupName } from './validation';
import { shortHash } from './names';
import { ProbeOptions, resolveProbes } from './probes';
import { SecureWorkspace, WorkspaceSource, checkNewWorkspaceOptions } from './workspace';

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

/** The endpoint's score action: the only permission `grantScore` hands out. */
export const SCORE_ACTION = 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/score/action';
/** Built-in role ids the endpoint's identity needs (learn.microsoft.com/azure/role-based-access-control/built-in-roles). */
const STORAGE_BLOB_DATA_READER = '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1';
/** AcrPull (built-in roles, Containers). */
export const ACR_PULL_ROLE_ID = '7f951dda-4ed3-4680-a7ca-43fe172d538d';
const ACR_PULL = ACR_PULL_ROLE_ID;
/** Key Vault Secrets User: read secret contents (built-in roles, Security: learn.microsoft.com/azure/role-based-access-control/built-in-roles/security). */
const KEY_VAULT_SECRETS_USER = '4633458b-17de-408a-b874-0445c86b69e6';

/**
 * The RBAC scope of each Key Vault secret the server reads (`<vault ARM id>/secrets/<name>`: Key Vault RBAC
 * assigns roles on single secrets; versions are not scopes), with a problem for a secret whose vault is not in
 * `keyVaultIds` or that the deployment cannot reach (egress off: legacy network isolation reaches only the
 * workspace, its storage and its registry).
 */
function keyVaultSecretScopes(secrets: readonly SecretEnvironmentVariable[], props: ModelEndpointProps, problems: ProblemCollector): string[] {
  const scopes: string[] = [];
  for (const s of secrets) {
    if (s.secret.source !== SecretSource.AZURE_KEY_VAULT) continue;
    if (isUnresolved(s.secret.name)) {
      problems.add({ field: s.field, given: 'a secret id that is a token', allowed: 'a literal https://<vault>.vault.azure.net/secrets/<name>: its vault picks the grant\'s scope from keyVaultIds', fix: 'write the secret id out, e.g. "https://kv-ml.vault.azure.net/secrets/redis-url"' });
      continue;
    }
    const url = new URL(s.secret.name);
    const vault = url.hostname.split('.')[0]!;
    const secretName = url.pathname.split('/')[2]!;
    if (props.egressPublicNetworkAccess === false) {
      problems.add(refusal(AZURE_ML_CAPABILITIES, s.field, `${s.secret.toString()} with egressPublicNetworkAccess false`,
        'no call to Key Vault from a deployment without public egress (legacy network isolation reaches the workspace, its storage and its registry only); the server reads the secret at start',
        'turn egressPublicNetworkAccess on (the vault\'s public endpoint, with its firewall admitting Azure ML), or use a plain value'));
    }
    const vaultId = (props.keyVaultIds ?? []).find((id) => !isUnresolved(id) && id.split('/').pop()!.toLowerCase() === vault);
    if (vaultId === undefined) {
      problems.add({
        field: s.field,
        given: `${s.secret.toString()} (vault ${vault}) with keyVaultIds ${props.keyVaultIds === undefined ? 'unset' : `[${props.keyVaultIds.join(', ')}]`}`,
        allowed: 'a secret in a vault listed in keyVaultIds: the endpoint\'s identity gets Key Vault Secrets User on the secret, or the server cannot read it',
        fix: `pass keyVaultIds: [<the ARM id of ${vault}, azurerm_key_vault.id>]`,
      });
      continue;
    }
    const scope = `${vaultId}/secrets/${secretName}`;
    if (!scopes.includes(scope)) scopes.push(scope);
  }
  return scopes;
}

abstract class EndpointBase extends Construct implements IModelEndpoint {
  public abstract readonly endpointName: string;
  public abstract readonly endpointId: string;
  public abstract readonly resourceGroupName: string;
  public abstract readonly location: string;
  private scoreRole?: RoleDefinition;
  private readonly invokeGrants = new Map<string, RoleAssignment>();

  public grantInvoke(principalId: string, principalType?: PrincipalType): RoleAssignment {
    // A literal principal id names its grant (granting it twice returns the first); a token gets the next number.
    const key = isUnresolved(principalId) ? `#${this.invokeGrants.size}` : principalId;
    const existing = this.invokeGrants.get(key);
    if (existing) return existing;
    const grant = this.grantScore(isUnresolved(principalId) ? `Invoke${this.invokeGrants.size}` : `Invoke${shortHash(principalId).slice(0, 8)}`, principalId, principalType);
    this.invokeGrants.set(key, grant);
    return grant;
  }

  public metricLatency(options?: MetricOptions): AzureMetric {
    return this.metricRequestLatency(LatencyPercentile.P99, options);
  }

  public grantScore(id: string, principalId: string, principalType?: PrincipalType): RoleAssignment {
    const problems = new ProblemCollector();
    checkGuid('principalId', principalId, 'the Entra object id of the principal', problems);
    problems.reportTo(this, `ModelEndpoint ${this.node.path} grantScore('${id}')`);
    if (!this.scoreRole) {
      const client = new DataAzurermClientConfig(this, 'ScoreRoleClient', {});
      // Custom roles are defined at a resource group (Azure allows no narrower assignable scope); the
      // assignment below is on this endpoint only.
      const resourceGroupId = `/subscriptions/${client.subscriptionId}/resourceGroups/${this.resourceGroupName}`;
      this.scoreRole = new RoleDefinition(this, 'ScoreRole', {
        name: `Score ${this.endpointName} (${shortHash(this.node.path).slice(0, 8)})`,
        scope: resourceGroupId,
        description: `Score the Azure ML online endpoint ${this.endpointName}; nothing else.`,
        permissions: [{ actions: [SCORE_ACTION] }],
        assignableScopes: [resourceGroupId],
      });
    }
    return new RoleAssignment(this, `Score${id}`, {
      scope: this.endpointId,
      roleDefinitionId: this.scoreRole.roleDefinitionResourceId,
      principalId,
      ...(principalType !== undefined ? { principalType } : {}),
      description: `Score ${this.endpointName}`,
    });
  }

  public metric(metricName: string, options?: MetricOptions): AzureMetric {
    return withOptions({ resourceId: this.endpointId, namespace: ENDPOINT_METRIC_NAMESPACE, metricName, aggregation: 'Average', unit: 'unspecified' }, options);
  }
  public metricRequestLatency(percentile: LatencyPercentile = LatencyPercentile.P99, options?: MetricOptions): AzureMetric {
    return { ...this.metric(latencyMetricName(percentile), options), unit: 'milliseconds' };
  }
  public metricRequestsPerMinute(options?: MetricOptions): AzureMetric {
    return { ...this.metric('RequestsPerMinute', options), unit: 'count' };
  }
}

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
  public readonly warnings: readonly SpecWarning[];
  /**
   * The action group ids the guardrail alerts notify: `alertActionGroupIds`, then the action groups of every
   * stack-level `AlertRouting` whose scope holds this endpoint (its aspect adds them to each alert rule at synth).
   * Read at the time of the call, so an `AlertRouting` made after the endpoint is included too.
   */
  public get alarmTargets(): readonly string[] {
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
    this.instance = checkAzureMlInstance(props.instanceType, props.accelerator, props.acceleratorCount, problems);
    const workspace = props.workspace ?? WorkspaceSource.create();
    checkModel(props, workspace, problems);
    if (workspace.create) checkNewWorkspaceOptions(workspace.create, problems, 'workspace');
    checkDeploymentNetwork(props, workspace, problems);
    checkLocation(this, 'location', props.location, problems);
    checkResourceGroupName('resourceGroupName', props.resourceGroupName, problems);
    checkArmId('imageRegistryId', props.imageRegistryId, ARM_ID_TYPES.containerRegistry, problems);
    checkArmId('modelStorageAccountId', props.modelStorageAccountId, ARM_ID_TYPES.storageAccount, problems);
    checkArmId('workspace', workspace.workspaceId, ARM_ID_TYPES.mlWorkspace, problems);
    checkArmId('workspace.logAnalyticsWorkspaceId', workspace.existing.logAnalyticsWorkspaceId, ARM_ID_TYPES.logAnalyticsWorkspace, problems);
    checkArmId('workspace.containerRegistryId', workspace.existing.containerRegistryId ?? workspace.create?.containerRegistryId, ARM_ID_TYPES.containerRegistry, problems);
    (props.alertActionGroupIds ?? []).forEach((id, i) => checkArmId(`alertActionGroupIds[${i}]`, id, ARM_ID_TYPES.actionGroup, problems));
    (props.keyVaultIds ?? []).forEach((id, i) => checkArmId(`keyVaultIds[${i}]`, id, ARM_ID_TYPES.keyVault, problems));
    const nameRule = NameRule.AZURE_ML_ENDPOINT;
    // Endpoint names are unique per Azure region, across subscriptions: the hash comes from the stack and path.
    const endpointName = props.endpointName ?? nameRule.generate(props.metadata.name, `${TerraformStack.of(this).node.id}/${this.node.path}`);
    const deploymentName = props.deploymentName ?? 'main';
    // Endpoint names are unique per region, across the app's stacks: checked at synth (validation.ts).
    addEndpointNameCheck(this, `ModelEndpoint ${this.node.path}`, endpointName, props.location);
    for (const [field, value, fix] of [
      ['endpointName', endpointName, 'e.g. "fraud-classifier-prod" (unique per Azure region)'],
      ['deploymentName', deploymentName, 'e.g. "main"'],
    ] as const) {
      const p = nameRule.problem(field, value, fix);
      if (p) problems.add(p);
    }
    const probes = resolveProbes(props.probes ?? {}, problems);
    for (const field of ['scaleInCooldown', 'scaleOutCooldown'] as const) {
      const d = props.scaling?.[field];
      if (d && d.toSeconds() < 60) {
        problems.add(refusal(AZURE_ML_CAPABILITIES, `scaling.${field}`, d.toString(), 'at least 1 minute (Azure Monitor autoscale cooldowns)', 'use Duration.minutes(1) or more'));
      }
    }
    const maxConcurrent = props.maxConcurrentRequestsPerInstance ?? 2 * (props.server?.maxBatchSize ?? SERVER_ENV.maxBatchSize.default);
    if (!isUnresolved(maxConcurrent) && !(Number.isInteger(maxConcurrent) && maxConcurrent >= 1 && maxConcurrent <= 1000)) {
      problems.add({ field: 'maxConcurrentRequestsPerInstance', given: describe(maxConcurrent), allowed: 'an integer from 1 to 1000', fix: 'about twice the server\'s maxBatchSize keeps batches full without queueing in Azure' });
    }
    this.price = replicaPrice('azure', isUnresolved(props.instanceType) ? undefined : props.instanceType, props.hourlyPriceUsd);
    checkCostOptions({ hourlyPriceUsd: props.hourlyPriceUsd }, this.price, props.instanceType, problems);
    if (props.costPer1000PredictionsAbove !== undefined) {
      problems.add(refusal(AZURE_ML_CAPABILITIES, 'costPer1000PredictionsAbove', describe(props.costPer1000PredictionsAbove),
        'no live cost per 1000 predictions (Azure Monitor metrics have no metric math and DeploymentCapacity cannot be exported to Log Analytics)',
        'remove costPer1000PredictionsAbove; use `npm run cost` for the figure at a stated load and a BudgetGuard to cap spend'));
    }
    const resolution = SpecResolver.serving(props, AZURE_ML_CAPABILITIES);
    if (props.egressPublicNetworkAccess === false) {
      for (const t of resolution.resolved.outbound) {
        problems.add(refusal(AZURE_ML_CAPABILITIES, t.field, `${t.description} with egressPublicNetworkAccess false`,
          'no destination beyond the workspace, its storage and its registry (legacy network isolation)',
          `turn egressPublicNetworkAccess on and reach it over a public address, or remove ${t.field.split('.').slice(0, 2).join('.')}`));
      }
    }
    const secretScopes = keyVaultSecretScopes(resolution.resolved.secretEnvironment, props, problems);
    const g = resolution.resolved.guardrails;
    checkGuardrails(g, 'guardrails', problems);
    // Shared validation last, so one error lists the backend's problems and the spec's together.
    this.serving = resolution.reportIfInvalid(this, owner, problems);
    this.warnings = resolution.warnings;
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

    // Workspace.
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

    // Model version: the file uploaded to the model container, or the blob URI as given.
    let modelUri: string;
    let contentHash: string;
    const readScopes: string[] = [];
    if (props.model.storage === ArtifactStorage.LOCAL_FILE) {
      const bytes = readFileSync(props.model.localPath!);
      contentHash = createHash('sha256').update(bytes).digest('hex');
      const asset = new TerraformAsset(this, 'ModelFile', { path: props.model.localPath!, type: AssetType.FILE });
      const blobName = `${serving.metadata.name}/${serving.metadata.version}/${contentHash.slice(0, 12)}/${props.model.fileName}`;
      // No container only with that problem reported (synth fails, nothing is written): placeholders keep the tree whole.
      const container = modelContainer ?? { storageAccountName: '', containerName: '', storageAccountId: '' };
      const blob = new StorageBlob(this, 'ModelBlob', {
        name: blobName,
        storageAccountName: container.storageAccountName,
        storageContainerName: container.containerName,
        type: 'Block',
        source: asset.path,
      });
      modelUri = blob.url;
      readScopes.push(`${container.storageAccountId}/blobServices/default/containers/${container.containerName}`);
    } else {
      modelUri = props.model.uri!;
      contentHash = createHash('sha256').update(modelUri).digest('hex');
      const loc = props.model.location!;
      if (props.modelStorageAccountId) {
        readScopes.push(`${props.modelStorageAccountId}/blobServices/default/containers/${loc.bucket}`);
      } else {
        Annotations.of(this).addWarning(
          `ModelEndpoint ${this.node.path}: the endpoint's identity needs read access to ${modelUri}. Pass modelStorageAccountId ` +
            'to have the construct grant Storage Blob Data Reader on its container, or grant it yourself.',
        );
      }
    }
    const modelVersionName = `${serving.metadata.version}-${contentHash.slice(0, 8)}`;
    this.modelVersion = new MlModelVersion(this, 'ModelVersion', {
      name: modelVersionName,
      parentId: `${this.workspaceId}/models/${serving.metadata.name}`,
      body: modelVersionBody({
        modelUri,
        description: `${serving.metadata.name} ${serving.metadata.version}`,
        tags: this.tags,
        properties: props.model.storage === ArtifactStorage.LOCAL_FILE ? { 'model-serving.dev/sha256': contentHash } : undefined,
      }),
    });

    // Environment version: the image and the inference routes Azure ML probes and forwards to.
    const image = serving.image.registryUri!;
    const scoringPath = SERVER_ENV.scoringRoute.default;
    const envBody = environmentVersionBody({
      image,
      port: DEFAULT_PORT,
      livenessPath: ROUTES.live,
      readinessPath: ROUTES.ready,
      scoringPath,
      description: `model-serving-constructs server for ${serving.metadata.name}`,
      tags: this.tags,
    });
    const environmentVersionName = shortHash(JSON.stringify(envBody)).slice(0, 12);
    this.runHash = shortHash(contentHash, environmentVersionName).slice(0, 8);
    this.environmentVersion = new MlEnvironmentVersion(this, 'EnvironmentVersion', {
      // Environment versions are immutable: the version is a hash of what it holds.
      name: environmentVersionName,
      parentId: `${this.workspaceId}/environments/${serving.metadata.name}-server`,
      body: envBody,
    });

    // The endpoint outlives model versions and azapi updates it with a full PUT, whose body carries no traffic
    // map: keep everything version-specific (tags, description) off it, so a new version never re-PUTs it.
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

    // The endpoint's identity pulls the image and reads the model; grant exactly those before the deployment starts.
    readScopes.forEach((scope, i) => this.deploymentDependencies.push(new RoleAssignment(this, i === 0 ? 'ModelRead' : `ModelRead${i}`, {
      scope,
      roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${STORAGE_BLOB_DATA_READER}`,
      principalId: this.endpoint.principalId,
      principalType: 'ServicePrincipal',
      description: `Endpoint ${endpointName} reads its model`,
    })));
    if (props.imageRegistryId) {
      this.deploymentDependencies.push(new RoleAssignment(this, 'ImagePull', {
        scope: props.imageRegistryId,
        roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL}`,
        principalId: this.endpoint.principalId,
        principalType: 'ServicePrincipal',
        description: `Endpoint ${endpointName} pulls its image`,
      }));
    } else if (/\.azurecr\.io\//.test(image)) {
      Annotations.of(this).addWarning(`ModelEndpoint ${this.node.path}: ${image} is in an Azure Container Registry; pass imageRegistryId so the endpoint's identity gets AcrPull on it.`);
    }

    // Secrets by reference (MODEL_SERVER_SECRET_REFS): the server reads exactly these secrets with this identity.
    secretScopes.forEach((scope, i) => this.deploymentDependencies.push(new RoleAssignment(this, i === 0 ? 'SecretRead' : `SecretRead${i}`, {
      scope,
      roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_SECRETS_USER}`,
      principalId: this.endpoint.principalId,
      principalType: 'ServicePrincipal',
      description: `Endpoint ${endpointName} reads a server secret`,
    })));

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

    // Lazy: a CanaryRollout attached later renames the deployment after the version.
    const deploymentId = Lazy.stringValue({ produce: () => this.deploymentId });
    this.autoscale = new MonitorAutoscaleSetting(this, 'Autoscale', {
      name: `${endpointName}-autoscale`,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      targetResourceId: deploymentId,
      profile: [{
        name: 'default',
        capacity: { default: serving.minReplicas, minimum: serving.minReplicas, maximum: serving.maxReplicas },
        rule: autoscaleRules(serving, deploymentId),
      }],
      tags: this.tags,
      dependsOn: [this.deploymentResource],
    });

    // Traffic logs feed the guardrail alerts (see guardrail-alerts.ts).
    if (this.secureWorkspace) {
      this.logAnalyticsWorkspaceId = this.secureWorkspace.logAnalytics.id;
    } else if (workspace.existing.logAnalyticsWorkspaceId) {
      this.logAnalyticsWorkspaceId = workspace.existing.logAnalyticsWorkspaceId;
    } else {
      this.logAnalyticsWorkspaceId = new LogAnalyticsWorkspace(this, 'Logs', {
        name: `${endpointName}-logs`,
        resourceGroupName: props.resourceGroupName,
        location: props.location,
        sku: 'PerGB2018',
        retentionInDays: 30,
        tags: this.tags,
      }).id;
    }
    new MonitorDiagnosticSetting(this, 'TrafficLogs', {
      name: 'traffic-logs',
      targetResourceId: this.endpoint.id,
      logAnalyticsWorkspaceId: this.logAnalyticsWorkspaceId,
      logAnalyticsDestinationType: 'Dedicated',
      enabledLog: [{ category: 'AmlOnlineEndpointTrafficLog' }],
    });

    const actionGroups = props.alertActionGroupIds ?? [];
    this.alerts = new GuardrailAlerts(this, 'Alerts', {
      namePrefix: endpointName,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      logAnalyticsWorkspaceId: this.logAnalyticsWorkspaceId,
      endpointName,
      guardrails: g,
      actionGroupIds: actionGroups,
      tags: this.tags,
      purpose: 'Endpoint guardrail',
    });
    if (props.dashboard) {
      const gpu = this.instance?.gpu !== undefined || this.serving.acceleratorCount > 0;
      const uuid = createHash('sha256').update(`workbook|${this.node.path}|${endpointName}`).digest('hex');
      this.dashboard = new ApplicationInsightsWorkbook(this, 'Dashboard', {
        // A workbook's name is a UUID; a stable one from the construct path keeps it from being replaced.
        name: `${uuid.slice(0, 8)}-${uuid.slice(8, 12)}-4${uuid.slice(13, 16)}-8${uuid.slice(17, 20)}-${uuid.slice(20, 32)}`,
        displayName: `Model ${this.serving.metadata.name} (Azure ML endpoint ${endpointName})`,
        resourceGroupName: props.resourceGroupName,
        location: props.location,
        // Lazy: a CanaryRollout attached later changes the deployment the metrics read.
        dataJson: Lazy.stringValue({ produce: () => JSON.stringify(azureWorkbook(this, this.logAnalyticsWorkspaceId, gpu, this.price)) }),
        tags: this.tags,
      });
    }
  }

  /**
   * No live cost per 1000 predictions on Azure: Azure Monitor metrics have no metric math and DeploymentCapacity
   * cannot be exported to Log Analytics (the other backends return their query here). `npm run cost` has the figure.
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

  /** Every azapi request this endpoint makes, for schema checks. */
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

/** What the capabilities cannot say: a local file needs somewhere to upload it. */
function checkModel(props: ModelEndpointProps, workspace: WorkspaceSource, problems: ProblemCollector): void {
  const m = props.model;
  if (m.storage === ArtifactStorage.LOCAL_FILE && workspace.workspaceId && !workspace.existing.modelContainer) {
    problems.add({ field: 'model', given: `a local file (${m.toString()}) with an existing workspace and no modelContainer`, allowed: 'a local file only with WorkspaceSource.create() or WorkspaceSource.fromId(id, { modelContainer })', fix: 'pass modelContainer: { storageAccountId, storageAccountName, containerName }, or use ModelArtifact.fromUri(blob URI)' });
  }
}

/**
 * Azure ML's supported inbound/outbound combinations for managed online endpoints
 * (MicrosoftDocs/azure-docs articles/machine-learning/concept-secure-online-endpoint.md, appendix "Secure outbound
 * access with legacy network isolation method", and its table of supported configurations):
 *  - egress off needs "a private link" on the workspace, and the deployment then reaches only "the workspace, blob,
 *    and container registry" of the workspace; an image elsewhere fails to download;
 *  - egress on needs the workspace to "allow public access as the deployment outbound is to the workspace API".
 */
export function checkDeploymentNetwork(props: ModelEndpointProps, workspace: WorkspaceSource, problems: ProblemCollector): void {
  const egress = props.egressPublicNetworkAccess ?? true;
  const doc = 'concept-secure-online-endpoint, "legacy network isolation"';
  if (!egress && workspace.create) {
    problems.add({
      field: 'egressPublicNetworkAccess',
      given: 'false with WorkspaceSource.create()',
      allowed: `false only in a workspace with a private link; a created workspace has none (${doc})`,
      fix: 'leave egressPublicNetworkAccess on, or use WorkspaceSource.fromId(...) for a workspace with a private endpoint and its own registry; for egress control with any registry, give the workspace a managed virtual network',
    });
  }
  if (egress && workspace.create && workspace.create.publicNetworkAccess === false) {
    problems.add({
      field: 'workspace.publicNetworkAccess',
      given: 'false with egressPublicNetworkAccess on',
      allowed: 'true: a deployment with public outbound calls the workspace API from public networks (concept-secure-online-endpoint, supported configurations)',
      fix: 'omit workspace publicNetworkAccess, or bring a workspace with a private endpoint (WorkspaceSource.fromId) and turn egress off',
    });
  }
  if (!egress && workspace.workspaceId && props.imageRegistryId && !isUnresolved(props.imageRegistryId)) {
    const own = workspace.existing.containerRegistryId;
    if (own === undefined || (!isUnresolved(own) && own.toLowerCase() !== props.imageRegistryId.toLowerCase())) {
      problems.add({
        field: 'imageRegistryId',
        given: `${props.imageRegistryId} with egressPublicNetworkAccess false (workspace registry: ${own ?? 'not given'})`,
        allowed: `with egress off, only the workspace's own container registry (${doc}: "they have access to the secured resources (workspace, blob, and container registry) only")`,
        fix: 'push the image to the workspace\'s registry and pass it as both imageRegistryId and WorkspaceSource.fromId(id, { containerRegistryId }), or turn egressPublicNetworkAccess on',
      });
    }
  }
}
