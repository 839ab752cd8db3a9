import { TfJson, resourcesOf } from './synth';

/**
 * Azure Functions hosting rules, taken from Microsoft's and the azurerm provider's own documentation, checked
 * against synthesized Terraform. Each rule names its source. Returns the problems (an empty list passes).
 *
 * Sources:
 *  [RFP]  learn.microsoft.com/azure/azure-functions/run-functions-from-deployment-package (rev. 2026; MicrosoftDocs/azure-docs
 *         articles/azure-functions/run-functions-from-deployment-package.md): "Hosting plan | Windows | Linux —
 *         Consumption | 1 is highly recommended | Only <URL> is supported".
 *  [ZIP]  learn.microsoft.com/azure/azure-functions/deployment-zip-push "Run from a package uploaded by zip deployment":
 *         "Linux Consumption apps don't support this setting value and must instead run from an external package URL";
 *         "Whenever you publish an updated package, you must manually sync triggers".
 *  [MI]   learn.microsoft.com/azure/app-service/deploy-run-package "Access a package in Azure Blob Storage using a managed
 *         identity": private blob, the identity holds Storage Blob Data Reader over the package, the setting is the blob URL.
 *  [NOAF] learn.microsoft.com/azure/azure-functions/storage-considerations "Create an app without Azure Files": external
 *         package URL in a container with no anonymous access, identity access to the package, AzureWebJobsStorage with a
 *         managed identity, no WEBSITE_CONTENTAZUREFILECONNECTIONSTRING / WEBSITE_CONTENTSHARE.
 *  [AZRM] hashicorp/terraform-provider-azurerm website/docs/r/linux_function_app.html.markdown
 *         (`webdeploy_publish_basic_authentication_enabled`: false "will disable the ability to use zip_deploy_file which
 *         currently relies on the default publishing profile"); issue #25775 (401 on zip_deploy_file); the resource sets
 *         AzureWebJobsStorage__accountName itself when `storage_uses_managed_identity` is true
 *         (internal/services/appservice/linux_function_app_resource.go, commit 69697b7).
 *  [AI]   learn.microsoft.com/azure/azure-monitor/app/azure-ad-authentication: with local authentication disabled, telemetry
 *         needs an Entra token: the identity holds Monitoring Metrics Publisher and the Functions host is told
 *         APPLICATIONINSIGHTS_AUTHENTICATION_STRING=Authorization=AAD.
 *  [SW]   learn.microsoft.com/azure/azure-monitor/alerts/action-groups "Configure authentication for Secure webhook" and
 *         "Secure webhook PowerShell script" (MicrosoftDocs/azure-docs articles/azure-monitor/alerts/action-groups.md): the
 *         action group calls the webhook with an Entra token for the target application, obtained by the service principal
 *         of the "AzNS AAD Webhook" application, app id 461e8683-5575-4561-ac7f-899cc907d62a; the receiver names the
 *         application by object id (azurerm `webhook_receiver.aad_auth { object_id, identifier_uri, tenant_id }`).
 *  [EA]   learn.microsoft.com/azure/app-service/configure-authentication-provider-aad and overview-authentication-authorization
 *         (App Service / Functions built-in authentication, "auth v2"): with `requireAuthentication` and unauthenticated
 *         action Return401 a request without a valid token never reaches the code; the token's audience must be among
 *         `allowedAudiences`; the default authorization policy's `allowedApplications` admits only tokens issued to those
 *         client ids (azurerm `auth_settings_v2.active_directory_v2.allowed_applications`).
 *  [KEY]  developer.hashicorp.com/terraform/language/state/sensitive-data: Terraform stores data sources' results in
 *         state; azurerm `azurerm_function_app_host_keys` exports `primary_key` (the master key) and the function keys.
 *         An action group's `azure_function_receiver` needs `http_trigger_url` with a function key ("?code=").
 */
