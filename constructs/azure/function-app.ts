import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationInsights } from '@cdktf/provider-azurerm/lib/application-insights';
import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { LinuxFunctionApp } from '@cdktf/provider-azurerm/lib/linux-function-app';
import type { MonitorActionGroupWebhookReceiver } from '@cdktf/provider-azurerm/lib/monitor-action-group';
import type { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { RoleDefinition } from '@cdktf/provider-azurerm/lib/role-definition';
import { ServicePlan } from '@cdktf/provider-azurerm/lib/service-plan';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import { StorageBlob } from '@cdktf/provider-azurerm/lib/storage-blob';
import { StorageContainer } from '@cdktf/provider-azurerm/lib/storage-container';
import { AssetType, TerraformAsset, TerraformProvider, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { ProblemCollector, SpecProblem, describe, isUnresolved } from '../../lib';
import { handlerBundleDirectory } from '../../lib/internal/package-layout';
import { FunctionTriggerSync } from './azapi/resources';
import { shortHash, storageAccountName } from './names';

/** Exact ARM actions a Function's identity may perform, and the resources it may perform them on. */
export interface FunctionPermissions {
  /** ARM actions, no wildcards. */
  readonly actions: string[];
  /** ARM ids the role is assigned at (one assignment each). */
  readonly scopes: string[];
  /**
   * For `additionalPermissions`: define the role at the Function's resource group (custom roles cannot be
   * defined at a single resource) instead of at `scopes[0]`.
   * @default false
   */
  readonly defineAtResourceGroup?: boolean;
}

/**
 * The Microsoft Entra application (app registration) that protects a Function's webhook: Azure Monitor's action
 * group asks Entra ID for a token for it and calls the Function with that token (a "secure webhook"), and the
 * Function app's built-in authentication accepts only such tokens. This library cannot create it (the azuread
 * Terraform provider is not among its bindings, and assigning the app role needs the Entra "Application
 * Administrator" role): register it once per tenant, then pass its ids. Set it up as Microsoft's action-groups
 * docs say ("Configure authentication for Secure webhook"): expose an Application ID URI, accept v2.0 access
 * tokens (`accessTokenAcceptedVersion: 2`), define the application role `ActionGroupsSecureWebhook` and assign
 * it to the "AzNS AAD Webhook" service principal (app id `461e8683-5575-4561-ac7f-899cc907d62a`); the identity
 * running Terraform must be an owner of the application to create the secure webhook action.
 */
export interface EntraWebhookApplication {
  /** The application (client) id: the audience the Functions accept. */
  readonly clientId: string;
  /** The application's object id (the action group's `aad_auth.object_id`). */
  readonly objectId: string;
  /** Its Application ID URI, e.g. `api://<client id>` (the action group's `aad_auth.identifier_uri`). */
  readonly identifierUri: string;
  /** Tenant the application lives in. @default - the tenant Terraform runs in */
  readonly tenantId?: string;
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Problems with an {@link EntraWebhookApplication} prop, one per field (none for unresolved tokens). */
export function webhookApplicationProblems(field: string, app: EntraWebhookApplication | undefined): SpecProblem[] {
  if (app === undefined || app === null) {
    return [{ field, given: 'none', allowed: 'an EntraWebhookApplication { clientId, objectId, identifierUri }: the Functions accept only secure-webhook calls, Entra tokens for that application', fix: 'register an Entra application for the webhook (README "The Functions": Auth) and pass its ids' }];
  }
  const out: SpecProblem[] = [];
  const labels = { clientId: 'Application (client) ID', objectId: 'Object ID', tenantId: 'Directory (tenant) ID' } as const;
  for (const key of ['clientId', 'objectId', 'tenantId'] as const) {
    const v = app[key];
    if (v === undefined || isUnresolved(v)) continue;
    if (!GUID.test(v)) out.push({ field: `${field}.${key}`, given: describe(v), allowed: 'a GUID', fix: `the Entra application's ${labels[key]} from its overview page` });
  }
  if (!isUnresolved(app.identifierUri) && !/^(api:\/\/|https:\/\/)\S+$/.test(app.identifierUri)) {
    out.push({ field: `${field}.identifierUri`, given: describe(app.identifierUri), allowed: 'the application\'s Application ID URI, "api://..." or "https://..."', fix: `e.g. "api://${GUID.test(app.clientId) ? app.clientId : '<client id>'}" (Expose an API > Application ID URI)` });
  }
  return out;
}

export interface HandlerFunctionAppProps {
  /** The pre-bundled handler, `dist/handlers/azure/<handler>/index.js`. */
  readonly handler: string;
  readonly resourceGroupName: string;
  readonly location: string;
  /** Used in resource names. */
  readonly namePrefix: string;
  /** App settings the handler reads. */
  readonly settings: Record<string, string>;
  readonly tags: Record<string, string>;
  /** Exact ARM actions the Function's identity may perform, and where. */
  readonly permissions: FunctionPermissions;
  /**
   * Further grants, each in its own custom role assigned at its own scopes (e.g. a read at a wider scope that
   * must not carry the main role's write actions).
   * @default - none
   */
  readonly additionalPermissions?: FunctionPermissions[];
  /** Log Analytics workspace the Function's Application Insights stores its logs in. */
  readonly logAnalyticsWorkspaceId: string;
  /**
   * Most instances the platform may run (the site's `functionAppScaleLimit`).
   * @default 1 - one instance: the handlers keep short-lived holds in process memory
   */
  readonly maxInstances?: number;
  /** The Entra application whose tokens (from Azure Monitor's action groups) the Function's webhook accepts. */
  readonly webhookApplication: EntraWebhookApplication;
}

/**
 * How the Functions are hosted, from Microsoft's own rules (each is checked by test/azure/function-app.test.ts):
 *  - Linux Consumption (Y1) runs only from an external package URL: `WEBSITE_RUN_FROM_PACKAGE=<URL>`; `1` and
 *    zip deploy are not supported there (learn.microsoft.com/azure/azure-functions/run-functions-from-deployment-package,
 *    table "Hosting plan / Linux / Consumption: Only <URL> is supported"; deployment-zip-push#run-from-an-external-package-url).
 *  - The package is a private blob read with the app's managed identity (Storage Blob Data Reader or above), so the
 *    URL carries no SAS (app-service/deploy-run-package#access-a-package-in-azure-blob-storage-using-a-managed-identity).
 *  - Host storage through the identity (`AzureWebJobsStorage__accountName`, azurerm `storage_uses_managed_identity`)
 *    and no Azure Files content share, which would need a connection string
 *    (storage-considerations#create-an-app-without-azure-files).
 *  - Triggers are synced after every package publish (functions-deployment-technologies#trigger-syncing); the
 *    package blob is named by its content, so a new package is a new URL and needs no restart.
 *  - azurerm's `zip_deploy_file` publishes with the site's basic-auth publishing credentials, so it cannot be used
 *    with basic auth off (hashicorp/terraform-provider-azurerm#25775; helpers.GetCredentialsAndPublish).
 */
export const FUNCTION_HOSTING = {
  planSku: 'Y1',
  os: 'Linux',
  nodeVersion: '22',
  packageContainer: 'function-packages',
  /** Built-in role the identity needs on the host storage account (keys, leases, the package). */
  hostStorageRole: 'Storage Blob Data Owner',
  /** Built-in role for sending telemetry to an Application Insights with local authentication off. */
  telemetryRole: 'Monitoring Metrics Publisher',
  /**
   * Application id of Azure Monitor action groups' first-party Entra application ("AzNS AAD Webhook"), whose
   * service principal calls a secure webhook (learn.microsoft.com/azure/azure-monitor/alerts/action-groups,
   * "Secure webhook PowerShell script": `$actionGroupsAppId`). The only client the Functions' webhook admits.
   */
  actionGroupsAppId: '461e8683-5575-4561-ac7f-899cc907d62a',
} as const;

/**
 * A Linux Function app (Node 22, Consumption plan) running one pre-bundled handler from this package, with a
 * system-assigned identity that holds one custom role with exactly the given actions, assigned only at the
 * given scopes. The package (host.json, package.json and the bundle; nothing is built at synth time) is a
 * private blob named by its content, which the app mounts with its identity; host storage is reached with the
 * identity too, and shared-key access to the account is off. Application Insights (Entra ID ingestion only)
 * keeps the Functions' logs. Scale-out is capped (`maxInstances`). Every HTTP request must carry an Entra
 * token for `webhookApplication` issued to Azure Monitor's action groups (App Service authentication, 401
 * otherwise); there are no function keys to read, so none is in Terraform state.
 */
export class HandlerFunctionApp extends Construct {
  public readonly app: LinuxFunctionApp;
  public readonly role: RoleDefinition;
  private readonly webhookAuth: { objectId: string; identifierUri: string; tenantId: string };
  public readonly storage: StorageAccount;
  public readonly packageBlob: StorageBlob;
  public readonly insights: ApplicationInsights;

  constructor(scope: Construct, id: string, props: HandlerFunctionAppProps) {
    super(scope, id);
    const maxInstances = props.maxInstances ?? 1;
    if (!Number.isInteger(maxInstances) || maxInstances < 1) {
      throw new Error(`HandlerFunctionApp ${this.node.path}: maxInstances: given ${maxInstances}; allowed: a whole number >= 1; fix: e.g. 1`);
    }
    const c = new ProblemCollector();
    c.addAll(webhookApplicationProblems('webhookApplication', props.webhookApplication));
    c.reportTo(this, `HandlerFunctionApp ${this.node.path}`);
    // None only with that problem reported (synth fails, nothing is written): a placeholder keeps the tree whole.
    const webhook: EntraWebhookApplication = props.webhookApplication ?? { clientId: '', objectId: '', identifierUri: '' };
    const client = new DataAzurermClientConfig(this, 'Client', {});
    const tenantId = webhook.tenantId ?? client.tenantId;
    this.webhookAuth = { objectId: webhook.objectId, identifierUri: webhook.identifierUri, tenantId };
    const distinct = shortHash(this.node.path, props.resourceGroupName);
    this.storage = new StorageAccount(this, 'Storage', {
      name: storageAccountName(`${props.namePrefix}fn`, distinct),
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      accountTier: 'Standard',
      accountReplicationType: 'LRS',
      minTlsVersion: 'TLS1_2',
      httpsTrafficOnlyEnabled: true,
      allowNestedItemsToBePublic: false,
      infrastructureEncryptionEnabled: true,
      crossTenantReplicationEnabled: false,
      // Entra ID only: no account key can read or replace the package or the host's secrets.
      sharedAccessKeyEnabled: false,
      defaultToOauthAuthentication: true,
      tags: props.tags,
    });
    const container = new StorageContainer(this, 'Packages', {
      name: FUNCTION_HOSTING.packageContainer,
      storageAccountId: this.storage.id,
      containerAccessType: 'private',
    });
    const staged = stagePackage(props.handler);
    const bundle = new TerraformAsset(this, 'Code', { path: staged.dir, type: AssetType.ARCHIVE });
    this.packageBlob = new StorageBlob(this, 'Package', {
      name: `${props.handler}-${staged.hash}.zip`,
      storageAccountName: this.storage.name,
      storageContainerName: container.name,
      type: 'Block',
      contentType: 'application/zip',
      source: bundle.path,
    });
    // The blob's URL with no SAS: the app reads it with its identity (primary_blob_endpoint ends with '/').
    const packageUrl = `${this.storage.primaryBlobEndpoint}${FUNCTION_HOSTING.packageContainer}/${this.packageBlob.name}`;

    const plan = new ServicePlan(this, 'Plan', {
      name: `${props.namePrefix}-plan-${distinct.slice(0, 6)}`,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      osType: FUNCTION_HOSTING.os,
      skuName: FUNCTION_HOSTING.planSku,
      tags: props.tags,
    });
    this.insights = new ApplicationInsights(this, 'Insights', {
      name: `${props.namePrefix}-ai-${distinct.slice(0, 6)}`,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      applicationType: 'Node.JS',
      workspaceId: props.logAnalyticsWorkspaceId,
      // Telemetry only with an Entra ID token (the app's identity, Monitoring Metrics Publisher below).
      localAuthenticationDisabled: true,
      tags: props.tags,
    });
    this.app = new LinuxFunctionApp(this, 'Resource', {
      name: `${props.namePrefix}-${distinct.slice(0, 8)}`,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      servicePlanId: plan.id,
      storageAccountName: this.storage.name,
      storageUsesManagedIdentity: true,
      builtinLoggingEnabled: false,
      httpsOnly: true,
      publicNetworkAccessEnabled: true,
      ftpPublishBasicAuthenticationEnabled: false,
      webdeployPublishBasicAuthenticationEnabled: false,
      identity: { type: 'SystemAssigned' },
      siteConfig: {
        applicationStack: { nodeVersion: FUNCTION_HOSTING.nodeVersion },
        minimumTlsVersion: '1.2',
        ftpsState: 'Disabled',
        http2Enabled: true,
        appScaleLimit: maxInstances,
        applicationInsightsConnectionString: this.insights.connectionString,
      },
      appSettings: {
        ...props.settings,
        WEBSITE_RUN_FROM_PACKAGE: packageUrl,
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD',
      },
      // App Service authentication (Easy Auth v2) is the gate, not a function key: a request without a valid
      // Entra token for the webhook application, issued to Azure Monitor's action groups, is answered 401 before
      // it reaches the Function (learn.microsoft.com/azure/app-service/configure-authentication-provider-aad,
      // "Use a built-in authorization policy": allowed client applications; "allowed token audiences").
      authSettingsV2: {
        authEnabled: true,
        requireAuthentication: true,
        unauthenticatedAction: 'Return401',
        requireHttps: true,
        defaultProvider: 'azureactivedirectory',
        login: { tokenStoreEnabled: false },
        activeDirectoryV2: {
          clientId: webhook.clientId,
          tenantAuthEndpoint: `https://login.microsoftonline.com/${tenantId}/v2.0`,
          allowedAudiences: [webhook.identifierUri, webhook.clientId],
          allowedApplications: [FUNCTION_HOSTING.actionGroupsAppId],
        },
      },
      tags: props.tags,
    });
    const hostStorage = new RoleAssignment(this, 'HostStorage', {
      scope: this.storage.id,
      roleDefinitionName: FUNCTION_HOSTING.hostStorageRole,
      principalId: this.app.identity.principalId,
      principalType: 'ServicePrincipal',
      description: `${props.handler} Function: host storage and its package`,
    });
    new RoleAssignment(this, 'Telemetry', {
      scope: this.insights.id,
      roleDefinitionName: FUNCTION_HOSTING.telemetryRole,
      principalId: this.app.identity.principalId,
      principalType: 'ServicePrincipal',
      description: `${props.handler} Function: telemetry`,
    });
    // After every new package (its blob is replaced when its content changes): tell the platform which
    // functions the package holds, once the app can read it.
    new FunctionTriggerSync(this, 'SyncTriggers', {
      functionAppId: this.app.id,
      dependsOn: [this.packageBlob, hostStorage],
      lifecycle: { replaceTriggeredBy: [this.packageBlob] },
    });
    // Custom roles are defined at a resource group (Azure allows no narrower assignable scope) and assigned
    // only on the exact resources below.
    const resourceGroupId = `/subscriptions/${client.subscriptionId}/resourceGroups/${props.resourceGroupName}`;
    this.role = new RoleDefinition(this, 'Role', {
      name: `${props.namePrefix} ${props.handler} (${distinct.slice(0, 8)})`,
      scope: resourceGroupId,
      description: `What the ${props.handler} Function may do, and nothing more.`,
      permissions: [{ actions: props.permissions.actions }],
      assignableScopes: [resourceGroupId],
    });
    props.permissions.scopes.forEach((scopeId, i) => new RoleAssignment(this, `Grant${i}`, {
      scope: scopeId,
      roleDefinitionId: this.role.roleDefinitionResourceId,
      principalId: this.app.identity.principalId,
      principalType: 'ServicePrincipal',
      description: `${props.handler} Function`,
    }));
    (props.additionalPermissions ?? []).forEach((extra, r) => {
      const definedAt = extra.defineAtResourceGroup ? resourceGroupId : extra.scopes[0];
      const role = new RoleDefinition(this, `Role${r + 1}`, {
        name: `${props.namePrefix} ${props.handler} ${r + 1} (${distinct.slice(0, 8)})`,
        scope: definedAt,
        description: `What the ${props.handler} Function may read there, and nothing more.`,
        permissions: [{ actions: extra.actions }],
        assignableScopes: extra.defineAtResourceGroup ? [resourceGroupId] : extra.scopes,
      });
      extra.scopes.forEach((scopeId, i) => new RoleAssignment(this, `Grant${r + 1}x${i}`, {
        scope: scopeId,
        roleDefinitionId: role.roleDefinitionResourceId,
        principalId: this.app.identity.principalId,
        principalType: 'ServicePrincipal',
        description: `${props.handler} Function`,
      }));
    });

    // With shared-key access off, Terraform itself must reach blob storage with Entra ID.
    this.node.addValidation({
      validate: () => {
        // By provider type, not class identity: a consumer may load another copy of the provider bindings.
        const providers = TerraformStack.of(this).node.findAll()
          .filter((c): c is TerraformProvider => c instanceof TerraformProvider && c.terraformResourceType === 'azurerm')
          .map((p) => (p as unknown as Pick<AzurermProvider, 'storageUseAzuread'>).storageUseAzuread);
        const ok = providers.length > 0 && providers.every((v) => v === true);
        return ok ? [] : [`HandlerFunctionApp ${this.node.path}: the azurerm provider: given storage_use_azuread ${providers.map((v) => String(v)).join(', ') || '(no azurerm provider)'}; allowed: true (the Function's storage account has shared-key access off, so Terraform uploads its package with Entra ID); fix: new AzurermProvider(stack, 'azurerm', { features: [{}], storageUseAzuread: true, ... }) and give the identity running Terraform "Storage Blob Data Contributor" on the resource group`];
      },
    });
  }

  /** The URL of an HTTP-triggered function of this app (no key: the app's authentication is the gate). */
  public triggerUrl(functionName: string): string {
    return `https://${this.app.defaultHostname}/api/${functionName}`;
  }

  /**
   * An action group receiver that calls `functionName` as a secure webhook: Azure Monitor obtains an Entra token
   * for the webhook application and sends it (learn.microsoft.com/azure/azure-monitor/alerts/action-groups,
   * "Configure authentication for Secure webhook"; azurerm `webhook_receiver.aad_auth`). Common alert schema on.
   */
  public secureWebhookReceiver(name: string, functionName: string): MonitorActionGroupWebhookReceiver {
    return {
      name,
      serviceUri: this.triggerUrl(functionName),
      useCommonAlertSchema: true,
      aadAuth: { ...this.webhookAuth },
    };
  }
}

/** The Functions package staged for one synth: a fresh private folder, and a hash of what is in it. */
export interface StagedPackage {
  readonly dir: string;
  /** 16 hex characters of the package's content hash; names the blob. */
  readonly hash: string;
}

/**
 * Lays out the Functions package (host.json, package.json, index.js) in a new folder made for this call
 * (`mkdtemp`, mode 0700), so nothing already on disk can end up in the package. The blob name carries the
 * content hash, so the deployed package changes exactly when the handler does.
 */
export function stagePackage(handler: string): StagedPackage {
  const bundle = join(handlerBundleDirectory('azure', handler), 'index.js');
  const code = readFileSync(bundle);
  const hostJson = JSON.stringify({
    version: '2.0',
    // No sampling: every enforcement and rollback decision is kept. The handlers log decisions, never payloads.
    logging: { applicationInsights: { samplingSettings: { isEnabled: false } } },
    extensionBundle: { id: 'Microsoft.Azure.Functions.ExtensionBundle', version: '[4.*, 5.0.0)' },
  }, null, 2);
  const packageJson = JSON.stringify({ name: `model-serving-${handler}`, version: '1.0.0', main: 'index.js' }, null, 2);
  const dir = mkdtempSync(join(tmpdir(), `msc-azure-${handler}-`));
  writeFileSync(join(dir, 'host.json'), hostJson, { flag: 'wx' });
  writeFileSync(join(dir, 'package.json'), packageJson, { flag: 'wx' });
  copyFileSync(bundle, join(dir, 'index.js'));
  return { dir, hash: shortHash(hostJson, packageJson, code.toString('base64')).slice(0, 16) };
}
