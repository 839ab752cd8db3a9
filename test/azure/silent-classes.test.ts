/**
 * Mistakes of issue 17's silent classes that a hidden probe found accepted on Azure, each refused at synth
 * with the field, the value, what is allowed and the fix (values differ from the probe's and the other tests').
 * Receivers' rules:
 * - Subscription ids are GUIDs: ARM answers InvalidSubscriptionId "The provided subscription identifier '<id>'
 *   is malformed or invalid" (MicrosoftDocs/azure-docs#77959, a subscription's display name in a scope).
 * - A subnet's ARM id is .../providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>
 *   (learn.microsoft.com/rest/api/virtualnetwork/subnets/get, the request URI).
 * - Availability zones are "1", "2", "3" (learn.microsoft.com/azure/reliability/availability-zones-overview).
 * - azurerm_role_assignment validates principal_id with validation.IsUUID (terraform-provider-azurerm
 *   internal/services/authorization/role_assignment_resource.go).
 * - An online endpoint's name is unique in its Azure region (learn.microsoft.com/azure/machine-learning/
 *   how-to-deploy-online-endpoints; the scoring URI is https://<name>.<region>.inference.ml.azure.com).
 */
import { App, TerraformStack } from 'cdktf';
import { Accelerator, Duration, RolloutPolicy, collectSpecProblems } from '../../lib';
import { AlertRouting, CanaryRollout, CanaryRolloutProps, GpuNodePool } from '../../constructs/azure';
import { SUB, WEBHOOK_APP, endpoint } from './support/fixtures';
import { synthScopeValidated } from '../support/cdktf-scope';
import { expectProblems, expectSynthProblems } from '../support/expect-problems';

const CLUSTER = `/subscriptions/${SUB}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/gpu`;

describe('ARM ids need a subscription GUID', () => {
  test('a registry id with the subscription\'s display name, and a Key Vault id with a short id, both named', () => {
    expectProblems(() => synthScopeValidated((s) => endpoint(s, {
      imageRegistryId: '/subscriptions/Contoso-Prod/resourceGroups/rg-ml/providers/Microsoft.ContainerRegistry/registries/contoso',
      keyVaultIds: ['/subscriptions/1234/resourceGroups/rg-ml/providers/Microsoft.KeyVault/vaults/ml-secrets'],
    })), [
      /imageRegistryId: got "\/subscriptions\/Contoso-Prod\/[^"]+"; allowed: the ARM id of a Microsoft\.ContainerRegistry\/registries: \/subscriptions\/<subscription GUID>\//,
      /keyVaultIds\[0\]: got "\/subscriptions\/1234\/[^"]+"; allowed: the ARM id of a Microsoft\.KeyVault\/vaults/,
    ]);
  });
});

describe('AKS GPU pool: subnet id and zones', () => {
  test('a virtual network id where a subnet id goes, zone "0" and a zone twice', () => {
    expectProblems(() => synthScopeValidated((s) => new GpuNodePool(s, 'Pool', {
      kubernetesClusterId: CLUSTER, name: 'gpua100', accelerator: Accelerator.NVIDIA_A100, maxNodes: 2,
      vnetSubnetId: `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/hub`,
      zones: ['0', '2', '2'],
    })), [
      /vnetSubnetId: got "[^"]+virtualNetworks\/hub"; allowed: the ARM id of a Microsoft\.Network\/virtualNetworks\/subnets: .*providers\/Microsoft\.Network\/virtualNetworks\/<name>\/subnets\/<name>/,
      /zones: got \["0", "2", "2"\]; allowed: each of the zone numbers "1", "2", "3" at most once/,
    ]);
  });
  test('a subnet id and zones 1-3 pass', () => {
    expect(() => synthScopeValidated((s) => new GpuNodePool(s, 'Pool', {
      kubernetesClusterId: CLUSTER, name: 'gpua100', accelerator: Accelerator.NVIDIA_A100, maxNodes: 2,
      vnetSubnetId: `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/hub/subnets/gpu`,
      zones: ['1', '2', '3'],
    }))).not.toThrow();
  });
});

