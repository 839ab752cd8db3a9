import { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault';
import { MachineLearningWorkspace } from '@cdktf/provider-azurerm/lib/machine-learning-workspace';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { RoleDefinition } from '@cdktf/provider-azurerm/lib/role-definition';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import { AnnotationMetadataEntryType } from 'cdktf';
import {
  Accelerator,
  Duration,
  ExecutionProvider,
  LatencyPercentile,
  ModelArtifact,
  ScalingTarget,
  ServingImage,
  parseServerEnvironment,
} from '../../lib';
import { AZURE_ML_TYPES, EndpointAuthMode, MlOnlineEndpoint, ModelEndpoint, SCORE_ACTION, SecureWorkspace, WorkspaceSource, describeGuardrailAlerts } from '../../constructs/azure';
import { IMAGE, REGISTRY_ID, WORKSPACE_ID, baseProps, endpoint } from './support/fixtures';
import { only, resourcesOf, schemaProblems, synth } from './support/synth';
import { synthScopeValidated } from '../support/cdktf-scope';
import { expectNoProblems, expectProblems } from '../support/expect-problems';

type Json = Record<string, any>;
const azapi = (tf: Json, armType: string): Json[] => Object.values(resourcesOf(tf as never, 'azapi_resource')).filter((r) => r.type === armType);
const deploymentBody = (tf: Json) => azapi(tf, AZURE_ML_TYPES.onlineDeployment)[0].body;

describe('ModelEndpoint defaults', () => {
  const { json, tf } = synth((s) => endpoint(s));

  test('snapshot of the default stack', () => {
    expect(tf).toMatchSnapshot();
  });

  test('every azapi body passes Azure\'s schema check', () => {
    expect(schemaProblems(tf)).toEqual([]);
  });

  test('writes the endpoint with Entra tokens, a system identity and public scoring access', () => {
    expect(json).toHaveResourceWithProperties(MlOnlineEndpoint, {
      type: AZURE_ML_TYPES.onlineEndpoint,
      identity: [{ type: 'SystemAssigned' }],
      location: 'westeurope',
      body: { properties: expect.objectContaining({ authMode: 'AADToken', publicNetworkAccess: 'Enabled' }) },
    });
  });

  test('the deployment: instance type and count, request settings, probes, App Insights, public egress (the only kind a created workspace supports)', () => {
    const body = deploymentBody(tf);
    expect(body.sku).toEqual({ name: 'Default', capacity: 1 });
    expect(body.properties).toMatchObject({
      endpointComputeType: 'Managed',
      instanceType: 'Standard_DS3_v2',
      scaleSettings: { scaleType: 'Default' },
      // 30 s server deadline + 1 s, and twice the default batch of 8.
      requestSettings: { requestTimeout: 'PT31S', maxConcurrentRequestsPerInstance: 16 },
      livenessProbe: { initialDelay: 'PT10S', period: 'PT10S', timeout: 'PT2S', failureThreshold: 30, successThreshold: 1 },
      readinessProbe: { initialDelay: 'PT10S', period: 'PT10S', timeout: 'PT2S', failureThreshold: 30, successThreshold: 1 },
      appInsightsEnabled: true,
      egressPublicNetworkAccess: 'Enabled',
    });
  });

  test('the environment carries the server\'s routes and port from lib/contract.ts', () => {
    const env = azapi(tf, AZURE_ML_TYPES.environmentVersion)[0].body.properties;
    expect(env).toMatchObject({
      image: IMAGE,
      osType: 'Linux',
      autoRebuild: 'Disabled',
      inferenceConfig: {
        livenessRoute: { path: '/v2/health/live', port: 8080 },
        readinessRoute: { path: '/v2/health/ready', port: 8080 },
        scoringRoute: { path: '/score', port: 8080 },
      },
    });
  });

  test('the server environment parses back through the contract the server reads', () => {
    const vars = deploymentBody(tf).properties.environmentVariables;
    const { config, problems } = parseServerEnvironment(vars);
    expect(problems).toEqual([]);
    expect(config.modelName).toBe('digits');
    expect(config.modelVersion).toBe('1.0.0');
  });

  test('the model file is uploaded and the model version points at its blob, named by content', () => {
    const blob = only(tf as never, 'azurerm_storage_blob');
    expect(blob.name).toMatch(/^digits\/1\.0\.0\/[0-9a-f]{12}\/model\.onnx$/);
    const mv = azapi(tf, AZURE_ML_TYPES.modelVersion)[0];
    expect(mv.name).toMatch(/^1\.0\.0-[0-9a-f]{8}$/);
    expect(mv.parent_id).toMatch(/\/models\/digits$/);
    expect(mv.body.properties.modelUri).toMatch(/^\$\{azurerm_storage_blob\.[^.]+\.url\}$/);
  });

  test('a workspace with secure defaults: RBAC key vault with purge protection, TLS 1.2 storage; public API access (a deployment with public outbound calls it)', () => {
    // concept-secure-online-endpoint, supported configurations: egress enabled -> "The workspace must also allow public
    // access as the deployment outbound is to the workspace API". A created workspace has no private endpoint.
    expect(json).toHaveResourceWithProperties(MachineLearningWorkspace, { public_network_access_enabled: true, identity: { type: 'SystemAssigned' } });
    expect(json).toHaveResourceWithProperties(KeyVault, { rbac_authorization_enabled: true, purge_protection_enabled: true, network_acls: { default_action: 'Deny', bypass: 'AzureServices' } });
    expect(json).toHaveResourceWithProperties(StorageAccount, { min_tls_version: 'TLS1_2', allow_nested_items_to_be_public: false, infrastructure_encryption_enabled: true });
  });

  test('the endpoint identity reads only the model container and pulls only from the given registry', () => {
    const grants = Object.values(resourcesOf(tf as never, 'azurerm_role_assignment'));
    expect(grants).toHaveLength(2);
    expect(grants.map((g) => g.scope)).toEqual(expect.arrayContaining([
      expect.stringMatching(/\/blobServices\/default\/containers\/\$\{azurerm_storage_container\./),
      REGISTRY_ID,
    ]));
    for (const g of grants) expect(g.principal_id).toMatch(/^\$\{azapi_resource\.[^.]+\.identity\[0\]\.principal_id\}$/);
  });

  test('autoscale on the deployment: CPU 70% by default, min 1, max 2, cooldowns from the spec', () => {
    const a = only(tf as never, 'azurerm_monitor_autoscale_setting') as Json;
    expect(a.target_resource_id).toMatch(/\/deployments\/main$/);
    expect(a.profile[0].capacity).toEqual({ default: 1, minimum: 1, maximum: 2 });
    const [out, inn] = a.profile[0].rule;
    expect(out.metric_trigger).toMatchObject({ metric_name: 'CpuUtilizationPercentage', operator: 'GreaterThan', threshold: 70 });
    expect(out.scale_action).toMatchObject({ direction: 'Increase', cooldown: 'PT1M' });
    expect(inn.metric_trigger).toMatchObject({ operator: 'LessThan', threshold: 42 });
    expect(inn.scale_action).toMatchObject({ direction: 'Decrease', cooldown: 'PT5M' });
  });

  test('guardrail alerts from the traffic log: 5xx share and p99 latency, per minute, after 3 breaching minutes', () => {
    const alerts = Object.values(resourcesOf(tf as never, 'azurerm_monitor_scheduled_query_rules_alert_v2'));
    const errors = alerts.find((a) => String(a.name).endsWith('-error-rate'))!;
    const latency = alerts.find((a) => String(a.name).endsWith('-latency-p99'))!;
    expect(describeGuardrailAlerts(errors, latency)).toEqual(['errors>1%', 'p99>1000ms', 'window=60s', 'breaches=3']);
    expect(errors).toMatchObject({ evaluation_frequency: 'PT1M', window_duration: 'PT1M' });
    expect(errors.criteria[0]).toMatchObject({ metric_measure_column: 'errorRatePercent', operator: 'GreaterThan', failing_periods: { minimum_failing_periods_to_trigger_alert: 3, number_of_evaluation_periods: 3 } });
    expect(errors.criteria[0].query).toContain('countif(toint(ResponseCode) >= 500)');
    expect(latency.criteria[0].query).toContain('percentile(TotalDurationMs, 99)');
    expect(only(tf as never, 'azurerm_monitor_diagnostic_setting')).toMatchObject({ enabled_log: [{ category: 'AmlOnlineEndpointTrafficLog' }] });
    expect(resourcesOf(tf as never, 'azurerm_monitor_metric_alert')).toEqual({});
  });

  test('Terraform sets the first traffic map only', () => {
    const t = only(tf as never, 'azapi_update_resource') as Json;
    expect(t.body).toEqual({ properties: { traffic: { main: 100 }, mirrorTraffic: {} } });
    expect(t.lifecycle).toEqual({ ignore_changes: ['body'] });
  });

  test('a generated endpoint name fits Azure\'s 3-32 rule with a hash', () => {
    const e = azapi(tf, AZURE_ML_TYPES.onlineEndpoint)[0];
    expect(e.name).toMatch(/^digits-[0-9a-f]{8}$/);
  });

  test('the azapi provider is declared at ~> 2.5 (first to embed 2025-06-01)', () => {
    expect(tf.terraform?.required_providers?.azapi).toEqual({ source: 'Azure/azapi', version: '~> 2.5' });
  });
});

describe('ModelEndpoint props that change output', () => {
  test('GPU: T4 size, GPU autoscale, CUDA provider, and several targets become several rule pairs', () => {
    const { tf } = synth((s) => endpoint(s, {
      instanceType: 'Standard_NC4as_T4_v3',
      accelerator: Accelerator.NVIDIA_T4,
      scaling: { minReplicas: 2, maxReplicas: 5, targets: [ScalingTarget.gpuUtilization(60), ScalingTarget.invocationsPerReplicaPerSecond(20)] },
    }));
    const rules = (only(tf as never, 'azurerm_monitor_autoscale_setting') as Json).profile[0].rule;
    expect(rules.map((r: Json) => [r.metric_trigger.metric_name, r.metric_trigger.threshold, r.metric_trigger.divide_by_instance_count])).toEqual([
      ['GpuUtilizationPercentage', 60, false], ['GpuUtilizationPercentage', 36, false],
      ['RequestsPerMinute', 1200, true], ['RequestsPerMinute', 720, true],
    ]);
    const body = deploymentBody(tf);
    expect(body.sku.capacity).toBe(2);
    expect(body.properties.environmentVariables.MODEL_SERVER_EXECUTION_PROVIDERS).toBe('cuda,cpu');
    expect(schemaProblems(tf)).toEqual([]);
  });

  test('key auth, private scoring, egress on, no App Insights, tuned probes and concurrency', () => {
    const { tf } = synth((s) => endpoint(s, {
      authMode: EndpointAuthMode.KEY,
      publicNetworkAccess: false,
      egressPublicNetworkAccess: true,
      appInsights: false,
      maxConcurrentRequestsPerInstance: 4,
      probes: { initialDelay: Duration.seconds(30), period: Duration.seconds(5), timeout: Duration.seconds(1), failureThreshold: 6 },
    }));
    expect(azapi(tf, AZURE_ML_TYPES.onlineEndpoint)[0].body.properties).toMatchObject({ authMode: 'Key', publicNetworkAccess: 'Disabled' });
    expect(deploymentBody(tf).properties).toMatchObject({
      egressPublicNetworkAccess: 'Enabled',
      appInsightsEnabled: false,
      requestSettings: { maxConcurrentRequestsPerInstance: 4 },
      livenessProbe: { initialDelay: 'PT30S', period: 'PT5S', timeout: 'PT1S', failureThreshold: 6 },
    });
    expect(schemaProblems(tf)).toEqual([]);
  });

  test('guardrails choose the percentile (p99.9 included: the traffic log has every request), window and breaches', () => {
    const { tf } = synth((s) => endpoint(s, { guardrails: { latencyPercentile: LatencyPercentile.P99_9, maxLatency: Duration.millis(250), evaluationPeriod: Duration.minutes(5), breachingPeriods: 2, maxErrorRatePercent: 0.5 } }));
    const alerts = Object.values(resourcesOf(tf as never, 'azurerm_monitor_scheduled_query_rules_alert_v2'));
    const errors = alerts.find((a) => String(a.name).endsWith('-error-rate'))!;
    const latency = alerts.find((a) => String(a.name).includes('-latency-'))!;
    expect(describeGuardrailAlerts(errors, latency)).toEqual(['errors>0.5%', 'p99.9>250ms', 'window=300s', 'breaches=2']);
    expect(latency.criteria[0].query).toContain('percentile(TotalDurationMs, 99.9)');
  });

  test('an existing workspace with a blob model: no workspace resources, the blob URI as is, read grant on its container', () => {
    const uri = 'https://contosomodels.blob.core.windows.net/models/digits/model.onnx';
    const { tf } = synth((s) => endpoint(s, {
      workspace: WorkspaceSource.fromId(WORKSPACE_ID, { logAnalyticsWorkspaceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/logs' }),
      model: ModelArtifact.fromUri(uri),
      modelStorageAccountId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/contosomodels',
    }));
    expect(resourcesOf(tf as never, 'azurerm_machine_learning_workspace')).toEqual({});
    expect(resourcesOf(tf as never, 'azurerm_log_analytics_workspace')).toEqual({});
    expect(azapi(tf, AZURE_ML_TYPES.modelVersion)[0].body.properties.modelUri).toBe(uri);
    expect(azapi(tf, AZURE_ML_TYPES.onlineEndpoint)[0].parent_id).toBe(WORKSPACE_ID);
    const scopes = Object.values(resourcesOf(tf as never, 'azurerm_role_assignment')).map((g) => g.scope);
    expect(scopes).toContain('/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/contosomodels/blobServices/default/containers/models');
  });

  test('warnings: the resolver\'s (no signature) and what to grant for a blob model or an ACR image given without ids', () => {
    synthScopeValidated((s) => {
      const e = endpoint(s, { model: ModelArtifact.fromUri('https://acct.blob.core.windows.net/models/m.onnx'), imageRegistryId: undefined });
      const warnings = e.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.WARN).map((m) => String(m.data));
      expect(warnings).toEqual([
        expect.stringMatching(/model: https:\/\/acct\.blob\.core\.windows\.net\/models\/m\.onnx has no signature/),
        expect.stringMatching(/needs read access to https:\/\/acct\.blob\.core\.windows\.net\/models\/m\.onnx\. Pass modelStorageAccountId/),
        expect.stringMatching(/is in an Azure Container Registry; pass imageRegistryId so the endpoint's identity gets AcrPull/),
      ]);
    });
  });

  test('the endpoint\'s identity pulls the image with the built-in AcrPull role, by its id', () => {
    // AcrPull's id as Azure's built-in roles reference lists it (learn.microsoft.com/azure/role-based-access-control/
    // built-in-roles, Containers) and public Bicep templates assign it (acrPullRoleId = '7f951dda-4ed3-...'). An id
    // that is not a built-in role fails at apply (RoleDefinitionDoesNotExist); stop 16 found '7f951dff-4ed8-...' here.
    const { tf } = synth((s) => endpoint(s));
    const pulls = Object.values(resourcesOf(tf as never, 'azurerm_role_assignment')).filter((g) => g.scope === REGISTRY_ID);
    expect(pulls.map((g) => g.role_definition_id)).toEqual(['/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d']);
  });

  test('grantScore: a custom role with the score action only, assigned at this endpoint', () => {
    const { json, tf } = synth((s) => endpoint(s).grantScore('App', '11111111-1111-1111-1111-111111111111'));
    expect(json).toHaveResourceWithProperties(RoleDefinition, { permissions: [{ actions: [SCORE_ACTION] }] });
    const grant = Object.values(resourcesOf(tf as never, 'azurerm_role_assignment')).find((g) => g.principal_id === '11111111-1111-1111-1111-111111111111')!;
    expect(grant.scope).toMatch(/^\$\{azapi_resource\.[^.]+\.id\}$/);
    expect(json).toHaveResourceWithProperties(RoleAssignment, { principal_id: '11111111-1111-1111-1111-111111111111' });
    // Without a principal type, none is sent: Azure looks the principal up (the output as before).
    expect(grant.principal_type).toBeUndefined();
  });

  test('grantInvoke with a principal type passes it to the assignment (azurerm principal_type: User, Group, ServicePrincipal)', () => {
    const { tf } = synth((s) => endpoint(s).grantInvoke('33333333-3333-3333-3333-333333333333', 'ServicePrincipal'));
    const grant = Object.values(resourcesOf(tf as never, 'azurerm_role_assignment')).find((g) => g.principal_id === '33333333-3333-3333-3333-333333333333')!;
    expect(grant.principal_type).toBe('ServicePrincipal');
  });

  test('a new model version leaves the endpoint resource as it was (azapi would re-PUT it without its traffic map)', () => {
    const endpointOf = (version: string) => azapi(synth((s) => endpoint(s, { metadata: { name: 'digits', version, owner: 'ml-platform', trainedOn: '2026-11-01' } })).tf, AZURE_ML_TYPES.onlineEndpoint)[0];
    const [v1, v2] = [endpointOf('1.0.0'), endpointOf('2.0.0')];
    expect(v2).toEqual(v1);
    expect(v1.tags).toEqual({ 'model-name': 'digits', 'model-owner': 'ml-platform', 'managed-by': 'model-serving-constructs' });
  });

  test('metric helpers: the caller\'s options win', () => {
    synthScopeValidated((s) => {
      const e = endpoint(s);
      expect(e.metricRequestLatency(LatencyPercentile.P90)).toMatchObject({ metricName: 'RequestLatency_P90', aggregation: 'Average', unit: 'milliseconds' });
      expect(e.metricRequestsPerMinute({ dimensions: [{ name: 'statusCodeClass', values: ['5xx'] }] }).dimensions).toEqual([{ name: 'statusCodeClass', values: ['5xx'] }]);
      expect(e.metricGpuUtilization({ aggregation: 'Maximum' })).toMatchObject({ metricName: 'GpuUtilizationPercentage', aggregation: 'Maximum' });
      expect(e.metricCpuUtilization().namespace).toBe('Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments');
    });
  });

  test('fromEndpointAttributes: grants and metrics on an imported endpoint', () => {
    const { tf } = synth((s) => {
      const e = ModelEndpoint.fromEndpointAttributes(s, 'Imported', { endpointName: 'old', endpointId: `${WORKSPACE_ID}/onlineEndpoints/old`, resourceGroupName: 'rg-ml', location: 'westeurope' });
      e.grantScore('App', '22222222-2222-2222-2222-222222222222');
      expect(e.metricRequestLatency().resourceId).toBe(`${WORKSPACE_ID}/onlineEndpoints/old`);
    });
    expect(Object.values(resourcesOf(tf as never, 'azurerm_role_assignment'))[0].scope).toBe(`${WORKSPACE_ID}/onlineEndpoints/old`);
  });
});

describe('ModelEndpoint validation (one failing test per rule)', () => {
  const fails = (overrides: Parameters<typeof baseProps>[0], message: RegExp): void => {
    expectProblems(() => synthScopeValidated((s) => endpoint(s, overrides)), message);
  };

  // Azure ML online deployments publish no concurrency or queue metric for Azure Monitor autoscale (the
  // deployment metrics are CPU/GPU utilization and RequestsPerMinute): queue-depth scaling is refused by name.
  test('a concurrent-requests (queue depth) target is refused', () => fails({ scaling: { targets: [ScalingTarget.concurrentRequestsPerReplica(8)] } },
    /scaling\.targets\[0\]: got 8 concurrent requests per replica; allowed: on Azure ML: targets on CPU_UTILIZATION, GPU_UTILIZATION, INVOCATIONS_PER_REPLICA/));
  // Azure ML's supported network combinations (MicrosoftDocs/azure-docs articles/machine-learning/concept-secure-online-endpoint.md,
  // appendix "Secure outbound access with legacy network isolation method"): egress off needs a workspace private link and
  // reaches only the workspace's own blob storage and container registry; egress on needs the workspace to allow public access.
  test('egress off with a created workspace (no private link) is refused with the fix', () => fails({ egressPublicNetworkAccess: false },
    /egressPublicNetworkAccess: got false with WorkspaceSource\.create\(\); allowed: false only in a workspace with a private link.*Fix: leave egressPublicNetworkAccess on, or use WorkspaceSource\.fromId/s));
  test('egress on with a created private workspace is refused', () => fails({ workspace: WorkspaceSource.create({ publicNetworkAccess: false }) },
    /workspace\.publicNetworkAccess: got false with egressPublicNetworkAccess on; allowed: true: a deployment with public outbound calls the workspace API/));
  test('egress off pulls only from the workspace\'s own registry', () => {
    const other = REGISTRY_ID.replace(/registries\/[^/]+$/, 'registries/wsown');
    fails({ egressPublicNetworkAccess: false, workspace: WorkspaceSource.fromId(WORKSPACE_ID, { containerRegistryId: other }), model: ModelArtifact.fromUri('https://acct.blob.core.windows.net/models/m.onnx') },
      /imageRegistryId: got .*registries\/contoso with egressPublicNetworkAccess false \(workspace registry: .*wsown\); allowed: with egress off, only the workspace's own container registry/);
    fails({ egressPublicNetworkAccess: false, workspace: WorkspaceSource.fromId(WORKSPACE_ID), model: ModelArtifact.fromUri('https://acct.blob.core.windows.net/models/m.onnx') },
      /imageRegistryId: .*workspace registry: not given/);
    // The workspace's own registry, behind the workspace's private link: accepted.
    expect(() => synthScopeValidated((s) => endpoint(s, { egressPublicNetworkAccess: false, workspace: WorkspaceSource.fromId(WORKSPACE_ID, { containerRegistryId: REGISTRY_ID }), model: ModelArtifact.fromUri('https://acct.blob.core.windows.net/models/m.onnx') }))).not.toThrow();
  });
  // Issue 17: values Azure would refuse at apply (or never find), refused at synth with the field and the fix.
  // Regions: Azure/terraform-azurerm-avm-utl-regions modules/cached-data/locations.tf.json (2026-03-12);
  // resource group names: learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules.
  test('a location that is no Azure region, with the likely fix', () => fails({ location: 'west-europe' }, /location: got "west-europe"; allowed: an Azure region name .*Fix: use "westeurope"/));
  test('display names are accepted as azurerm folds them', () => {
    expect(() => synthScopeValidated((s) => endpoint(s, { location: 'West Europe' }))).not.toThrow();
  });
  test('a region newer than the catalogue passes only through the explicit context escape hatch', () => {
    fails({ location: 'marsnorth' }, /location: got "marsnorth".*under the context key "model-serving-constructs:azure:extraLocations"/);
    expect(() => synthScopeValidated((s) => {
      s.node.setContext('model-serving-constructs:azure:extraLocations', ['marsnorth']);
      endpoint(s, { location: 'marsnorth' });
    })).not.toThrow();
  });
  test('resource group name rule', () => fails({ resourceGroupName: 'rg/ml prod.' }, /resourceGroupName: got "rg\/ml prod\."; allowed: 1-90 letters, digits/));
  test('ids that are not ARM ids of the right type, all in one error', () => fails({
    imageRegistryId: 'contoso',
    modelStorageAccountId: REGISTRY_ID,
    alertActionGroupIds: ['ops-oncall'],
  }, /imageRegistryId: got "contoso"; allowed: the ARM id of a Microsoft\.ContainerRegistry\/registries.*modelStorageAccountId: got ".*registries\/contoso"; allowed: the ARM id of a Microsoft\.Storage\/storageAccounts.*alertActionGroupIds\[0\]: got "ops-oncall"/s));
  test('an existing workspace by ARM id only', () => fails({ workspace: WorkspaceSource.fromId('ws'), model: ModelArtifact.fromUri('https://acct.blob.core.windows.net/models/m.onnx') }, /workspace: got "ws"; allowed: the ARM id of a Microsoft\.MachineLearningServices\/workspaces/));
  test('two endpoints with the same name in one region', () => {
    expectProblems(() => synthScopeValidated((s) => {
      endpoint(s, { endpointName: 'digits-prod' }, 'A');
      endpoint(s, { endpointName: 'digits-prod', location: 'West Europe' }, 'B');
    }), /endpointName: got "digits-prod", which .*\/A already uses in West Europe; allowed: one online endpoint per name in an Azure region/);
    expect(() => synthScopeValidated((s) => {
      endpoint(s, { endpointName: 'digits-prod' }, 'A');
      endpoint(s, { endpointName: 'digits-prod', location: 'swedencentral' }, 'B');
    })).not.toThrow();
  });
  test('instance type must be a managed endpoint size', () => fails({ instanceType: 'ml.g5.xlarge' }, /instanceType: got "ml\.g5\.xlarge"; allowed: a VM size Azure ML managed online endpoints accept/));
  test('NC T4 v3 carries T4', () => fails({ instanceType: 'Standard_NC4as_T4_v3', accelerator: Accelerator.NVIDIA_A100 }, /accelerator: got NVIDIA_A100 on Standard_NC4as_T4_v3; allowed: Standard_NC4as_T4_v3 \(NCasT4_v3\) carries NVIDIA_T4/));
  test('NC A100 v4 carries A100', () => fails({ instanceType: 'Standard_NC24ads_A100_v4', accelerator: Accelerator.NVIDIA_H100 }, /carries NVIDIA_A100\. Fix: set accelerator: Accelerator\.NVIDIA_A100/));
  test('NC H100 v5 carries H100', () => fails({ instanceType: 'Standard_NC40ads_H100_v5', accelerator: Accelerator.NVIDIA_T4 }, /Standard_NC40ads_H100_v5 \(NC_H100_v5\) carries NVIDIA_H100/));
  test('no L4 on managed endpoints, refused by backend and field', () => fails({ instanceType: 'Standard_NC4as_T4_v3', accelerator: Accelerator.NVIDIA_L4 }, /accelerator: got NVIDIA_L4 on "Standard_NC4as_T4_v3"; allowed: on Azure ML: no NVIDIA L4 VM size/));
  test('a fractional A10 is not A10G', () => fails({ instanceType: 'Standard_NV6ads_A10_v5', accelerator: Accelerator.NVIDIA_A10G }, /on Azure ML: no A10G .*NVadsA10 v5 sizes carry an NVIDIA A10/));
  test('a fractional A10 has no whole GPU to count', () => fails({ instanceType: 'Standard_NV12ads_A10_v5', accelerator: Accelerator.of('NVIDIA_A10'), acceleratorCount: 1 }, /acceleratorCount: got 1 on Standard_NV12ads_A10_v5; allowed: none: .* has a fraction \(33%\) of one A10/));
  test('GPU count is fixed by size', () => fails({ instanceType: 'Standard_NC48ads_A100_v4', accelerator: Accelerator.NVIDIA_A100, acceleratorCount: 1 }, /acceleratorCount: got 1 on Standard_NC48ads_A100_v4; allowed: 2 \(Azure fixes the GPU count by VM size\)/));
  test('a GPU size without an accelerator wastes the GPU', () => fails({ instanceType: 'Standard_NC4as_T4_v3' }, /accelerator: got none, on "Standard_NC4as_T4_v3"; allowed: Accelerator\.NVIDIA_T4/));
  test('an accelerator on a CPU size', () => fails({ accelerator: Accelerator.NVIDIA_T4 }, /instanceType: got "Standard_DS3_v2" with accelerator NVIDIA_T4; allowed: a GPU size for NVIDIA_T4: Standard_NC4as_T4_v3/));
  // Region table: AZURE_GPU_SIZE_REGIONS, from Microsoft's per-region Linux pay-as-you-go VM prices (Azure Retail
  // Prices API, priceType Consumption, serviceName "Virtual Machines") as Azure/karpenter-provider-azure records them:
  // pkg/providers/pricing/zz_generated.pricing.go at 352646f599290c3a6d2f9710fb535a7b288f88ed ("generated at
  // 2026-06-18T03:43:41Z", 57 regions). initialOnDemandPrices["switzerlandnorth"] has no Standard_NC4as_T4_v3 but the
  // NC A100 v4 and NC H100 v5 sizes; ["francecentral"] has no Standard_NC40ads_H100_v5; ["australiaeast"] has
  // Standard_ND96isr_H100_v5 and not Standard_ND96is_H100_v5; ["brazilsoutheast"] has no GPU size at all;
  // belgiumcentral is an Azure location (AZURE_LOCATIONS) the file does not price.
  describe('GPU sizes against the location (issue 17)', () => {
    test('a T4 size Azure does not sell in the location is refused with the locations that sell it and what the location has', () => {
      fails({ location: 'switzerlandnorth', instanceType: 'Standard_NC4as_T4_v3', accelerator: Accelerator.NVIDIA_T4 },
        /instanceType: got "Standard_NC4as_T4_v3" \(NVIDIA_T4\) in "switzerlandnorth"; allowed: a location with a listed price for Standard_NC4as_T4_v3: australiacentral, .*swedencentral, uksouth, westeurope, westus, westus2, westus3 \(the Azure Retail Prices API per region, as Azure\/karpenter-provider-azure records it .*generated 2026-06-18.*\)\. Fix: deploy to one of those locations, or pick a GPU size switzerlandnorth has: .*NVIDIA_A100 \(.*Standard_NC24ads_A100_v4.*\).*NVIDIA_H100 \(.*Standard_NC40ads_H100_v5.*\).*; if Azure added Standard_NC4as_T4_v3 in switzerlandnorth since, set acceptUncataloguedInstanceType: true/);
      // A display name folds to its ARM name, as azurerm does.
      fails({ location: 'Switzerland North', instanceType: 'Standard_NC8as_T4_v3', accelerator: Accelerator.NVIDIA_T4 }, /instanceType: got "Standard_NC8as_T4_v3" \(NVIDIA_T4\) in "Switzerland North"/);
      expectNoProblems(() => synthScopeValidated((s) => endpoint(s, { location: 'swedencentral', instanceType: 'Standard_NC4as_T4_v3', accelerator: Accelerator.NVIDIA_T4 })));
    });
    test('other classes: an H100 size, an A100 size, and one size of a series where its sibling is sold', () => {
      fails({ location: 'francecentral', instanceType: 'Standard_NC40ads_H100_v5', accelerator: Accelerator.NVIDIA_H100 }, /instanceType: got "Standard_NC40ads_H100_v5" \(NVIDIA_H100\) in "francecentral"; allowed: a location with a listed price for Standard_NC40ads_H100_v5: /);
      fails({ location: 'uaenorth', instanceType: 'Standard_NC96ads_A100_v4', accelerator: Accelerator.NVIDIA_A100 }, /instanceType: got "Standard_NC96ads_A100_v4" \(NVIDIA_A100\) in "uaenorth"/);
      fails({ location: 'australiaeast', instanceType: 'Standard_ND96is_H100_v5', accelerator: Accelerator.NVIDIA_H100 }, /instanceType: got "Standard_ND96is_H100_v5" \(NVIDIA_H100\) in "australiaeast".*Fix: .*NVIDIA_H100 \(.*Standard_ND96isr_H100_v5.*\)/);
      fails({ location: 'brazilsoutheast', instanceType: 'Standard_NC24ads_A100_v4', accelerator: Accelerator.NVIDIA_A100 }, /in "brazilsoutheast".*pick a GPU size brazilsoutheast has \(none of the GPU sizes this library knows\)/);
      expectNoProblems(() => synthScopeValidated((s) => endpoint(s, { location: 'australiaeast', instanceType: 'Standard_ND96isr_H100_v5', accelerator: Accelerator.NVIDIA_H100 })));
    });
    test('acceptUncataloguedInstanceType accepts it with a synth warning; a location the price list does not cover and a CPU size are not checked', () => {
      synthScopeValidated((s) => {
        const e = endpoint(s, { location: 'switzerlandnorth', instanceType: 'Standard_NC4as_T4_v3', accelerator: Accelerator.NVIDIA_T4, acceptUncataloguedInstanceType: true });
        const warnings = e.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.WARN).map((m) => String(m.data));
        expect(warnings).toContainEqual(expect.stringMatching(/instanceType: Standard_NC4as_T4_v3 has no listed price in switzerlandnorth per the Azure Retail Prices API .*; accepted unchecked \(acceptUncataloguedInstanceType\)/));
      });
      expectNoProblems(() => synthScopeValidated((s) => endpoint(s, { location: 'belgiumcentral', instanceType: 'Standard_NC4as_T4_v3', accelerator: Accelerator.NVIDIA_T4 })));
      // A size this library's catalogue does not know yet: refused, or accepted with the same escape hatch and a
      // warning, the GPU taken from accelerator/acceleratorCount; a value not shaped like a VM size stays refused.
      fails({ instanceType: 'Standard_NC8ads_L40S_v9', accelerator: Accelerator.of('NVIDIA_L40S') }, /instanceType: got "Standard_NC8ads_L40S_v9"; allowed: a VM size Azure ML managed online endpoints accept.*set acceptUncataloguedInstanceType: true/);
      synthScopeValidated((s) => {
        const e = endpoint(s, { instanceType: 'Standard_NC8ads_L40S_v9', accelerator: Accelerator.of('NVIDIA_L40S'), acceptUncataloguedInstanceType: true });
        const warnings = e.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.WARN).map((m) => String(m.data));
        expect(warnings).toContainEqual(expect.stringMatching(/instanceType: Standard_NC8ads_L40S_v9 is not in this library's Azure ML size catalogue; accepted unchecked \(acceptUncataloguedInstanceType\), taken to carry 1 x NVIDIA_L40S/));
      });
      fails({ instanceType: 'nc8 l40s', acceptUncataloguedInstanceType: true }, /instanceType: got "nc8 l40s"; allowed: a VM size Azure ML managed online endpoints accept/);
      // NCv2: known, priced nowhere (retired); NCv3 NC6s: retired on 2025-09-30 (MicrosoftDocs/azure-docs
      // virtual-machines/ncv3-nc6s-nc12s-nc24s-retirement.md).
      fails({ location: 'eastus', instanceType: 'Standard_NC12s_v2', accelerator: Accelerator.of('NVIDIA_P100') }, /instanceType: got "Standard_NC12s_v2" \(NVIDIA_P100\) in "eastus"; allowed: a location with a listed price for Standard_NC12s_v2: none of the covered regions/);
      fails({ location: 'eastus', instanceType: 'Standard_NC6s_v3', accelerator: Accelerator.of('NVIDIA_V100') }, /instanceType: got "Standard_NC6s_v3", retired by Azure on 2025-09-30/);
      expectNoProblems(() => synthScopeValidated((s) => endpoint(s, { location: 'brazilsoutheast' })));
    });
  });
  test('the bundled image is refused (Terraform cannot build images)', () => fails({ image: ServingImage.bundled() }, /image: .*allowed: on Azure ML/));
  test('S3 models are refused', () => fails({ model: ModelArtifact.fromUri('s3://bucket/model.onnx') }, /on Azure ML/));
  test('archives are refused', () => fails({ model: ModelArtifact.fromUri('https://acct.blob.core.windows.net/models/model.tar.gz') }, /on Azure ML/));
  test('a local file needs a container with an existing workspace', () => fails({ workspace: WorkspaceSource.fromId(WORKSPACE_ID) }, /model: got a local file .* with an existing workspace and no modelContainer/));
  test('endpoint name rule', () => fails({ endpointName: 'x--y' }, /endpointName: got "x--y"/));
  test('deployment name rule', () => fails({ deploymentName: '1st' }, /deploymentName: got "1st"/));
  test('log alerts count at most six breaching periods', () => fails({ guardrails: { breachingPeriods: 7 } }, /guardrails\.breachingPeriods: got 7; allowed: on Azure ML: at most 6 consecutive periods/));
  test('log alert windows', () => fails({ guardrails: { evaluationPeriod: Duration.minutes(2) } }, /guardrails\.evaluationPeriod: got 2min; allowed: on Azure ML: 1, 5, 10, 15, 30, 45, 60 minutes/));
  test('whole-minute evaluation periods', () => fails({ guardrails: { evaluationPeriod: Duration.seconds(30) } }, /guardrails\.evaluationPeriod: got 30s; allowed: on Azure ML: multiples of 1min/));
  test('request timeout up to 180 s', () => fails({ server: { requestTimeout: Duration.minutes(4) } }, /server\.requestTimeout: .*allowed: on Azure ML/));
  test('cooldowns of at least a minute', () => fails({ scaling: { scaleOutCooldown: Duration.seconds(30) } }, /scaling\.scaleOutCooldown: got 30s; allowed: on Azure ML: at least 1 minute/));
  test('at most 50 instances', () => fails({ scaling: { maxReplicas: 60 } }, /scaling\.maxReplicas/));
  test('no scale to zero', () => fails({ scaling: { minReplicas: 0 } }, /scaling\.minReplicas/));
  test('concurrency bounds', () => fails({ maxConcurrentRequestsPerInstance: 0 }, /maxConcurrentRequestsPerInstance: got 0; allowed: an integer from 1 to 1000/));
  test('probe timeout shorter than the period', () => fails({ probes: { timeout: Duration.seconds(10) } }, /probes\.timeout: got 10s with period 10s; allowed: shorter than the period/));
  test('GPU providers need an accelerator (shared rule, same collector)', () => fails({ server: { executionProviders: [ExecutionProvider.CUDA] } }, /server\.executionProviders/));
  test('log retention is 30 to 730 whole days, not silently raised', () => {
    fails({ workspace: WorkspaceSource.create({ logRetentionDays: 7 }) }, /workspace\.logRetentionDays: got 7; allowed: a whole number of days from 30 to 730/);
    fails({ workspace: WorkspaceSource.create({ logRetentionDays: 731 }) }, /workspace\.logRetentionDays: got 731/);
    fails({ workspace: WorkspaceSource.create({ logRetentionDays: 45.5 }) }, /workspace\.logRetentionDays: got 45\.5/);
    expectProblems(() => synthScopeValidated((s) => new SecureWorkspace(s, 'W', { resourceGroupName: 'rg', location: 'westeurope', namePrefix: 'digits', tags: {}, logRetentionDays: 20 })), /SecureWorkspace stack\/W has 1 invalid setting:\n  1\. logRetentionDays: got 20; allowed: a whole number of days from 30 to 730/);
    const { tf } = synth((s) => endpoint(s, { workspace: WorkspaceSource.create({ logRetentionDays: 90 }) }));
    expect(Object.values(resourcesOf(tf as never, 'azurerm_log_analytics_workspace')).map((w) => w.retention_in_days)).toEqual([90]);
  });
  test('all problems in one error', () => {
    expectProblems(() => synthScopeValidated((s) => endpoint(s, { instanceType: 'nope', endpointName: 'a', image: ServingImage.bundled() })), /has [3-9] invalid settings/);
  });
});
