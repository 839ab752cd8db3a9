import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AZURE_STACK, buildAzureApp } from '../../examples/azure/main';
import { TfJson, schemaProblems } from './support/synth';

describe('examples/azure', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'azure-example-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  buildAzureApp(outdir).synth();
  const tf = JSON.parse(readFileSync(join(outdir, 'stacks', AZURE_STACK, 'cdk.tf.json'), 'utf8')) as TfJson;

  test('every azapi body in the example passes Azure\'s schema check', () => {
    const count = ['azapi_resource', 'azapi_update_resource', 'azapi_resource_action'].reduce((n, t) => n + Object.keys(tf.resource[t] ?? {}).length, 0);
    // 5 Azure ML bodies + 2 Functions trigger syncs (POST, no body).
    expect(count).toBe(7);
    expect(schemaProblems(tf)).toEqual([]);
  });

  test('declares azapi ~> 2.5 and the prebuilt azurerm', () => {
    expect(tf.terraform?.required_providers).toMatchObject({ azapi: { source: 'Azure/azapi', version: '~> 2.5' }, azurerm: { version: '4.55.0' } });
  });

  test('state path is relative to the stack folder, not the synthesizing machine', () => {
    // cdktf's default local backend writes an absolute path of the machine that ran synth (deployability review #15).
    expect((tf.terraform as { backend?: unknown }).backend).toEqual({ local: { path: 'terraform.tfstate' } });
  });

  test('the azurerm provider names its subscription and uses Entra ID for storage', () => {
    // azurerm 4.x: "`subscription_id` is a required provider property when performing a plan/apply operation"
    // (hashicorp/terraform-provider-azurerm internal/provider/provider.go, commit 69697b7); ARM_SUBSCRIPTION_ID also works.
    const provider = (tf as unknown as { provider: { azurerm: Record<string, unknown>[] } }).provider.azurerm[0];
    expect(provider.subscription_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(provider.storage_use_azuread).toBe(true);
  });

  test('holds all four constructs', () => {
    const types = Object.keys(tf.resource);
    for (const t of ['azapi_resource', 'azurerm_monitor_autoscale_setting', 'azurerm_consumption_budget_resource_group', 'azurerm_kubernetes_cluster_node_pool', 'azurerm_monitor_action_group']) {
      expect(types).toContain(t);
    }
    expect(Object.keys(tf.resource.azurerm_linux_function_app)).toHaveLength(2);
  });
});
