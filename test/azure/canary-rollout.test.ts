import { Duration, LatencyPercentile, ModelArtifact, RolloutPolicy, ServingImage } from '../../lib';
import { AZURE_ML_CAPABILITIES, CONTROLLER_TICK_SECONDS, CanaryRollout, CanaryRolloutProps, ROLLOUT_CONTROLLER_ACTIONS, describeGuardrailAlerts, parseControllerEnvironment } from '../../constructs/azure';
import { WEBHOOK_APP, endpoint } from './support/fixtures';
import { only, resourcesOf, schemaProblems, synth } from './support/synth';
import { synthScopeValidated } from '../support/cdktf-scope';
import { expectProblems } from '../support/expect-problems';

type Json = Record<string, any>;
const steps = RolloutPolicy.steps([
  { trafficPercent: 5, bake: Duration.minutes(30) },
  { trafficPercent: 25, bake: Duration.minutes(30) },
  { trafficPercent: 100, bake: Duration.minutes(10) },
]);

describe('CanaryRollout', () => {
  const { tf } = synth((s) => new CanaryRollout(s, 'Rollout', { webhookApplication: WEBHOOK_APP, endpoint: endpoint(s), policy: steps }));

  test('snapshot of the default', () => {
    expect(tf).toMatchSnapshot();
  });

  test('every azapi body passes Azure\'s schema check', () => {
    expect(schemaProblems(tf)).toEqual([]);
  });

  test('each version gets its own deployment, written once by a PUT (no Terraform-owned delete or re-create)', () => {
    expect(resourcesOf(tf, 'azapi_resource_action')).not.toEqual({});
    const puts = Object.values(resourcesOf(tf, 'azapi_resource_action')).filter((a) => a.method === 'PUT');
    expect(puts).toHaveLength(1);
    const put = puts[0] as Json;
    expect(put).toMatchObject({ method: 'PUT', when: 'apply', type: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments@2025-06-01' });
    expect(put.resource_id).toMatch(/\/deployments\/v1-0-0-[0-9a-f]{8}$/);
    const plainDeployments = Object.values(resourcesOf(tf, 'azapi_resource')).filter((r) => String(r.type).includes('/deployments@'));
    expect(plainDeployments).toEqual([]);
  });

  test('Terraform sets the first traffic map only and ignores later changes', () => {
    const t = only(tf, 'azapi_update_resource') as Json;
    expect(Object.entries(t.body.properties.traffic)).toEqual([[expect.stringMatching(/^v1-0-0-[0-9a-f]{8}$/), 100]]);
    expect(t.lifecycle).toEqual({ ignore_changes: ['body'] });
  });

  test('the controller gets the exact steps and the deployment to roll out', () => {
    const app = Object.values(resourcesOf(tf, 'azurerm_linux_function_app'))[0] as Json;
    const cfg = parseControllerEnvironment({ ...app.app_settings, ROLLOUT_ENDPOINT_ID: '/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w/onlineEndpoints/e', ROLLOUT_AUTOSCALE_ID: '' });
    expect(cfg.steps).toEqual([{ percent: 5, bakeSeconds: 1800 }, { percent: 25, bakeSeconds: 1800 }, { percent: 100, bakeSeconds: 600 }]);
    expect(cfg.targetDeployment).toMatch(/^v1-0-0-[0-9a-f]{8}$/);
    expect(cfg.mirror).toBeUndefined();
    expect(app.app_settings.ROLLOUT_ENDPOINT_ID).toMatch(/^\$\{azapi_resource\./);
    // The package is a content-named private blob the app mounts with its identity (function-app.test.ts).
    expect(app.zip_deploy_file).toBeUndefined();
    expect(app.app_settings.WEBSITE_RUN_FROM_PACKAGE).toMatch(/function-packages\/\$\{azurerm_storage_blob\./);
    expect(app.identity).toEqual({ type: 'SystemAssigned' });
    expect(app.site_config).toMatchObject({ application_stack: { node_version: '22' }, minimum_tls_version: '1.2', ftps_state: 'Disabled' });
  });

  test('the controller may change only this endpoint: exact actions, assigned at the endpoint', () => {
    const roles = Object.entries(resourcesOf(tf, 'azurerm_role_definition'));
    expect(roles).toHaveLength(3);
    const [mainName, main] = roles.find(([k]) => /Controller_Role_/.test(k))!;
    expect(main.permissions).toEqual([{ actions: ROLLOUT_CONTROLLER_ACTIONS }]);
    expect(ROLLOUT_CONTROLLER_ACTIONS.every((a) => !a.includes('*'))).toBe(true);
    const grantsOf = (role: string) => Object.values(resourcesOf(tf, 'azurerm_role_assignment')).filter((g) => String(g.role_definition_id).includes(`azurerm_role_definition.${role}.`));
    expect(grantsOf(mainName).map((g) => g.scope)).toEqual([expect.stringMatching(/^\$\{azapi_resource\.[^.]+\.id\}$/)]);
    // Reading fired alerts (to confirm one before a rollback): its own role, that read only, at the rules' target.
    const [readName, read] = roles.find(([k]) => /Controller_Role1_/.test(k))!;
    expect(read.permissions).toEqual([{ actions: ['Microsoft.AlertsManagement/alerts/read'] }]);
    expect(grantsOf(readName).map((g) => g.scope)).toEqual([expect.stringMatching(/^\$\{azurerm_log_analytics_workspace\.[^.]+\.id\}$/)]);
    // The stable deployment's autoscale copy (issue 17): autoscale settings only, at the endpoint's resource group.
    const [scaleName, scale] = roles.find(([k]) => /Controller_Role2_/.test(k))!;
    expect(scale.permissions).toEqual([{ actions: ['Microsoft.Insights/autoscalesettings/read', 'Microsoft.Insights/autoscalesettings/write', 'Microsoft.Insights/autoscalesettings/delete'] }]);
    expect(grantsOf(scaleName).map((g) => g.scope)).toEqual([expect.stringMatching(/^\/subscriptions\/\$\{data\.azurerm_client_config\.[^.]+\.subscription_id\}\/resourceGroups\/rg-ml$/)]);
    const app = Object.values(resourcesOf(tf, 'azurerm_linux_function_app'))[0] as Json;
    expect(app.app_settings.ROLLOUT_AUTOSCALE_ID).toMatch(/^\$\{azurerm_monitor_autoscale_setting\.[^.]+\.id\}$/);
  });

  test('the controller knows the ARM ids of exactly the two rules that call it (security review M1)', () => {
    const app = Object.values(resourcesOf(tf, 'azurerm_linux_function_app'))[0];
    const ids = parseControllerEnvironment({ ...app.app_settings, ROLLOUT_ENDPOINT_ID: '/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w/onlineEndpoints/e', ROLLOUT_AUTOSCALE_ID: '' }).alertRuleIds;
    // The rules whose action group is the controller's (the endpoint's own guardrail alerts do not call it).
    const group = Object.keys(resourcesOf(tf, 'azurerm_monitor_action_group'))[0];
    const rules = Object.values(resourcesOf(tf, 'azurerm_monitor_scheduled_query_rules_alert_v2')).filter((r) => JSON.stringify(r.action ?? {}).includes(`azurerm_monitor_action_group.${group}.id`));
    expect(rules).toHaveLength(2);
    expect(ids).toHaveLength(2);
    expect(ids.map((id) => id.split('/').pop()).sort()).toEqual(rules.map((r) => r.name).sort());
    for (const id of ids) expect(id).toMatch(/^\/subscriptions\/\$\{data\.azurerm_client_config\.[^.]+\.subscription_id\}\/resourceGroups\/[^/]+\/providers\/Microsoft\.Insights\/scheduledQueryRules\/[^/]+$/);
    expect(ids[0]).toContain(`/resourceGroups/${rules[0].resource_group_name}/`);
  });

  test('alerts on the new deployment alone call the controller through an action group', () => {
    const group = only(tf, 'azurerm_monitor_action_group') as Json;
    // A secure webhook (Microsoft's action-groups docs, "Configure authentication for Secure webhook"): Azure
    // Monitor calls with an Entra token for the webhook application; no function key in the URL or in state.
    expect(group.azure_function_receiver).toBeUndefined();
    expect(group.webhook_receiver).toEqual([{
      name: 'rollout-controller',
      service_uri: expect.stringMatching(/^https:\/\/\$\{azurerm_linux_function_app\.Rollout_Controller_[0-9A-F]+\.default_hostname\}\/api\/rollback$/),
      use_common_alert_schema: true,
      aad_auth: { object_id: WEBHOOK_APP.objectId, identifier_uri: WEBHOOK_APP.identifierUri, tenant_id: expect.stringMatching(/^\$\{data\.azurerm_client_config\.[^.]+\.tenant_id\}$/) },
    }]);
    expect(JSON.stringify(tf)).not.toMatch(/\?code=|function_app_host_keys/);
    const alerts = Object.values(resourcesOf(tf, 'azurerm_monitor_scheduled_query_rules_alert_v2')).filter((a) => String(a.name).includes('rollback'));
    expect(alerts).toHaveLength(2);
    for (const a of alerts) {
      expect(a.criteria[0].query).toMatch(/DeploymentName == "v1-0-0-[0-9a-f]{8}"/);
      expect(a.action.action_groups[0]).toMatch(/azurerm_monitor_action_group/);
    }
    // The policy has no guardrails of its own: the endpoint's (1%, p99 1 s, 3 x 1 min) roll back.
    const errors = alerts.find((a) => String(a.name).endsWith('-error-rate'))!;
    const latency = alerts.find((a) => String(a.name).includes('-latency-'))!;
    expect(describeGuardrailAlerts(errors, latency)).toEqual(['errors>1%', 'p99>1000ms', 'window=60s', 'breaches=3']);
  });

  test('autoscale follows the version\'s deployment', () => {
    const a = only(tf, 'azurerm_monitor_autoscale_setting') as Json;
    expect(a.target_resource_id).toMatch(/\/deployments\/v1-0-0-[0-9a-f]{8}$/);
    expect(a.profile[0].rule[0].metric_trigger.metric_resource_id).toMatch(/\/deployments\/v1-0-0-[0-9a-f]{8}$/);
  });

  test('issue 17: a retrained model under the same metadata.version is a new deployment (through the canary), never a PUT onto the serving one', () => {
    const deploymentOf = (uri: string, image?: string) => {
      const { tf: t } = synth((s) => new CanaryRollout(s, 'Rollout', { webhookApplication: WEBHOOK_APP,
        endpoint: endpoint(s, { model: ModelArtifact.fromUri(uri), ...(image ? { image: ServingImage.fromRegistry(image) } : {}) }),
        policy: steps,
      }));
      return String((Object.values(resourcesOf(t, 'azapi_resource_action')).find((a) => a.method === 'PUT') as Json).resource_id).split('/').pop();
    };
    const a = deploymentOf('https://acct.blob.core.windows.net/models/digits/1.0.0/model.onnx');
    expect(a).toMatch(/^v1-0-0-[0-9a-f]{8}$/);
    expect(deploymentOf('https://acct.blob.core.windows.net/models/digits/1.0.0/model.onnx')).toBe(a);
    expect(deploymentOf('https://acct.blob.core.windows.net/models/digits/retrained/model.onnx')).not.toBe(a);
    expect(deploymentOf('https://acct.blob.core.windows.net/models/digits/1.0.0/model.onnx', 'contoso.azurecr.io/model-server@sha256:' + 'b'.repeat(64))).not.toBe(a);
  });
});

describe('CanaryRollout options', () => {
  test('shadow traffic becomes the mirror phase; rollout guardrails choose the alert percentile and window', () => {
    const policy = RolloutPolicy.canary({ trafficPercent: 10, shadowTrafficPercent: 30, guardrails: { latencyPercentile: LatencyPercentile.P95, maxLatency: Duration.millis(200), breachingPeriods: 5 } });
    const { tf } = synth((s) => new CanaryRollout(s, 'Rollout', { webhookApplication: WEBHOOK_APP, endpoint: endpoint(s), policy, shadowDuration: Duration.minutes(15) }));
    const app = Object.values(resourcesOf(tf, 'azurerm_linux_function_app'))[0] as Json;
    expect(JSON.parse(app.app_settings.ROLLOUT_MIRROR)).toEqual({ percent: 30, bakeSeconds: 900 });
    const alerts = Object.values(resourcesOf(tf, 'azurerm_monitor_scheduled_query_rules_alert_v2')).filter((a) => String(a.name).includes('rollback'));
    expect(describeGuardrailAlerts(alerts.find((a) => String(a.name).endsWith('-error-rate'))!, alerts.find((a) => String(a.name).includes('-latency-'))!))
      .toEqual(['errors>1%', 'p95>200ms', 'window=60s', 'breaches=5']);
  });
});

describe('CanaryRollout validation', () => {
  const fails = (fn: Parameters<typeof synthScopeValidated>[0], message: RegExp): void => { expectProblems(() => synthScopeValidated(fn), message); };
  // Issue 17: the controller ticks once a minute (rollout-controller/handler.ts timer) and a rollback alert needs
  // breachingPeriods x evaluationPeriod; a shorter bake moves traffic on before either can act.
  const withBakes = (...bakes: Duration[]) => RolloutPolicy.steps(bakes.map((bake, i) => ({ trafficPercent: i === bakes.length - 1 ? 100 : 10 * (i + 1), bake })));
  test('a bake shorter than a controller tick is refused (0 s and 30 s)', () => fails((s) => new CanaryRollout(s, 'R', { webhookApplication: WEBHOOK_APP, endpoint: endpoint(s), policy: withBakes(Duration.seconds(0), Duration.seconds(30), Duration.minutes(10)) }),
    /policy\.steps\[0\]\.bake: got 0s; allowed: at least 3min on Azure ML: the guardrails need 3min to fire.*policy\.steps\[1\]\.bake: got 30s/s));
  test('a bake shorter than the rollback alerts\' breaching window is refused', () => fails((s) => new CanaryRollout(s, 'R', { webhookApplication: WEBHOOK_APP, endpoint: endpoint(s), policy: withBakes(Duration.minutes(2), Duration.minutes(10)) }),
    /policy\.steps\[0\]\.bake: got 2min; allowed: at least 3min on Azure ML: the guardrails need 3min to fire \(evaluationPeriod 1min x breachingPeriods 3\)/));
  test('one refusal per short bake (the shared rule in SpecResolver.rollout, not a second Azure one)', () => {
    const message = expectProblems(() => synthScopeValidated((s) => new CanaryRollout(s, 'R', { webhookApplication: WEBHOOK_APP, endpoint: endpoint(s), policy: withBakes(Duration.seconds(30), Duration.minutes(10)) })), /policy\.steps\[0\]\.bake/);
    expect(message.match(/policy\.steps\[0\]\.bake/g)).toHaveLength(1);
  });
  test('the controller tick the bake rule reads is the timer period', () => {
    expect(AZURE_ML_CAPABILITIES.rollout.controllerTick?.toSeconds()).toBe(CONTROLLER_TICK_SECONDS);
  });
  test('bakes at the window are accepted', () => {
    expect(() => synthScopeValidated((s) => new CanaryRollout(s, 'R', { webhookApplication: WEBHOOK_APP, endpoint: endpoint(s), policy: withBakes(Duration.minutes(3), Duration.minutes(3)) }))).not.toThrow();
  });

  test('shadow traffic above 50% is refused by Azure ML', () => fails((s) => new CanaryRollout(s, 'R', { webhookApplication: WEBHOOK_APP, endpoint: endpoint(s), policy: RolloutPolicy.canary({ shadowTrafficPercent: 60 }) }),
    /policy\.shadowTrafficPercent: got 60%; allowed: on Azure ML: at most 50%/));
  test('rollback guardrails beyond six breaching periods are refused by Azure ML', () => fails((s) => new CanaryRollout(s, 'R', { webhookApplication: WEBHOOK_APP, endpoint: endpoint(s), policy: RolloutPolicy.canary({ guardrails: { breachingPeriods: 10 } }) }),
    /policy\.guardrails\.breachingPeriods: got 10; allowed: on Azure ML: at most 6 consecutive periods/));
  test('evaluation periods must be whole minutes', () => fails((s) => new CanaryRollout(s, 'R', { webhookApplication: WEBHOOK_APP, endpoint: endpoint(s), policy: RolloutPolicy.canary({ guardrails: { evaluationPeriod: Duration.seconds(90) } }) }),
    /policy\.guardrails\.evaluationPeriod: got 90s; allowed: on Azure ML: multiples of 1min/));
  test('without the prop, the policy\'s shadowDuration sets the mirror phase', () => {
    const policy = RolloutPolicy.canary({ trafficPercent: 10, shadowTrafficPercent: 20, shadowDuration: Duration.hours(2) });
    const { tf } = synth((s) => new CanaryRollout(s, 'Rollout', { webhookApplication: WEBHOOK_APP, endpoint: endpoint(s), policy }));
    const app = Object.values(resourcesOf(tf, 'azurerm_linux_function_app'))[0] as Json;
    expect(JSON.parse(app.app_settings.ROLLOUT_MIRROR)).toEqual({ percent: 20, bakeSeconds: 7200 });
  });

  // JavaScript callers can omit the required prop: a synth-time refusal naming it, not a crash.
  test('the webhook application is required (secure webhook only)', () => fails(
    (s) => new CanaryRollout(s, 'R', { endpoint: endpoint(s), policy: steps } as unknown as CanaryRolloutProps),
    /webhookApplication: got none; allowed: an EntraWebhookApplication .*Fix: register an Entra application/s));
  test('shadowDuration needs shadow traffic', () => fails((s) => new CanaryRollout(s, 'R', { webhookApplication: WEBHOOK_APP, endpoint: endpoint(s), policy: steps, shadowDuration: Duration.minutes(5) }),
    /shadowDuration: got 5min; allowed: only with a policy that sets shadowTrafficPercent/));
  test('one rollout per endpoint', () => fails((s) => {
    const e = endpoint(s);
    new CanaryRollout(s, 'A', { webhookApplication: WEBHOOK_APP, endpoint: e, policy: steps });
    new CanaryRollout(s, 'B', { webhookApplication: WEBHOOK_APP, endpoint: e, policy: steps });
  }, /endpoint: got .*which already has a CanaryRollout/));
});
