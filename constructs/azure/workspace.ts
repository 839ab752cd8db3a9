import { ApplicationInsights } from '@cdktf/provider-azurerm/lib/application-insights';
import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault';
import { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace';
import { MachineLearningWorkspace } from '@cdktf/provider-azurerm/lib/machine-learning-workspace';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import { StorageContainer } from '@cdktf/provider-azurerm/lib/storage-container';
import { Construct } from 'constructs';
import { ProblemCollector, describe, isUnresolved } from '../../lib';
import { keyVaultName, shortHash, storageAccountName } from './names';

/** A blob container the constructs upload local model files to. */
export interface ModelContainer {
  /** ARM id of the storage account. */
  readonly storageAccountId: string;
  /** Name of the storage account. */
  readonly storageAccountName: string;
  /** Name of the blob container. */
  readonly containerName: string;
}

/** Options for a workspace that already exists. */
export interface ExistingWorkspaceOptions {
  /** Where `ModelArtifact.fromFile` models are uploaded. @default - local model files are refused; use ModelArtifact.fromUri */
  readonly modelContainer?: ModelContainer;
  /** Log Analytics workspace for the endpoint's traffic logs (the error-rate alert queries them). @default - one is created */
  readonly logAnalyticsWorkspaceId?: string;
  /**
   * The workspace's own Azure Container Registry (ARM id). With a deployment's egress off, Azure ML pulls images
   * only from this registry (through the workspace's private link), so an endpoint with
   * `egressPublicNetworkAccess: false` and an `imageRegistryId` needs it to check the two are the same.
   * @default - unknown
   */
  readonly containerRegistryId?: string;
}

/** Options for a workspace the construct creates. */
export interface NewWorkspaceOptions {
  /**
   * Allow the workspace's own APIs and studio from public networks. A created workspace has no private endpoint,
   * so a deployment's outbound calls to the workspace API arrive from public networks: Azure requires the
   * workspace to accept them (concept-secure-online-endpoint, supported configurations). Turning it off is
   * refused for a ModelEndpoint that creates its workspace.
   * @default true
   */
  readonly publicNetworkAccess?: boolean;
  /** Azure Container Registry (ARM id) the workspace uses for images. @default - none; Azure ML creates one on first image build */
  readonly containerRegistryId?: string;
  /**
   * Days Log Analytics keeps the endpoint's logs and Application Insights data: a whole number from 30 to 730
   * (the PerGB2018 tier's range). @default 30
   */
  readonly logRetentionDays?: number;
}

/**
 * Checks the options of a workspace the construct would create; adds a problem per bad value. `prefix` is the
 * dotted path of the options in the caller's props (e.g. `workspace` for ModelEndpoint's `workspace`).
 */
export function checkNewWorkspaceOptions(options: NewWorkspaceOptions, problems: ProblemCollector, prefix?: string): void {
  const days = options.logRetentionDays;
  if (days !== undefined && !isUnresolved(days) && !(Number.isInteger(days) && days >= 30 && days <= 730)) {
    problems.add({
      field: `${prefix ? `${prefix}.` : ''}logRetentionDays`,
      given: describe(days),
      allowed: 'a whole number of days from 30 to 730 (Log Analytics PerGB2018)',
      fix: 'pass e.g. 30, 90 or 365; omit it for 30',
    });
  }
}

/** Where the endpoint lives: an existing Azure ML workspace, or one created with secure defaults. Union-like. */
export class WorkspaceSource {
  /** An existing workspace, by ARM id. */
  public static fromId(workspaceId: string, options: ExistingWorkspaceOptions = {}): WorkspaceSource {
    return new WorkspaceSource(workspaceId, options, undefined);
  }

  /**
   * A new workspace with its storage account (TLS 1.2, no public blobs, infrastructure encryption), key vault
   * (RBAC, purge protection, network default deny with trusted Azure services), workspace-based Application
   * Insights and Log Analytics, and a blob container for model files.
   */
  public static create(options: NewWorkspaceOptions = {}): WorkspaceSource {
    return new WorkspaceSource(undefined, {}, options);
  }

  private constructor(
    /** ARM id of an existing workspace. */
    public readonly workspaceId: string | undefined,
    public readonly existing: ExistingWorkspaceOptions,
    /**
     * The options of a new workspace (`WorkspaceSource.create`); undefined for an existing one.
     *
     * TypeScript-only (jsii refuses an instance member named like the static factory `create`; other languages
     * keep the options they passed).
     * @jsii ignore
     */
    public readonly create: NewWorkspaceOptions | undefined,
  ) {}
}

export interface SecureWorkspaceProps extends NewWorkspaceOptions {
  readonly resourceGroupName: string;
  readonly location: string;
  /** Used in resource names. */
  readonly namePrefix: string;
  readonly tags: Record<string, string>;
}

/** The workspace and its dependencies, created with secure defaults. */
export class SecureWorkspace extends Construct {
  public readonly workspace: MachineLearningWorkspace;
  public readonly storageAccount: StorageAccount;
  public readonly modelContainer: ModelContainer;
  public readonly keyVault: KeyVault;
  public readonly logAnalytics: LogAnalyticsWorkspace;
  public readonly applicationInsights: ApplicationInsights;

  constructor(scope: Construct, id: string, props: SecureWorkspaceProps) {
    super(scope, id);
    const problems = new ProblemCollector();
    checkNewWorkspaceOptions(props, problems);
    problems.reportTo(this, `SecureWorkspace ${this.node.path}`);
    const distinct = shortHash(this.node.path, props.resourceGroupName, props.location);
    const retention = props.logRetentionDays ?? 30;
    const client = new DataAzurermClientConfig(this, 'Client', {});

    this.storageAccount = new StorageAccount(this, 'Storage', {
      name: storageAccountName(props.namePrefix, distinct),
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      accountTier: 'Standard',
      accountReplicationType: 'ZRS',
      minTlsVersion: 'TLS1_2',
      httpsTrafficOnlyEnabled: true,
      allowNestedItemsToBePublic: false,
      infrastructureEncryptionEnabled: true,
      crossTenantReplicationEnabled: false,
      // Terraform uploads the model file through the blob endpoint, so the account stays reachable; nothing in
      // it is public (allowNestedItemsToBePublic false) and every request needs credentials.
      publicNetworkAccessEnabled: true,
      tags: props.tags,
    });
    const container = new StorageContainer(this, 'Models', {
      name: 'models',
      storageAccountId: this.storageAccount.id,
      containerAccessType: 'private',
    });
    this.modelContainer = { storageAccountId: this.storageAccount.id, storageAccountName: this.storageAccount.name, containerName: container.name };

    this.keyVault = new KeyVault(this, 'KeyVault', {
      name: keyVaultName(props.namePrefix, distinct),
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      tenantId: client.tenantId,
      skuName: 'standard',
      rbacAuthorizationEnabled: true,
      purgeProtectionEnabled: true,
      softDeleteRetentionDays: 90,
      networkAcls: { defaultAction: 'Deny', bypass: 'AzureServices' },
      tags: props.tags,
    });

    this.logAnalytics = new LogAnalyticsWorkspace(this, 'Logs', {
      name: `${props.namePrefix}-logs-${distinct.slice(0, 6)}`,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      sku: 'PerGB2018',
      retentionInDays: retention,
      tags: props.tags,
    });
    this.applicationInsights = new ApplicationInsights(this, 'AppInsights', {
      name: `${props.namePrefix}-ai-${distinct.slice(0, 6)}`,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      applicationType: 'other',
      workspaceId: this.logAnalytics.id,
      // Azure ML deployments send telemetry with the connection string (instrumentation key), so local
      // authentication must stay on for appInsightsEnabled to deliver anything.
      localAuthenticationDisabled: false,
      tags: props.tags,
    });

    this.workspace = new MachineLearningWorkspace(this, 'Resource', {
      name: `${props.namePrefix.slice(0, 24)}-${distinct.slice(0, 6)}`,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      applicationInsightsId: this.applicationInsights.id,
      keyVaultId: this.keyVault.id,
      storageAccountId: this.storageAccount.id,
      containerRegistryId: props.containerRegistryId,
      identity: { type: 'SystemAssigned' },
      publicNetworkAccessEnabled: props.publicNetworkAccess ?? true,
      highBusinessImpact: true,
      tags: props.tags,
    });
  }
}
