import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { DataAzurermFunctionAppHostKeys } from '@cdktf/provider-azurerm/lib/data-azurerm-function-app-host-keys';
import { LinuxFunctionApp } from '@cdktf/provider-azurerm/lib/linux-function-app';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { RoleDefinition } from '@cdktf/provider-azurerm/lib/role-definition';
import { ServicePlan } from '@cdktf/provider-azurerm/lib/service-plan';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import { AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import { handlerBundleDirectory } from '../../lib/internal/package-layout';
import { shortHash, storageAccountName } from './names';

/** Exact ARM actions a Function's identity may perform, and the resources it may perform them on. */
export interface FunctionPermissions {
  /** ARM actions, no wildcards. */
  readonly actions: string[];
  /** ARM ids the role is assigned at (one assignment each). */
  readonly scopes: string[];
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
}

/**
 * A Linux Function app (Node 22, consumption plan) running one pre-bundled handler from this package, with a
 * system-assigned identity that holds one custom role with exactly the given actions, assigned only at the
 * given scopes. The zip holds host.json, package.json and the bundle; nothing is built at synth time.
 */
export class HandlerFunctionApp extends Construct {
  public readonly app: LinuxFunctionApp;
  public readonly role: RoleDefinition;
  public readonly keys: DataAzurermFunctionAppHostKeys;

  constructor(scope: Construct, id: string, props: HandlerFunctionAppProps) {
    super(scope, id);
    const distinct = shortHash(this.node.path, props.resourceGroupName);
    const storage = new StorageAccount(this, 'Storage', {
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
      tags: props.tags,
    });
    const plan = new ServicePlan(this, 'Plan', {
      name: `${props.namePrefix}-plan-${distinct.slice(0, 6)}`,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      osType: 'Linux',
      skuName: 'Y1',
      tags: props.tags,
    });
    const bundle = new TerraformAsset(this, 'Code', { path: stagePackage(props.handler), type: AssetType.ARCHIVE });
    this.app = new LinuxFunctionApp(this, 'Resource', {
      name: `${props.namePrefix}-${distinct.slice(0, 8)}`,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      servicePlanId: plan.id,
      storageAccountName: storage.name,
      storageAccountAccessKey: storage.primaryAccessKey,
      httpsOnly: true,
      publicNetworkAccessEnabled: true,
      ftpPublishBasicAuthenticationEnabled: false,
      webdeployPublishBasicAuthenticationEnabled: false,
      identity: { type: 'SystemAssigned' },
      zipDeployFile: bundle.path,
      siteConfig: {
        applicationStack: { nodeVersion: '22' },
        minimumTlsVersion: '1.2',
        ftpsState: 'Disabled',
        http2Enabled: true,
      },
      appSettings: { ...props.settings, WEBSITE_RUN_FROM_PACKAGE: '1' },
      tags: props.tags,
    });
    this.keys = new DataAzurermFunctionAppHostKeys(this, 'Keys', {
      name: this.app.name,
      resourceGroupName: props.resourceGroupName,
      dependsOn: [this.app],
    });

    // Custom roles are defined at a resource group (Azure allows no narrower assignable scope) and assigned
    // only on the exact resources below.
    const client = new DataAzurermClientConfig(this, 'Client', {});
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
  }

  /** The URL an action group's Azure Function receiver calls, with the function key. */
  public triggerUrl(functionName: string): string {
    return `https://${this.app.defaultHostname}/api/${functionName}?code=${this.keys.defaultFunctionKey}`;
  }
}

/**
 * Lays out the Functions package (host.json, package.json, index.js) in a folder keyed by the bundle's
 * content, so the asset hash changes exactly when the handler does.
 */
function stagePackage(handler: string): string {
  const bundle = join(handlerBundleDirectory('azure', handler), 'index.js');
  const code = readFileSync(bundle);
  const dir = join(tmpdir(), `model-serving-constructs-azure-${handler}-${shortHash(code.toString('base64')).slice(0, 16)}`);
  if (!existsSync(join(dir, 'index.js'))) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'host.json'), JSON.stringify({
      version: '2.0',
      logging: { applicationInsights: { samplingSettings: { isEnabled: false } } },
      extensionBundle: { id: 'Microsoft.Azure.Functions.ExtensionBundle', version: '[4.*, 5.0.0)' },
    }, null, 2));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `model-serving-${handler}`, version: '1.0.0', main: 'index.js' }, null, 2));
    copyFileSync(bundle, join(dir, 'index.js'));
  }
  return dir;
}
