import { AZURE_ML_TYPES } from '../../constructs/azure';
import { advance, decide, endpointPutBody, rollback, rollbackPending, rollbackResponse } from '../../constructs/azure/rollout-controller/controller';
import { ControllerConfig, parseControllerEnvironment, renderControllerEnvironment } from '../../constructs/azure/rollout-controller/environment';
import { azureTypes } from './support/synth';
import { Call, Handler, fakeArm } from './support/fake-arm';

const EP = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/digits-1';
const config: ControllerConfig = {
  endpointId: EP,
  targetDeployment: 'v2-0-0',
  steps: [{ percent: 10, bakeSeconds: 600 }, { percent: 50, bakeSeconds: 600 }, { percent: 100, bakeSeconds: 300 }],
};
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
const deployments = (...names: string[]) => ({ value: names.map((name) => ({ name, properties: { provisioningState: 'Succeeded' } })) });

/** ARM for one endpoint whose state the controller's PUTs and DELETEs change, as Azure would. */
function liveArm(state: { traffic: Record<string, number>; mirror?: Record<string, number>; since: string; deployments: string[] }, ...before: Handler[]) {
  return fakeArm(...before, (c: Call) => {
    if (c.method === 'GET' && c.path === EP) return { status: 200, body: endpoint(state.traffic, state.since, state.mirror) };
    if (c.method === 'GET' && c.path === `${EP}/deployments`) return { status: 200, body: deployments(...state.deployments) };
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

  test('a rollback: the alert on the target puts all traffic back on the stable deployment, once', async () => {
    const state = { traffic: { main: 50, 'v2-0-0': 50 }, since: minutesAgo(1), deployments: ['main', 'v2-0-0'] };
    const { arm, writes } = liveArm(state);
    const alert = {
      schemaId: 'azureMonitorCommonAlertSchema',
      data: {
        essentials: { alertRule: 'digits-1-v2-0-0-rollback-latency', monitorCondition: 'Fired' },
        alertContext: { condition: { allOf: [{ dimensions: [{ name: 'deployment', value: 'v2-0-0' }] }] } },
      },
    };
    expect(await rollback(config, arm, alert)).toMatchObject({ action: 'ROLLBACK', traffic: { main: 100, 'v2-0-0': 0 } });
    expect(state.traffic).toEqual({ main: 100, 'v2-0-0': 0 });
    // The same alert again (action groups retry) changes nothing, and the next tick does not restart the rollout.
    expect(await rollback(config, arm, alert)).toMatchObject({ action: 'ALREADY_ROLLED_BACK' });
    expect(await advance(config, arm, NOW)).toMatchObject({ action: 'WAIT' });
    expect(writes()).toHaveLength(1);
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

describe('rollout controller: failures the action group must retry', () => {
  const env = renderControllerEnvironment(config);
  const alert = {
    schemaId: 'azureMonitorCommonAlertSchema',
    data: {
      essentials: { alertRule: 'digits-1-v2-0-0-rollback-errors', monitorCondition: 'Fired' },
      alertContext: { condition: { allOf: [{ dimensions: [{ name: 'deployment', value: 'v2-0-0' }] }] } },
    },
  };
  const conflict = { status: 409, body: { error: { code: 'Conflict', message: 'another operation is in progress on the endpoint' } } };

  test('a failing rollback answers 503 (action groups drop a 500), and advance moves no traffic until it lands', async () => {
    // Step 1 (10%) has baked: without the pending rollback the next tick would go to 50%.
    const state = { traffic: { main: 90, 'v2-0-0': 10 }, since: minutesAgo(11), deployments: ['main', 'v2-0-0'] };
    let busy = true;
    const { arm, writes } = liveArm(state, (c) => (c.method === 'PUT' && busy ? conflict : undefined));

    const failed = await rollbackResponse(env, arm, async () => alert);
    expect(failed.status).toBe(503);
    expect(failed.jsonBody).toEqual({ error: 'rollback failed; call again', code: '409 Conflict' });
    expect(JSON.stringify(failed.jsonBody)).not.toMatch(/token|secret|subscriptions/);
    expect(writes()).toHaveLength(3); // 409 is retried inside the call (3 attempts in tests)
    expect(rollbackPending(config)).toBe(true);

    busy = false;
    expect(await advance(config, arm, NOW)).toMatchObject({ action: 'WAIT', reason: expect.stringMatching(/rollback of v2-0-0 was requested and has not landed/) });
    expect(writes()).toHaveLength(3);
    expect(state.traffic).toEqual({ main: 90, 'v2-0-0': 10 });

    // The action group's retry lands the rollback; the 0% entry keeps the rollout stopped from then on.
    const landed = await rollbackResponse(env, arm, async () => alert);
    expect(landed).toMatchObject({ status: 200, jsonBody: { action: 'ROLLBACK', traffic: { main: 100, 'v2-0-0': 0 } } });
    expect(rollbackPending(config)).toBe(false);
    expect(await advance(config, arm, NOW)).toMatchObject({ action: 'WAIT', reason: expect.stringMatching(/was rolled back/) });
    expect(state.traffic).toEqual({ main: 100, 'v2-0-0': 0 });
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
  });
  test('names every bad setting at once', () => {
    expect(() => parseControllerEnvironment({ ROLLOUT_ENDPOINT_ID: 'x', ROLLOUT_TARGET_DEPLOYMENT: 'v2', ROLLOUT_STEPS: '[{"percent":10,"bakeSeconds":1}]', ROLLOUT_MIRROR: '{"percent":60,"bakeSeconds":1}' }))
      .toThrow(/ROLLOUT_ENDPOINT_ID must be .*; ROLLOUT_TARGET_DEPLOYMENT must be .*; ROLLOUT_STEPS must be .*ending at 100.*; ROLLOUT_MIRROR must be empty or JSON \{percent \(1-50\)/);
  });
  test('endpointPutBody drops read-only fields and keeps user-assigned identities as keys', () => {
    const body = endpointPutBody({
      location: 'w', identity: { type: 'UserAssigned', userAssignedIdentities: { '/id/1': { principalId: 'p', clientId: 'c' } } },
      properties: { authMode: 'Key', provisioningState: 'Succeeded', traffic: { a: 100 } },
    } as never, { a: 100 }, {});
    expect(body).toEqual({ location: 'w', identity: { type: 'UserAssigned', userAssignedIdentities: { '/id/1': {} } }, properties: { authMode: 'Key', traffic: { a: 100 }, mirrorTraffic: {} } });
  });
});

