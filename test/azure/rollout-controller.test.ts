import { AZURE_ML_TYPES } from '../../constructs/azure';
import { advance, decide, endpointPutBody, rollback, rollbackPending, rollbackResponse } from '../../constructs/azure/rollout-controller/controller';
import { ControllerConfig, parseControllerEnvironment, renderControllerEnvironment } from '../../constructs/azure/rollout-controller/environment';
import { azureTypes } from './support/synth';
import { Call, Handler, fakeArm } from './support/fake-arm';
import { restExample } from './support/rest-examples';

const EP = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/digits-1';
const config: ControllerConfig = {
  endpointId: EP,
  targetDeployment: 'v2-0-0',
  steps: [{ percent: 10, bakeSeconds: 600 }, { percent: 50, bakeSeconds: 600 }, { percent: 100, bakeSeconds: 300 }],
  alertRuleIds: [
    '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/scheduledQueryRules/digits-1-v2-0-0-rollback-error-rate',
    '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/scheduledQueryRules/digits-1-v2-0-0-rollback-latency-p95',
  ],
};
const ALERT = '/subscriptions/s/providers/Microsoft.AlertsManagement/alerts/66114d64-d9d9-478b-95c9-b789d6502100';
/** A common-schema alert as an action group posts it; only `alertId` is looked up, the rest is not trusted. */
const commonAlert = (alertId = ALERT, rule = 'digits-1-v2-0-0-rollback-latency-p95') => ({
  schemaId: 'azureMonitorCommonAlertSchema',
  data: {
    essentials: { alertId, alertRule: rule, monitorCondition: 'Fired' },
    alertContext: { condition: { allOf: [{ dimensions: [{ name: 'deployment', value: 'v2-0-0' }] }] } },
  },
});
/** Azure Monitor's record of alerts, by id: rule id and condition. */
type AlertRecords = Record<string, { rule: string; condition: string }>;
const firedOurs = (): AlertRecords => ({ [ALERT]: { rule: config.alertRuleIds[1], condition: 'Fired' } });
const NOW = new Date('2026-11-30T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

function endpoint(traffic: Record<string, number>, since: string, mirror: Record<string, number> = {}) {
  return {
    id: EP, name: 'digits-1', type: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints', location: 'westeurope',
    identity: { type: 'SystemAssigned', principalId: 'p', tenantId: 't' },
    tags: { 'model-name': 'digits' },
    systemData: { createdAt: minutesAgo(600), lastModifiedAt: since },
    properties: { authMode: 'AADToken', publicNetworkAccess: 'Enabled', description: 'digits', traffic, mirrorTraffic: mirror, provisioningState: 'Succeeded', scoringUri: 'https://x/score' },
  };
}
const deployments = (names: string[], tags: Record<string, Record<string, string>> = {}) => ({ value: names.map((name) => ({ name, ...(tags[name] ? { tags: tags[name] } : {}), properties: { provisioningState: 'Succeeded' } })) });

interface LiveState {
  traffic: Record<string, number>;
  mirror?: Record<string, number>;
  since: string;
  deployments: string[];
  tags?: Record<string, Record<string, string>>;
  alerts?: AlertRecords;
}

/**
 * ARM for one endpoint whose state the controller's PUTs, PATCHes and DELETEs change, as Azure would, and Azure
 * Monitor's alerts, answered in the shape of the published example (azure-rest-api-specs
 * specification/alertsmanagement/resource-manager/Microsoft.AlertsManagement/stable/2018-05-05/examples/Alerts_GetById.json)
 * with this case's id, rule and condition; an unknown alert is a 404.
 */
function liveArm(state: LiveState, ...before: Handler[]) {
  return fakeArm(...before, (c: Call) => {
    if (c.method === 'GET' && c.path.includes('/providers/Microsoft.AlertsManagement/alerts/')) {
      expect(c.apiVersion).toBe('2018-05-05');
      const record = state.alerts?.[c.path];
      if (!record) return { status: 404, body: { error: { code: 'ResourceNotFound', message: 'alert not found' } } };
      const body = restExample('alertsmanagement-2018-05-05-Alerts_GetById.json');
      body.id = c.path;
      body.properties.essentials.alertRule = record.rule;
      body.properties.essentials.monitorCondition = record.condition;
      return { status: 200, body };
    }
    if (c.method === 'GET' && c.path === EP) return { status: 200, body: endpoint(state.traffic, state.since, state.mirror) };
    if (c.method === 'GET' && c.path === `${EP}/deployments`) return { status: 200, body: deployments(state.deployments, state.tags) };
    if (c.method === 'PATCH' && c.path.startsWith(`${EP}/deployments/`)) {
      state.tags = { ...(state.tags ?? {}), [c.path.split('/').pop()!]: c.body.tags };
      return { status: 202, headers: { Location: 'https://management.azure.com/op/1' } };
    }
    if (c.method === 'PUT' && c.path === EP) {
      state.traffic = c.body.properties.traffic;
      state.mirror = c.body.properties.mirrorTraffic;
      state.since = NOW.toISOString();
      return { status: 201, body: endpoint(state.traffic, state.since), headers: { 'Azure-AsyncOperation': 'https://management.azure.com/op/1' } };
    }
    if (c.method === 'GET' && c.path === '/op/1') return { status: 200, body: { status: 'Succeeded' } };
    if (c.method === 'DELETE' && c.path.startsWith(`${EP}/deployments/`)) {
      const name = c.path.split('/').pop()!;
      if ((state.traffic[name] ?? 0) > 0) return { status: 400, body: { error: { code: 'BadRequest', message: 'deployment has traffic' } } };
      state.deployments = state.deployments.filter((d) => d !== name);
      return { status: 202, headers: { Location: 'https://management.azure.com/op/1' } };
    }
    return undefined;
  });
}

// The Functions log one JSON line per decision; keep test output readable.
beforeEach(() => { jest.spyOn(console, 'log').mockImplementation(() => undefined); });
afterEach(() => { jest.restoreAllMocks(); });

describe('rollout controller: decisions', () => {
  const view = (traffic: Record<string, number>, sinceMin: number, deps = ['main', 'v2-0-0'], mirror: Record<string, number> = {}) => ({
    traffic, mirror, since: new Date(minutesAgo(sinceMin)), provisioningState: 'Succeeded', deployments: Object.fromEntries(deps.map((d) => [d, 'Succeeded'])),
  });

  test('a new deployment starts at the first step with exact percentages', () => {
    expect(decide(config, view({ main: 100 }, 1), NOW)).toMatchObject({ kind: 'traffic', traffic: { main: 90, 'v2-0-0': 10 }, mirror: {} });
  });
  test('a step holds until its bake is over, then the next exact step', () => {
    expect(decide(config, view({ main: 90, 'v2-0-0': 10 }, 9), NOW)).toMatchObject({ kind: 'wait', reason: expect.stringMatching(/bakes 60 s more/) });
    expect(decide(config, view({ main: 90, 'v2-0-0': 10 }, 10), NOW)).toMatchObject({ kind: 'traffic', traffic: { main: 50, 'v2-0-0': 50 } });
    expect(decide(config, view({ main: 50, 'v2-0-0': 50 }, 10), NOW)).toMatchObject({ kind: 'traffic', traffic: { main: 0, 'v2-0-0': 100 } });
  });
  test('after the last step\'s bake the old deployment goes', () => {
    expect(decide(config, view({ main: 0, 'v2-0-0': 100 }, 4), NOW).kind).toBe('wait');
    expect(decide(config, view({ main: 0, 'v2-0-0': 100 }, 5), NOW)).toMatchObject({ kind: 'promote', remove: ['main'] });
  });
  test('a rolled-back target (0% in the map) stays rolled back', () => {
    expect(decide(config, view({ main: 100, 'v2-0-0': 0 }, 60), NOW)).toMatchObject({ kind: 'wait', reason: expect.stringMatching(/rolled back/) });
  });
  test('the mirror phase comes first when configured, then the first live step', () => {
    const mirrored = { ...config, mirror: { percent: 20, bakeSeconds: 1200 } };
    expect(decide(mirrored, view({ main: 100 }, 1), NOW)).toMatchObject({ kind: 'traffic', traffic: { main: 100 }, mirror: { 'v2-0-0': 20 } });
    expect(decide(mirrored, view({ main: 100 }, 10, undefined, { 'v2-0-0': 20 }), NOW).kind).toBe('wait');
    expect(decide(mirrored, view({ main: 100 }, 20, undefined, { 'v2-0-0': 20 }), NOW)).toMatchObject({ kind: 'traffic', traffic: { main: 90, 'v2-0-0': 10 }, mirror: {} });
  });
  test('a target still provisioning or changed by hand is left alone', () => {
    expect(decide(config, { ...view({ main: 100 }, 1), deployments: { main: 'Succeeded', 'v2-0-0': 'Updating' } }, NOW).kind).toBe('wait');
    expect(decide(config, view({ main: 70, 'v2-0-0': 30 }, 60), NOW)).toMatchObject({ kind: 'wait', reason: expect.stringMatching(/no step of this rollout/) });
  });
  test('the first deployment of an endpoint simply takes all traffic', () => {
    expect(decide(config, view({}, 1, ['v2-0-0']), NOW)).toMatchObject({ kind: 'traffic', traffic: { 'v2-0-0': 100 } });
  });
});

describe('rollout controller: HTTP at the boundary', () => {
  test('a promotion: traffic PUT to the target alone, then the old deployment deleted', async () => {
    const state = { traffic: { main: 0, 'v2-0-0': 100 }, since: minutesAgo(6), deployments: ['main', 'v2-0-0'] };
    const { arm, writes } = liveArm(state);
    const outcome = await advance(config, arm, NOW);
    expect(outcome).toMatchObject({ action: 'PROMOTE', removed: ['main'], traffic: { 'v2-0-0': 100 } });
    expect(writes().map((c) => `${c.method} ${c.path}`)).toEqual([`PUT ${EP}`, `DELETE ${EP}/deployments/main`]);
    expect(writes()[0].apiVersion).toBe('2025-06-01');
    expect(state.deployments).toEqual(['v2-0-0']);
  });

  test('a step: the PUT carries the endpoint as read, minus read-only fields, with the new traffic, and passes Azure\'s schema', async () => {
    const state = { traffic: { main: 90, 'v2-0-0': 10 }, since: minutesAgo(11), deployments: ['main', 'v2-0-0'] };
    const { arm, writes } = liveArm(state);
    await advance(config, arm, NOW);
    const put = writes()[0].body;
    expect(put.properties).toEqual({ authMode: 'AADToken', publicNetworkAccess: 'Enabled', description: 'digits', traffic: { main: 50, 'v2-0-0': 50 }, mirrorTraffic: {} });
    expect(put.identity).toEqual({ type: 'SystemAssigned' });
    expect(azureTypes().validate(AZURE_ML_TYPES.onlineEndpoint, { ...put, name: 'digits-1' })).toEqual([]);
  });

  test('a rollback: a confirmed alert on the target holds the rollout, then puts all traffic back on the stable deployment, once', async () => {
    const state: LiveState = { traffic: { main: 50, 'v2-0-0': 50 }, since: minutesAgo(1), deployments: ['main', 'v2-0-0'], alerts: firedOurs() };
    const { arm, writes } = liveArm(state);
    expect(await rollback(config, arm, commonAlert())).toMatchObject({ action: 'ROLLBACK', traffic: { main: 100, 'v2-0-0': 0 }, reason: expect.stringMatching(/confirmed by Azure Monitor/) });
    expect(state.traffic).toEqual({ main: 100, 'v2-0-0': 0 });
    expect(writes().map((c) => `${c.method} ${c.path.split('/').slice(-2).join('/')}`)).toEqual(['PATCH deployments/v2-0-0', 'PUT onlineEndpoints/digits-1']);
    expect(state.tags?.['v2-0-0']).toEqual({ 'rollout-hold': `rollback for ${ALERT}` });
    // The same alert again (action groups retry) changes nothing, and the next tick does not restart the rollout.
    expect(await rollback(config, arm, commonAlert())).toMatchObject({ action: 'ALREADY_ROLLED_BACK' });
    expect(await advance(config, arm, NOW)).toMatchObject({ action: 'WAIT' });
    expect(writes()).toHaveLength(2);
  });

  test('security review M1: a key holder\'s made-up alert moves no traffic (Azure Monitor is asked, not the body)', async () => {
    const state: LiveState = { traffic: { main: 50, 'v2-0-0': 50 }, since: minutesAgo(1), deployments: ['main', 'v2-0-0'], alerts: {
      ...firedOurs(),
      // A real alert of somebody else's rule: the example's own rule, untouched.
      '/subscriptions/s/providers/Microsoft.AlertsManagement/alerts/11111111-2222-3333-4444-555555555555': { rule: restExample('alertsmanagement-2018-05-05-Alerts_GetById.json').properties.essentials.alertRule, condition: 'Fired' },
      // Our rule, but Azure Monitor has it resolved.
      '/subscriptions/s/providers/Microsoft.AlertsManagement/alerts/99999999-2222-3333-4444-555555555555': { rule: config.alertRuleIds[0], condition: 'Resolved' },
    } };
    const { arm, writes, calls } = liveArm(state);
    const cases: [ReturnType<typeof commonAlert>, RegExp][] = [
      [commonAlert('/subscriptions/s/providers/Microsoft.AlertsManagement/alerts/00000000-0000-0000-0000-000000000000'), /Azure Monitor has no alert/],
      [commonAlert('/subscriptions/s/providers/Microsoft.AlertsManagement/alerts/11111111-2222-3333-4444-555555555555'), /not one of this rollout's/],
      [commonAlert('/subscriptions/s/providers/Microsoft.AlertsManagement/alerts/99999999-2222-3333-4444-555555555555'), /is Resolved/],
      [commonAlert('/subscriptions/other/providers/Microsoft.AlertsManagement/alerts/66114d64-d9d9-478b-95c9-b789d6502100'), /not an Azure Monitor alert of subscription s/],
      [commonAlert('https://attacker.example/x'), /not an Azure Monitor alert/],
      [{ ...commonAlert(), data: { ...commonAlert().data, essentials: { alertRule: 'anything-i-like', monitorCondition: 'Fired' } } } as never, /not an Azure Monitor alert/],
    ];
    for (const [body, reason] of cases) expect(await rollback(config, arm, body)).toMatchObject({ action: 'UNVERIFIED', reason: expect.stringMatching(reason) });
    expect(writes()).toEqual([]);
    expect(rollbackPending(config)).toBe(false);
    // Only the three alert ids of this subscription were looked up; nothing else was read.
    expect(calls.map((c) => c.method + ' ' + c.path.split('/').pop())).toEqual(['GET 00000000-0000-0000-0000-000000000000', 'GET 11111111-2222-3333-4444-555555555555', 'GET 99999999-2222-3333-4444-555555555555']);
    expect(state.traffic).toEqual({ main: 50, 'v2-0-0': 50 });
  });

  test('resolved alerts, other deployments\' alerts and other payloads are ignored without a call', async () => {
    const { arm, calls } = liveArm({ traffic: { main: 90, 'v2-0-0': 10 }, since: minutesAgo(1), deployments: ['main', 'v2-0-0'] });
    expect((await rollback(config, arm, { schemaId: 'azureMonitorCommonAlertSchema', data: { essentials: { alertRule: 'a', monitorCondition: 'Resolved' } } })).action).toBe('IGNORED');
    expect((await rollback(config, arm, { schemaId: 'azureMonitorCommonAlertSchema', data: { essentials: { alertRule: 'a', monitorCondition: 'Fired' }, alertContext: { condition: { allOf: [{ dimensions: [{ name: 'deployment', value: 'main' }] }] } } } })).action).toBe('IGNORED');
    expect((await rollback(config, arm, { schemaId: 'Microsoft.Insights/activityLogs' })).action).toBe('IGNORED');
    expect(calls).toEqual([]);
  });

  test('a failure that must be retried: throttling and a 503 are retried, then the PUT lands', async () => {
    const state = { traffic: { main: 100 }, since: minutesAgo(1), deployments: ['main', 'v2-0-0'] };
    let failures = 0;
    const { arm, calls } = liveArm(state, (c) => {
      if (c.method === 'PUT' && failures < 2) {
        failures++;
        return failures === 1
          ? { status: 429, headers: { 'Retry-After': '1' }, body: { error: { code: 'TooManyRequests', message: 'slow down' } } }
          : { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'try again' } } };
      }
      return undefined;
    });
    expect(await advance(config, arm, NOW)).toMatchObject({ action: 'SHIFT', traffic: { main: 90, 'v2-0-0': 10 } });
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(3);
    expect(state.traffic).toEqual({ main: 90, 'v2-0-0': 10 });
  });

  test('a failure that outlasts the retries surfaces, so the next tick (or the action group) tries again', async () => {
    const { arm } = fakeArm((c) => (c.method === 'GET' && c.path === EP ? { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'down' } } } : undefined));
    await expect(advance(config, arm, NOW)).rejects.toThrow(/503 ServiceUnavailable: down/);
  });
});