test('a rollout\'s notifyActionGroupIds are action group ids', () => {
  expectProblems(() => synthScopeValidated((s) => new CanaryRollout(s, 'Rollout', {
    endpoint: endpoint(s), webhookApplication: WEBHOOK_APP,
    notifyActionGroupIds: [`/subscriptions/${SUB}/resourceGroups/rg-ops/providers/microsoft.insights/actionGroups`],
    policy: RolloutPolicy.canary({ trafficPercent: 10, bake: Duration.hours(2) }),
  })), /notifyActionGroupIds\[0\]: got "[^"]+actionGroups"; allowed: the ARM id of a microsoft\.insights\/actionGroups/);
});

test('grantScore takes the principal\'s object id (a GUID), not a name', () => {
  expectProblems(() => synthScopeValidated((s) => endpoint(s).grantScore('Billing', 'billing-service')),
    /grantScore\('Billing'\) has 1 invalid setting:\s+1\. principalId: got "billing-service"; allowed: the Entra object id of the principal: a GUID/);
});

test('two endpoints of one name in one region, in two stacks of the app: both are named', () => {
  const app = new App({ outdir: '/tmp/msc-silent-classes-azure' });
  const prod = new TerraformStack(app, 'prod');
  const canary = new TerraformStack(app, 'canary');
  endpoint(prod, { endpointName: 'churn-scorer', location: 'swedencentral' }, 'Churn');
  endpoint(canary, { endpointName: 'churn-scorer', location: 'Sweden Central' }, 'Churn');
  // cdktf's App.synth stops at the first stack whose validations fail; collectSpecProblems reads the whole app.
  expectSynthProblems(prod, /\[prod\/Churn\] ModelEndpoint prod\/Churn has 1 invalid setting:\s+1\. endpointName: got "churn-scorer", which canary\/Churn already uses in swedencentral; allowed: one online endpoint per name in an Azure region \(in any stack of the app\)/);
  expect(collectSpecProblems(app)?.problems.map((p) => `${p.construct} ${p.field}: ${p.given}`)).toEqual([
    'prod/Churn endpointName: "churn-scorer", which canary/Churn already uses in swedencentral',
    'canary/Churn endpointName: "churn-scorer", which prod/Churn already uses in Sweden Central',
  ]);
});

test('JavaScript: keyVaultIds as one string is named, not a TypeError', () => {
  expect(() => endpoint(new TerraformStack(new App({ outdir: '/tmp/msc-silent-classes-azure' }), 's'), { keyVaultIds: 'kv-ml' as unknown as string[] }))
    .toThrow(/keyVaultIds: got the string "kv-ml"; allowed: an array of string values/);
});

test('JavaScript: a CanaryRollout given the endpoint\'s name instead of the endpoint', () => {
  expect(() => synthScopeValidated((s) => {
    endpoint(s);
    new CanaryRollout(s, 'Rollout', { endpoint: 'digits', webhookApplication: WEBHOOK_APP, policy: RolloutPolicy.canary({ trafficPercent: 10, bake: Duration.hours(1) }) } as unknown as CanaryRolloutProps);
  })).toThrow(/CanaryRollout stack\/Rollout has 1 invalid setting:\s+1\. endpoint: got the string "digits"; allowed: a ModelEndpoint/);
});

test('AlertRouting takes action group ids by the same ARM id rule: a subscription name is refused', () => {
  expectProblems(() => synthScopeValidated((s) => new AlertRouting(s, 'Alerts', { alertTarget: ['/subscriptions/ml-prod/resourceGroups/rg-ops/providers/Microsoft.Insights/actionGroups/oncall'] })),
    /alertTarget: got \["\/subscriptions\/ml-prod\/[^"]+"\]; allowed: one or more action group ids "\/subscriptions\/<subscription GUID>\//);
});
