import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AZURE_STACK, buildAzureApp } from '../../examples/azure/main';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { App, TerraformStack } from 'cdktf';
import { HandlerFunctionApp, stagePackage } from '../../constructs/azure/function-app';
import { handlerBundleDirectory } from '../../lib/internal/package-layout';
import { shortHash } from '../../constructs/azure/names';
import { ACTION_GROUPS_APP_ID, functionHostingProblems, webhookAuthProblems } from './support/function-hosting-rules';
import { TfJson, resourcesOf } from './support/synth';
import { readZip } from './support/zip';
import { WEBHOOK_APP } from './support/fixtures';

// The Functions' hosting is checked against the rules in support/function-hosting-rules.ts, each taken from
// Microsoft's Functions / App Service docs or the azurerm provider's docs and source (cited there).
describe('Azure Functions hosting (example stack)', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'azure-fn-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  buildAzureApp(outdir).synth();
  const stackDir = join(outdir, 'stacks', AZURE_STACK);
  const tf = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as TfJson;

  test('both Function apps pass every hosting rule', () => {
    expect(Object.keys(resourcesOf(tf, 'azurerm_linux_function_app'))).toHaveLength(2);
    expect(functionHostingProblems(tf)).toEqual([]);
  });

  test('the rules catch the old zip-deploy / WEBSITE_RUN_FROM_PACKAGE=1 / shared-key output', () => {
    const old = JSON.parse(JSON.stringify(tf)) as TfJson;
    for (const app of Object.values(resourcesOf(old, 'azurerm_linux_function_app'))) {
      app.zip_deploy_file = 'assets/x/archive.zip';
      app.app_settings = { ...app.app_settings, WEBSITE_RUN_FROM_PACKAGE: '1' };
      app.storage_account_access_key = '${azurerm_storage_account.x.primary_access_key}';
      delete app.storage_uses_managed_identity;
    }
    const problems = functionHostingProblems(old).join('\n');
    expect(problems).toMatch(/zip_deploy_file with webdeploy_publish_basic_authentication_enabled=false cannot publish/);
    expect(problems).toMatch(/WEBSITE_RUN_FROM_PACKAGE="1" on Linux Consumption; only <URL> is supported/);
    expect(problems).toMatch(/storage_account_access_key set/);
  });

  // Who may call: only Azure Monitor's action groups, with an Entra token for the webhook application (secure
  // webhook), and App Service authentication answers 401 to anything else; no host keys in state. Sources [SW],
  // [EA], [KEY] in support/function-hosting-rules.ts.
  test('both Functions accept only Entra tokens from action groups, with the audience the webhooks ask for', () => {
    for (const app of Object.values(resourcesOf(tf, 'azurerm_linux_function_app'))) {
      expect(app.auth_settings_v2).toMatchObject({
        auth_enabled: true, require_authentication: true, unauthenticated_action: 'Return401', require_https: true,
        active_directory_v2: {
          client_id: '22222222-2222-2222-2222-222222222222',
          allowed_audiences: ['api://22222222-2222-2222-2222-222222222222', '22222222-2222-2222-2222-222222222222'],
          allowed_applications: [ACTION_GROUPS_APP_ID],
          tenant_auth_endpoint: expect.stringMatching(/^https:\/\/login\.microsoftonline\.com\/\$\{data\.azurerm_client_config\.[^.]+\.tenant_id\}\/v2\.0$/),
        },
      });
    }
    const hooks = Object.values(resourcesOf(tf, 'azurerm_monitor_action_group')).flatMap((g) => (g.webhook_receiver ?? []) as { name: string }[]);
    expect(hooks.map((h) => h.name).sort()).toEqual(['budget-enforcer', 'rollout-controller']);
    expect(webhookAuthProblems(tf)).toEqual([]);
    expect(tf.data?.azurerm_function_app_host_keys).toBeUndefined();
  });

  test('the rules catch the old function-key receivers, host keys in state and an open app', () => {
    const old = JSON.parse(JSON.stringify(tf)) as TfJson & { data: Record<string, Record<string, unknown>> };
    old.data.azurerm_function_app_host_keys = { Budget_Enforcer_Keys: { name: 'x', resource_group_name: 'rg' } };
    for (const group of Object.values(resourcesOf(old, 'azurerm_monitor_action_group'))) {
      if (!group.webhook_receiver) continue;
      group.azure_function_receiver = [{ name: 'budget-enforcer', http_trigger_url: 'https://h/api/enforce?code=${data.azurerm_function_app_host_keys.Budget_Enforcer_Keys.default_function_key}' }];
      for (const hook of group.webhook_receiver as Record<string, unknown>[]) delete hook.aad_auth;
    }
    const apps = Object.values(resourcesOf(old, 'azurerm_linux_function_app'));
    delete apps[0].auth_settings_v2;
    apps[1].auth_settings_v2.unauthenticated_action = 'AllowAnonymous';
    apps[1].auth_settings_v2.active_directory_v2.allowed_applications = [];
    const problems = webhookAuthProblems(old).join('\n');
    expect(problems).toMatch(/data\.azurerm_function_app_host_keys\.Budget_Enforcer_Keys: the Functions' host keys \(primary_key included\) land in Terraform state/);
    expect(problems).toMatch(/azure_function_receiver budget-enforcer calls with a function key/);
    expect(problems).toMatch(/has no aad_auth \(not a secure webhook\)/);
    expect(problems).toMatch(/no App Service authentication/);
    expect(problems).toMatch(/unauthenticated_action "AllowAnonymous"; a webhook must get Return401/);
    expect(problems).toMatch(/allowed_applications \[\]; only Azure Monitor's action groups/);
  });

  test('a webhook asking for a token the app does not accept is caught', () => {
    const bad = JSON.parse(JSON.stringify(tf)) as TfJson;
    for (const group of Object.values(resourcesOf(bad, 'azurerm_monitor_action_group'))) {
      for (const hook of (group.webhook_receiver ?? []) as { aad_auth: { identifier_uri: string } }[]) hook.aad_auth.identifier_uri = 'api://someone-else';
    }
    expect(webhookAuthProblems(bad).join('\n')).toMatch(/asks for a token for "api:\/\/someone-else", which azurerm_linux_function_app\.\S+ does not accept/);
  });

  test('the HTTP triggers are anonymous to the Functions host (App Service authentication is the gate, no key)', () => {
    for (const handler of ['budget-enforcer', 'rollout-controller']) {
      const code = readFileSync(join(handlerBundleDirectory('azure', handler), 'index.js'), 'utf8');
      expect(code).toMatch(/authLevel:\s*"anonymous"/);
      expect(code).not.toMatch(/authLevel:\s*"function"/);
    }
  });

  test('no storage key, connection string or SAS in any app setting', () => {
    for (const app of Object.values(resourcesOf(tf, 'azurerm_linux_function_app'))) {
      expect(JSON.stringify(app.app_settings)).not.toMatch(/AccountKey=|primary_access_key|primary_connection_string|sig=/);
      expect(app.app_settings.WEBSITE_RUN_FROM_PACKAGE).toMatch(/^\$\{azurerm_storage_account\.[^.]+\.primary_blob_endpoint\}function-packages\/\$\{azurerm_storage_blob\.[^.]+\.name\}$/);
    }
  });

  test('the rollout controller runs on one instance at most', () => {
    const controller = Object.entries(resourcesOf(tf, 'azurerm_linux_function_app')).find(([k]) => k.startsWith('Rollout_Controller'))![1];
    expect(controller.site_config.app_scale_limit).toBe(1);
  });

  test('the uploaded package holds exactly the bundled handler', () => {
    const packages = Object.values(resourcesOf(tf, 'azurerm_storage_blob')).filter((b) => /-[0-9a-f]{16}\.zip$/.test(String(b.name)));
    expect(packages).toHaveLength(2);
    for (const blob of packages) {
      const files = readZip(join(stackDir, String(blob.source)));
      expect([...files.keys()].sort()).toEqual(['host.json', 'index.js', 'package.json']);
      const handler = String(blob.name).replace(/-[0-9a-f]{16}\.zip$/, '');
      expect(files.get('index.js')!.equals(readFileSync(join(handlerBundleDirectory('azure', handler), 'index.js')))).toBe(true);
    }
  });
});

describe('stagePackage', () => {
  // Security review M6: the package used to be staged in a predictable shared temp folder, reused when present.
  const saved = process.env.TMPDIR;
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'stage-'));
    process.env.TMPDIR = tmp;
  });
  afterEach(() => {
    process.env.TMPDIR = saved;
    rmSync(tmp, { recursive: true, force: true });
  });

  test('a file planted where the package used to be staged does not end up in the package', () => {
    const code = readFileSync(join(handlerBundleDirectory('azure', 'budget-enforcer'), 'index.js'));
    // The old, predictable folder name (handler + first 16 hex of the bundle's hash), pre-planted.
    const planted = join(tmp, `model-serving-constructs-azure-budget-enforcer-${shortHash(code.toString('base64')).slice(0, 16)}`);
    mkdirSync(planted);
    writeFileSync(join(planted, 'index.js'), 'module.exports = "PLANTED";\n');
    writeFileSync(join(planted, 'extra.js'), 'PLANTED');
    const staged = stagePackage('budget-enforcer');
    expect(staged.dir).not.toBe(planted);
    expect(readdirSync(staged.dir).sort()).toEqual(['host.json', 'index.js', 'package.json']);
    expect(readFileSync(join(staged.dir, 'index.js')).equals(code)).toBe(true);
  });

  test('every call stages into a new private folder', () => {
    const a = stagePackage('rollout-controller');
    const b = stagePackage('rollout-controller');
    expect(a.dir).not.toBe(b.dir);
    expect(a.hash).toBe(b.hash);
    expect(statSync(a.dir).mode & 0o777).toBe(0o700);
    expect(existsSync(join(a.dir, 'index.js'))).toBe(true);
  });
});

describe('HandlerFunctionApp and the azurerm provider', () => {
  // The Functions' storage accounts have shared-key access off, so azurerm must upload the package with Entra ID
  // (`storage_use_azuread`, azurerm provider docs: "Should the AzureAD Authentication be used to access the Blob and
  // Queue Storage Account"); without it the blob upload has no key to use.
  test('synth refuses a stack whose azurerm provider does not use Entra ID for storage', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'fn-provider-')) });
    const stack = new TerraformStack(app, 's');
    new AzurermProvider(stack, 'azurerm', { features: [{}], subscriptionId: '00000000-0000-0000-0000-000000000000' });
    new HandlerFunctionApp(stack, 'Fn', {
      handler: 'budget-enforcer', resourceGroupName: 'rg', location: 'westeurope', namePrefix: 'x', settings: {}, tags: {},
      logAnalyticsWorkspaceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w',
      permissions: { actions: [], scopes: [] },
      webhookApplication: WEBHOOK_APP,
    });
    expect(() => app.synth()).toThrow(/storage_use_azuread.*allowed: true.*storageUseAzuread: true/s);
  });
});