describe('rollout controller: autoscale follows the traffic (issue 17)', () => {
  const AS = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/autoscalesettings/digits-1-autoscale';
  const scaled: ControllerConfig = { ...config, autoscaleSettingId: AS };
  /**
   * Autoscale settings answered in the shape of the published example (azure-rest-api-specs
   * specification/monitor/resource-manager/Microsoft.Insights/stable/2022-10-01/examples/getAutoscaleSetting.json),
   * Terraform's one aimed at the target deployment.
   */
  function autoscaleArm(state: LiveState, settings: Record<string, unknown>) {
    const terraforms = restExample('monitor-2022-10-01-getAutoscaleSetting.json');
    const target = `${EP}/deployments/v2-0-0`;
    terraforms.id = AS;
    terraforms.properties.targetResourceUri = target;
    for (const p of terraforms.properties.profiles) for (const r of p.rules) r.metricTrigger.metricResourceUri = target;
    settings[AS] = terraforms;
    return liveArm(state, (c) => {
      if (!c.path.toLowerCase().includes('/autoscalesettings/')) return undefined;
      expect(c.apiVersion).toBe('2022-10-01');
      if (c.method === 'GET') return settings[c.path] ? { status: 200, body: settings[c.path] } : { status: 404, body: { error: { code: 'ResourceNotFound', message: 'no' } } };
      if (c.method === 'PUT') { settings[c.path] = { id: c.path, ...c.body }; return { status: 200, body: settings[c.path] }; }
      if (c.method === 'DELETE') { const had = c.path in settings; delete settings[c.path]; return { status: had ? 200 : 204 }; }
      return undefined;
    });
  }

  test('while both serve, the stable deployment scales by its own copy of the setting; promotion removes the copy', async () => {
    const state: LiveState = { traffic: { main: 100 }, since: minutesAgo(1), deployments: ['main', 'v2-0-0'] };
    const settings: Record<string, any> = {};
    const { arm, writes } = autoscaleArm(state, settings);
    expect(await advance(scaled, arm, NOW)).toMatchObject({ action: 'SHIFT', traffic: { main: 90, 'v2-0-0': 10 } });
    const copy = settings[`${AS}-main`];
    expect(copy.properties.targetResourceUri).toBe(`${EP}/deployments/main`);
    expect(JSON.stringify(copy.properties)).not.toContain('/deployments/v2-0-0');
    expect(copy.properties.name).toBe('digits-1-autoscale-main');
    expect(copy.properties.profiles.map((p: any) => p.capacity)).toEqual(settings[AS].properties.profiles.map((p: any) => p.capacity));
    // The copy exists before the traffic moves; the next steps do not write it again.
    expect(writes().map((c) => `${c.method} ${c.path.split('/').pop()}`)).toEqual(['PUT digits-1-autoscale-main', 'PUT digits-1']);
    state.since = minutesAgo(11);
    await advance(scaled, arm, NOW);
    expect(writes().filter((c) => c.path.includes('autoscalesettings'))).toHaveLength(1);
    // Promotion: the old deployment's copy goes with it; Terraform's own setting stays on the target.
    Object.assign(state, { traffic: { main: 0, 'v2-0-0': 100 }, since: minutesAgo(6) });
    expect(await advance(scaled, arm, NOW)).toMatchObject({ action: 'PROMOTE', removed: ['main'] });
    expect(Object.keys(settings)).toEqual([AS]);
  });

  test('the first deployment of an endpoint needs no copy', async () => {
    const settings: Record<string, any> = {};
    const { arm } = autoscaleArm({ traffic: {}, since: minutesAgo(1), deployments: ['v2-0-0'] }, settings);
    expect(await advance(scaled, arm, NOW)).toMatchObject({ action: 'SHIFT', traffic: { 'v2-0-0': 100 } });
    expect(Object.keys(settings)).toEqual([AS]);
  });
});

