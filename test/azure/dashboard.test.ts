import Ajv from 'ajv';
import { DASHBOARD_WIDGETS, RolloutPolicy, SERVER_METRICS } from '../../lib';
import { AlertRouting, CanaryRollout } from '../../constructs/azure';
import { AZURE_ML_METRICS } from '../fixtures/platform-metrics';
import workbookSchema from '../fixtures/schemas/azure-workbooks/workbook.json';
import { WEBHOOK_APP, endpoint } from './support/fixtures';
import { resourcesOf, synth } from './support/synth';
import { expectProblems } from '../support/expect-problems';

const ACTION_GROUP = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.Insights/actionGroups/oncall';

function workbookOf(tf: any): { resource: any; data: any } {
  const [resource] = Object.values(resourcesOf(tf, 'azurerm_application_insights_workbook')) as any[];
  return { resource, data: JSON.parse(resource.data_json) };
}

describe('Azure Monitor workbook', () => {
  test('valid against the published workbook schema; one step per neutral widget; every metric an Azure ML metric', () => {
    const { tf } = synth((s) => endpoint(s, { dashboard: true }));
    const { resource, data } = workbookOf(tf);
    // azurerm_application_insights_workbook: name is a UUID (provider docs: "Specifies the name of this Workbook as a UUID/GUID").
    expect(resource.name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    // microsoft/Application-Insights-Workbooks schema/workbook.json (test/fixtures/schemas/azure-workbooks).
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(workbookSchema);
    expect(validate(data) ? [] : validate.errors).toEqual([]);
    const expected = DASHBOARD_WIDGETS.filter((w) => w.when !== 'gpu' && w.serverMetrics.every((k) => k in SERVER_METRICS));
    expect(data.items.map((i: any) => i.name.replace(/-\d+$/, ''))).toEqual(expected.map((w) => w.id));
    let seen = 0;
    for (const item of data.items.filter((i: any) => i.type === 10)) {
      for (const m of item.content.metrics) {
        const ns = Object.keys(AZURE_ML_METRICS).find((n) => n.toLowerCase() === m.namespace)!;
        expect(ns).toBeDefined();
        const name = m.metric.slice(m.namespace.length + 2);
        expect(m.metric.startsWith(`${m.namespace}--`)).toBe(true);
        expect(AZURE_ML_METRICS[ns][name]).toBeDefined();
        if (m.splitBy) expect(AZURE_ML_METRICS[ns][name].dimensions).toContain(m.splitBy);
        // Deployment metrics read the deployment, endpoint metrics the endpoint (a Terraform reference to its ARM id).
        expect(item.content.resourceIds[0]).toMatch(ns.endsWith('/deployments') ? /^\$\{azapi_resource\.Endpoint_[0-9A-F]+\.id\}\/deployments\/[a-z0-9-]+$/ : /^\$\{azapi_resource\.Endpoint_[0-9A-F]+\.id\}$/);
        seen++;
      }
    }
    expect(seen).toBeGreaterThanOrEqual(7);
    const kql = data.items.find((i: any) => i.type === 3);
    expect(kql.content.query).toContain('AmlOnlineEndpointTrafficLog');
    expect(kql.content.query).toMatch(/where EndpointName == "digits-[0-9a-f]{8}"/);
    const cost = data.items.find((i: any) => i.name.startsWith('costPer1000Predictions'));
    expect(cost.content.json).toMatch(/no metric math/);
  });

  test('the schema check can fail', () => {
    const validate = new Ajv({ strict: false }).compile(workbookSchema);
    expect(validate({ version: 'Notebook/1.0', items: [{ type: 10, content: { metrics: 'CpuUtilizationPercentage' } }] })).toBe(false);
  });

  test('a rollout attached later: the deployment metrics read the rollout\'s deployment', () => {
    const { tf } = synth((s) => new CanaryRollout(s, 'Rollout', { webhookApplication: WEBHOOK_APP, endpoint: endpoint(s, { dashboard: true }), policy: RolloutPolicy.canary() }));
    const { data } = workbookOf(tf);
    const replicas = data.items.find((i: any) => i.name.startsWith('replicas'));
    expect(replicas.content.resourceIds[0]).toMatch(/\/deployments\/v1-0-0-[0-9a-f]{8}$/);
  });

  test('costPer1000PredictionsAbove is refused on Azure with the reason', () => {
    expectProblems(() => synth((s) => endpoint(s, { costPer1000PredictionsAbove: 0.05 })), /costPer1000PredictionsAbove.*no live cost per 1000 predictions.*npm run cost/s);
  });
});

describe('AlertRouting', () => {
  test('every alert rule in the stack (endpoint and rollout) notifies the action group named once', () => {
    const { tf } = synth((s) => {
      new AlertRouting(s, 'Alerts', { alertTarget: [ACTION_GROUP] });
      new CanaryRollout(s, 'Rollout', { webhookApplication: WEBHOOK_APP, endpoint: endpoint(s), policy: RolloutPolicy.canary() });
    });
    const rules = Object.values(resourcesOf(tf, 'azurerm_monitor_scheduled_query_rules_alert_v2'));
    expect(rules.length).toBeGreaterThanOrEqual(4);
    for (const r of rules) expect(r.action.action_groups).toContain(ACTION_GROUP);
  });

  test('an id that is not an action group is refused', () => {
    expectProblems(() => synth((s) => new AlertRouting(s, 'Alerts', { alertTarget: ['oncall@example.com'] })), /alertTarget.*oncall@example\.com.*actionGroups/);
  });
});