export const ACTION_GROUPS_APP_ID = '461e8683-5575-4561-ac7f-899cc907d62a';
const BLOB_READ_ROLES = ['Storage Blob Data Reader', 'Storage Blob Data Contributor', 'Storage Blob Data Owner'];
const ref = (type: string, name: string, attr: string) => `\${${type}.${name}.${attr}}`;

export function functionHostingProblems(tf: TfJson): string[] {
  const problems: string[] = [];
  const plans = resourcesOf(tf, 'azurerm_service_plan');
  const accounts = resourcesOf(tf, 'azurerm_storage_account');
  const containers = resourcesOf(tf, 'azurerm_storage_container');
  const blobs = resourcesOf(tf, 'azurerm_storage_blob');
  const roles = Object.values(resourcesOf(tf, 'azurerm_role_assignment'));
  const insights = resourcesOf(tf, 'azurerm_application_insights');
  const syncs = Object.values(resourcesOf(tf, 'azapi_resource_action')).filter((a) => a.action === 'syncfunctiontriggers');
  for (const [name, app] of Object.entries(resourcesOf(tf, 'azurerm_linux_function_app'))) {
    const at = `azurerm_linux_function_app.${name}`;
    const settings = (app.app_settings ?? {}) as Record<string, string>;
    const planName = /^\$\{azurerm_service_plan\.([^.]+)\.id\}$/.exec(String(app.service_plan_id))?.[1];
    const plan = planName ? plans[planName] : undefined;
    const linuxConsumption = plan?.os_type === 'Linux' && plan?.sku_name === 'Y1';
    const principal = ref('azurerm_linux_function_app', name, 'identity[0].principal_id');
    if (app.zip_deploy_file !== undefined && app.webdeploy_publish_basic_authentication_enabled === false) {
      problems.push(`${at}: zip_deploy_file with webdeploy_publish_basic_authentication_enabled=false cannot publish [AZRM]`);
    }
    const run = settings.WEBSITE_RUN_FROM_PACKAGE;
    if (linuxConsumption) {
      if (app.zip_deploy_file !== undefined) problems.push(`${at}: zip deploy on Linux Consumption; only an external package URL is supported [ZIP]`);
      if (run === undefined || !/^(https:\/\/|\$\{)/.test(run)) problems.push(`${at}: WEBSITE_RUN_FROM_PACKAGE=${JSON.stringify(run)} on Linux Consumption; only <URL> is supported [RFP]`);
    }
    if (run !== undefined && run !== '1') {
      if (/[?&]sig=/.test(run)) problems.push(`${at}: the package URL carries a SAS; use the app's managed identity [MI]`);
      // The URL must name a blob in a private container of an account the identity may read.
      const byRef = /\$\{azurerm_storage_blob\.([^.]+)\.name\}/.exec(run)?.[1];
      const blobName = byRef && blobs[byRef] ? [byRef, blobs[byRef]] as const : Object.entries(blobs).find(([, b]) => run.endsWith(`/${String(b.name)}`));
      if (!blobName) {
        problems.push(`${at}: WEBSITE_RUN_FROM_PACKAGE names no blob this stack uploads`);
      } else {
        const [blobKey, blob] = blobName;
        const containerKey = /^\$\{azurerm_storage_container\.([^.]+)\.name\}$/.exec(String(blob.storage_container_name))?.[1];
        const container = containerKey ? containers[containerKey] : undefined;
        if (!container || (container.container_access_type ?? 'private') !== 'private') problems.push(`${at}: package container must be private [MI][NOAF]`);
        const accountKey = /^\$\{azurerm_storage_account\.([^.]+)\.name\}$/.exec(String(blob.storage_account_name))?.[1];
        const readable = roles.some((r) => r.principal_id === principal && BLOB_READ_ROLES.includes(String(r.role_definition_name)) &&
          (r.scope === ref('azurerm_storage_account', accountKey ?? '?', 'id') || (containerKey && r.scope === ref('azurerm_storage_container', containerKey, 'id'))));
        if (!readable) problems.push(`${at}: the identity holds no blob read role over ${blobKey} [MI]`);
        if (!syncs.some((s) => s.resource_id === ref('azurerm_linux_function_app', name, 'id') && JSON.stringify(s.lifecycle?.replace_triggered_by ?? []).includes(`azurerm_storage_blob.${blobKey}`))) {
          problems.push(`${at}: no trigger sync after a new package [ZIP]`);
        }
      }
      if (!app.identity || !String((app.identity as { type: string }).type).includes('SystemAssigned')) {
        if (!settings.WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID) problems.push(`${at}: no identity to fetch the package with [MI]`);
      }
    }
    // Host storage through the identity, no connection strings or keys [NOAF][AZRM].
    for (const k of ['AzureWebJobsStorage', 'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING', 'WEBSITE_CONTENTSHARE', 'AzureWebJobsDashboard']) {
      if (settings[k] !== undefined) problems.push(`${at}: app setting ${k} carries a storage connection string [NOAF]`);
    }
    if (app.storage_account_access_key !== undefined) problems.push(`${at}: storage_account_access_key set; use storage_uses_managed_identity [NOAF]`);
    if (app.storage_uses_managed_identity !== true) problems.push(`${at}: storage_uses_managed_identity is not true [NOAF][AZRM]`);
    if (app.builtin_logging_enabled !== false) problems.push(`${at}: builtin_logging_enabled writes AzureWebJobsDashboard [AZRM]`);
    const accountKey = /^\$\{azurerm_storage_account\.([^.]+)\.name\}$/.exec(String(app.storage_account_name))?.[1];
    const account = accountKey ? accounts[accountKey] : undefined;
    if (!account) problems.push(`${at}: host storage account is not in this stack`);
    else {
      if (account.shared_access_key_enabled !== false) problems.push(`${at}: host storage account still takes shared keys`);
      if (!roles.some((r) => r.principal_id === principal && r.role_definition_name === 'Storage Blob Data Owner' && r.scope === ref('azurerm_storage_account', accountKey ?? '?', 'id'))) {
        problems.push(`${at}: identity-based AzureWebJobsStorage needs Storage Blob Data Owner on the account`);
      }
    }
    // Application Insights [AI].
    const cs = String((app.site_config as Record<string, unknown> | undefined)?.application_insights_connection_string ?? settings.APPLICATIONINSIGHTS_CONNECTION_STRING ?? '');
    const aiKey = /^\$\{azurerm_application_insights\.([^.]+)\.connection_string\}$/.exec(cs)?.[1];
    if (!aiKey || !insights[aiKey]) problems.push(`${at}: no Application Insights connection string`);
    else if (insights[aiKey].local_authentication_disabled === true) {
      if (settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING !== 'Authorization=AAD') problems.push(`${at}: local auth off but no APPLICATIONINSIGHTS_AUTHENTICATION_STRING=Authorization=AAD [AI]`);
      if (!roles.some((r) => r.principal_id === principal && r.role_definition_name === 'Monitoring Metrics Publisher' && r.scope === ref('azurerm_application_insights', aiKey, 'id'))) {
        problems.push(`${at}: local auth off but the identity cannot publish telemetry [AI]`);
      }
    }
  }
  problems.push(...webhookAuthProblems(tf));
  return problems;
}

interface ActionGroupWebhook { name?: string; service_uri?: string; aad_auth?: { object_id?: string; identifier_uri?: string; tenant_id?: string } | { object_id?: string; identifier_uri?: string; tenant_id?: string }[] }

/**
 * Who may call the Functions: only Azure Monitor's action groups, with an Entra token, and no key in state
 * [SW][EA][KEY].
 */
export function webhookAuthProblems(tf: TfJson): string[] {
  const problems: string[] = [];
  const apps = resourcesOf(tf, 'azurerm_linux_function_app');
  for (const name of Object.keys(tf.data?.azurerm_function_app_host_keys ?? {})) {
    problems.push(`data.azurerm_function_app_host_keys.${name}: the Functions' host keys (primary_key included) land in Terraform state [KEY]`);
  }
  const receivers: { group: string; r: ActionGroupWebhook }[] = [];
  for (const [gName, group] of Object.entries(resourcesOf(tf, 'azurerm_monitor_action_group'))) {
    for (const f of (group.azure_function_receiver ?? []) as { name?: string; http_trigger_url?: string }[]) {
      problems.push(`azurerm_monitor_action_group.${gName}: azure_function_receiver ${String(f.name)} calls with a function key (${String(f.http_trigger_url)}); use a secure webhook [SW][KEY]`);
    }
    for (const r of (group.webhook_receiver ?? []) as ActionGroupWebhook[]) receivers.push({ group: gName, r });
  }
  for (const { group, r } of receivers) {
    if (/[?&]code=/.test(String(r.service_uri))) problems.push(`azurerm_monitor_action_group.${group}: webhook ${String(r.name)} carries a function key in its URL [KEY]`);
  }
  for (const [name, app] of Object.entries(apps)) {
    const at = `azurerm_linux_function_app.${name}`;
    const host = `\${azurerm_linux_function_app.${name}.default_hostname}`;
    const auth = app.auth_settings_v2 as Record<string, unknown> | undefined;
    const aad = auth?.active_directory_v2 as Record<string, unknown> | undefined;
    if (!auth || auth.auth_enabled !== true) { problems.push(`${at}: no App Service authentication (auth_settings_v2.auth_enabled) [EA]`); continue; }
    if (auth.require_authentication !== true) problems.push(`${at}: auth_settings_v2.require_authentication is not true: anonymous requests reach the code [EA]`);
    if (auth.unauthenticated_action !== 'Return401') problems.push(`${at}: auth_settings_v2.unauthenticated_action ${JSON.stringify(auth.unauthenticated_action)}; a webhook must get Return401 [EA]`);
    if (!aad) { problems.push(`${at}: no active_directory_v2 provider [EA]`); continue; }
    const allowedApps = (aad.allowed_applications ?? []) as string[];
    if (allowedApps.length !== 1 || allowedApps[0] !== ACTION_GROUPS_APP_ID) {
      problems.push(`${at}: allowed_applications ${JSON.stringify(allowedApps)}; only Azure Monitor's action groups (${ACTION_GROUPS_APP_ID}) may call [SW][EA]`);
    }
    const audiences = (aad.allowed_audiences ?? []) as string[];
    // Every action group webhook aimed at this app must ask for a token this app accepts.
    for (const { group, r } of receivers.filter((x) => String(x.r.service_uri).startsWith(`https://${host}/`))) {
      const a = Array.isArray(r.aad_auth) ? r.aad_auth[0] : r.aad_auth;
      if (!a || !a.object_id) { problems.push(`azurerm_monitor_action_group.${group}: webhook ${String(r.name)} to ${at} has no aad_auth (not a secure webhook) [SW]`); continue; }
      if (!a.identifier_uri || !audiences.includes(a.identifier_uri)) {
        problems.push(`azurerm_monitor_action_group.${group}: webhook ${String(r.name)} asks for a token for ${JSON.stringify(a.identifier_uri)}, which ${at} does not accept (allowed_audiences ${JSON.stringify(audiences)}) [SW][EA]`);
      }
      if (!audiences.includes(String(aad.client_id))) problems.push(`${at}: allowed_audiences lacks the application's client id (v2.0 tokens carry it as aud) [SW][EA]`);
      const tenant = /^https:\/\/login\.microsoftonline\.com\/(.+)\/v2\.0$/.exec(String(aad.tenant_auth_endpoint))?.[1];
      if (tenant === undefined || (a.tenant_id !== undefined && a.tenant_id !== tenant)) {
        problems.push(`${at}: tenant_auth_endpoint ${JSON.stringify(aad.tenant_auth_endpoint)} is not the tenant the webhook's token comes from (${String(a.tenant_id)}) [EA]`);
      }
    }
  }
  return problems;
}