describe('rollout controller: failures the action group must retry', () => {
  const env = renderControllerEnvironment(config);
  const alert = commonAlert();
  const conflict = { status: 409, body: { error: { code: 'Conflict', message: 'another operation is in progress on the endpoint' } } };

  test('a failing rollback answers 503 (action groups drop a 500), and advance moves no traffic until it lands', async () => {
    // Step 1 (10%) has baked: without the pending rollback the next tick would go to 50%.
    const state: LiveState = { traffic: { main: 90, 'v2-0-0': 10 }, since: minutesAgo(11), deployments: ['main', 'v2-0-0'], alerts: firedOurs() };
    let busy = true;
    const { arm, writes } = liveArm(state, (c) => (c.method === 'PUT' && busy ? conflict : undefined));

    const failed = await rollbackResponse(env, arm, async () => alert);
    expect(failed.status).toBe(503);
    expect(failed.jsonBody).toEqual({ error: 'rollback failed; call again', code: '409 Conflict' });
    expect(JSON.stringify(failed.jsonBody)).not.toMatch(/token|secret|subscriptions/);
    expect(writes()).toHaveLength(4); // the hold tag, then the PUT: 409 is retried inside the call (3 attempts in tests)
    expect(rollbackPending(config)).toBe(true);

    busy = false;
    expect(await advance(config, arm, NOW)).toMatchObject({ action: 'WAIT', reason: expect.stringMatching(/rollback of v2-0-0 was requested and has not landed/) });
    expect(writes()).toHaveLength(4);
    expect(state.traffic).toEqual({ main: 90, 'v2-0-0': 10 });

    // The action group's retry lands the rollback; the 0% entry keeps the rollout stopped from then on.
    const landed = await rollbackResponse(env, arm, async () => alert);
    expect(landed).toMatchObject({ status: 200, jsonBody: { action: 'ROLLBACK', traffic: { main: 100, 'v2-0-0': 0 } } });
    expect(rollbackPending(config)).toBe(false);
    expect(await advance(config, arm, NOW)).toMatchObject({ action: 'WAIT', reason: expect.stringMatching(/was rolled back/) });
    expect(state.traffic).toEqual({ main: 100, 'v2-0-0': 0 });
  });

  test('the hold is persisted on the deployment: another instance (or this one after a restart) moves no traffic either', async () => {
    // Deployability review #12: the hold used to live only in one process's memory.
    const state: LiveState = { traffic: { main: 90, 'v2-0-0': 10 }, since: minutesAgo(11), deployments: ['main', 'v2-0-0'], alerts: firedOurs() };
    const { arm } = liveArm(state, (c) => (c.method === 'PUT' ? conflict : undefined));
    expect((await rollbackResponse(env, arm, async () => alert)).status).toBe(503);
    expect(state.tags?.['v2-0-0']?.['rollout-hold']).toBe(`rollback for ${ALERT}`);
    let fresh: typeof import('../../constructs/azure/rollout-controller/controller') | undefined;
    jest.isolateModules(() => { fresh = require('../../constructs/azure/rollout-controller/controller'); });
    expect(fresh!.rollbackPending(config)).toBe(false);
    const other = liveArm(state);
    expect(await fresh!.advance(config, other.arm, NOW)).toMatchObject({ action: 'WAIT', reason: expect.stringMatching(/rollout-hold: rollback for \/subscriptions\/s\//) });
    expect(other.writes()).toEqual([]);
    expect(state.traffic).toEqual({ main: 90, 'v2-0-0': 10 });
    // The other instance's retry of the rollback lands it.
    expect(await fresh!.rollback(config, other.arm, alert)).toMatchObject({ action: 'ROLLBACK', traffic: { main: 100, 'v2-0-0': 0 } });
    // The first instance sees the 0% entry on its next tick and drops its own in-memory hold.
    expect(await advance(config, other.arm, NOW)).toMatchObject({ action: 'WAIT', reason: expect.stringMatching(/was rolled back/) });
    expect(rollbackPending(config)).toBe(false);
  });

  test('ARM 409 (another operation in progress) is retried inside the call', async () => {
    const state = { traffic: { main: 100 }, since: minutesAgo(1), deployments: ['main', 'v2-0-0'] };
    let conflicts = 1;
    const { arm, writes } = liveArm(state, (c) => (c.method === 'PUT' && conflicts-- > 0 ? conflict : undefined));
    expect(await advance(config, arm, NOW)).toMatchObject({ action: 'SHIFT', traffic: { main: 90, 'v2-0-0': 10 } });
    expect(writes()).toHaveLength(2);
  });

  test('a body that is not JSON is a 400 (no retry helps); a missing setting is a 503', async () => {
    const { arm, calls } = liveArm({ traffic: { main: 100 }, since: minutesAgo(1), deployments: ['main'] });
    expect(await rollbackResponse(env, arm, async () => { throw new SyntaxError('Unexpected token'); })).toMatchObject({ status: 400 });
    expect(await rollbackResponse({}, arm, async () => alert)).toMatchObject({ status: 503, jsonBody: { error: 'rollback failed; call again' } });
    expect(calls).toEqual([]);
  });
});

describe('rollout controller configuration', () => {
  test('round-trips through the app settings the construct renders', () => {
    const mirrored = { ...config, mirror: { percent: 20, bakeSeconds: 600 } };
    expect(parseControllerEnvironment(renderControllerEnvironment(mirrored))).toEqual(mirrored);
    expect(() => parseControllerEnvironment({ ...renderControllerEnvironment(config), ROLLOUT_ALERT_RULE_IDS: '[]' })).toThrow(/ROLLOUT_ALERT_RULE_IDS: got "\[\]"; allowed: a JSON list of alert rule ARM ids, at least one/);
    const scaled = { ...config, autoscaleSettingId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/autoscalesettings/a' };
    expect(parseControllerEnvironment(renderControllerEnvironment(scaled))).toEqual(scaled);
    expect(() => parseControllerEnvironment({ ...renderControllerEnvironment(config), ROLLOUT_AUTOSCALE_ID: 'a' })).toThrow(/ROLLOUT_AUTOSCALE_ID: got "a"; allowed: empty, or an autoscale setting ARM id/);
  });
  test('names every bad setting at once', () => {
    expect(() => parseControllerEnvironment({ ROLLOUT_ENDPOINT_ID: 'x', ROLLOUT_TARGET_DEPLOYMENT: 'v2', ROLLOUT_STEPS: '[{"percent":10,"bakeSeconds":1}]', ROLLOUT_MIRROR: '{"percent":60,"bakeSeconds":1}' }))
      .toThrow(/ROLLOUT_ENDPOINT_ID: got "x"; allowed: an online endpoint ARM id\n  ROLLOUT_TARGET_DEPLOYMENT: got "v2"; allowed: a deployment name.*\n  ROLLOUT_STEPS: got .*; allowed: .*ending at 100\n  ROLLOUT_MIRROR: got .*; allowed: empty, or JSON \{percent \(1-50\), bakeSeconds\}\n  ROLLOUT_ALERT_RULE_IDS: got nothing/);
  });
  test('endpointPutBody drops read-only fields and keeps user-assigned identities as keys', () => {
    const body = endpointPutBody({
      location: 'w', identity: { type: 'UserAssigned', userAssignedIdentities: { '/id/1': { principalId: 'p', clientId: 'c' } } },
      properties: { authMode: 'Key', provisioningState: 'Succeeded', traffic: { a: 100 } },
    } as never, { a: 100 }, {});
    expect(body).toEqual({ location: 'w', identity: { type: 'UserAssigned', userAssignedIdentities: { '/id/1': {} } }, properties: { authMode: 'Key', traffic: { a: 100 }, mirrorTraffic: {} } });
  });
});

