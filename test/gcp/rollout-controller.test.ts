import { OpenAlert, decide, handle, parseEvent, readControllerConfig } from '../../constructs/gcp/rollout-controller/controller';
import { GoogleRest } from '../../constructs/gcp/rest/client';
import { apply } from '../../constructs/gcp/vertex-deployer/deployer';
import { RolloutState, deploymentIds } from '../../constructs/gcp/vertex/plan';
import { ENDPOINT_ID, LOCATION, PROJECT, plan } from './fixtures';
import { FakeGoogle } from './support/fake-google';

// The rollout's two alert policies, as Terraform names them (project id); the Alerts API names them by number.
const CONFIG = { stateBucket: 'acme-rollout', stateObject: `rollouts/${ENDPOINT_ID}.json`, alertPolicies: [`projects/${PROJECT}/alertPolicies/111`, `projects/${PROJECT}/alertPolicies/222`] };
const STABLE = '1000000001';
const CANARY = '1000000002';
const T0 = new Date('2026-11-30T08:00:00Z');

function pubsub(json: unknown) {
  return { data: { message: { data: Buffer.from(JSON.stringify(json)).toString('base64'), messageId: '1' } } };
}
const TICK = pubsub({ kind: 'tick' });
function incident(state: string, deployedModelId?: string) {
  return pubsub({
    version: '1.2',
    incident: {
      state,
      policy_name: 'fraud-classifier canary error rate',
      metric: { type: 'aiplatform.googleapis.com/prediction/online/error_count', labels: deployedModelId ? { deployed_model_id: deployedModelId } : {} },
      resource: { type: 'aiplatform.googleapis.com/Endpoint', labels: { endpoint_id: ENDPOINT_ID, location: LOCATION } },
    },
  });
}

function setup(split: Record<string, number> = { [CANARY]: 10, [STABLE]: 90 }): FakeGoogle {
  const fake = new FakeGoogle(PROJECT, LOCATION);
  fake.addEndpoint(ENDPOINT_ID, [fake.deployed(STABLE, 'fraud-v1'), fake.deployed(CANARY, 'fraud-v2')], split);
  const state: RolloutState = {
    project: PROJECT, location: LOCATION, endpointId: ENDPOINT_ID, canary: CANARY, stable: STABLE,
    steps: [{ trafficPercent: 10, bakeSeconds: 600 }, { trafficPercent: 50, bakeSeconds: 600 }, { trafficPercent: 100, bakeSeconds: 300 }],
    step: 0, stepStartedAt: T0.toISOString(), status: 'IN_PROGRESS', history: [],
  };
  fake.objects.set(`${CONFIG.stateBucket}/${CONFIG.stateObject}`, { data: JSON.stringify(state), generation: 1 });
  return fake;
}

function stored(fake: FakeGoogle): RolloutState & { settled?: boolean; pendingUndeploy?: string } {
  return JSON.parse(fake.objects.get(`${CONFIG.stateBucket}/${CONFIG.stateObject}`)!.data);
}

const minutes = (m: number) => new Date(T0.getTime() + m * 60_000);

describe('rollout controller', () => {
  test('a tick before the bake ends changes nothing', async () => {
    const fake = setup();
    const result = await handle(fake.rest(), CONFIG, parseEvent(TICK), minutes(5));
    expect(result.action).toBe('none');
    expect(fake.calls.filter((c) => c.method !== 'GET')).toEqual([]);
  });

  test('walks the steps with exact weights, then undeploys the old model after the final bake', async () => {
    const fake = setup();
    expect(await handle(fake.rest(), CONFIG, parseEvent(TICK), minutes(10))).toMatchObject({ action: 'advanced', trafficSplit: { [CANARY]: 50, [STABLE]: 50 } });
    expect(fake.endpoint(ENDPOINT_ID).trafficSplit).toEqual({ [CANARY]: 50, [STABLE]: 50 });
    expect(fake.callsMatching('PATCH', `endpoints/${ENDPOINT_ID}?updateMask=trafficSplit`)[0].body).toEqual({ trafficSplit: { [CANARY]: 50, [STABLE]: 50 } });

    expect(await handle(fake.rest(), CONFIG, parseEvent(TICK), minutes(20))).toMatchObject({ action: 'advanced', trafficSplit: { [CANARY]: 100 } });
    // The old model stays deployed, without traffic, through the final bake so a late alert can still roll back.
    expect(fake.endpoint(ENDPOINT_ID).deployedModels.map((d) => d.id).sort()).toEqual([STABLE, CANARY]);
    expect(fake.endpoint(ENDPOINT_ID).trafficSplit).toEqual({ [CANARY]: 100 });

    expect(await handle(fake.rest(), CONFIG, parseEvent(TICK), minutes(25))).toMatchObject({ action: 'completed', undeployed: STABLE });
    expect(fake.endpoint(ENDPOINT_ID).deployedModels.map((d) => d.id)).toEqual([CANARY]);
    expect(stored(fake)).toMatchObject({ status: 'COMPLETED', settled: true });
    expect(fake.protoErrors).toEqual([]);

    const calls = fake.calls.length;
    expect(await handle(fake.rest(), CONFIG, parseEvent(TICK), minutes(60))).toMatchObject({ action: 'none', status: 'COMPLETED' });
    expect(fake.calls.slice(calls).every((c) => c.url.startsWith('https://storage.googleapis.com'))).toBe(true);
  });

  test('an incident message with an open alert on the canary (confirmed by the Alerts API) rolls all traffic back and undeploys the canary', async () => {
    const fake = setup();
    fake.addAlert('111', ENDPOINT_ID, CANARY);
    const result = await handle(fake.rest(), CONFIG, parseEvent(incident('open', CANARY)), minutes(3));
    expect(result).toMatchObject({ action: 'rolled-back', trafficSplit: { [STABLE]: 100 }, undeployed: CANARY });
    expect(fake.endpoint(ENDPOINT_ID).trafficSplit).toEqual({ [STABLE]: 100 });
    expect(fake.endpoint(ENDPOINT_ID).deployedModels.map((d) => d.id)).toEqual([STABLE]);
    expect(fake.callsMatching('POST', ':undeployModel')[0].body).toEqual({ deployedModelId: CANARY, trafficSplit: { [STABLE]: 100 } });
    expect(fake.callsMatching('GET', `monitoring.googleapis.com/v3/projects/${PROJECT}/alerts?`)[0].url).toContain(`filter=${encodeURIComponent('state = "OPEN"').replace(/%20/g, '+')}`);
    expect(stored(fake).history.join('\n')).toMatch(/rolled back: policy 111 \(open alert projects\/731592846153\/alerts\/111-1\)/);
    expect(fake.protoErrors).toEqual([]);
    // A later tick leaves the rolled-back endpoint alone.
    expect(await handle(fake.rest(), CONFIG, parseEvent(TICK), minutes(30))).toMatchObject({ action: 'none', status: 'ROLLED_BACK' });
  });

  test('a forged incident message (no open alert at Cloud Monitoring) rolls nothing back', async () => {
    // security review M2: any project-level publisher can send {"incident":{"state":"open"}}.
    const fake = setup();
    for (const event of [incident('open', CANARY), incident('open'), pubsub({ incident: { state: 'open' } })]) {
      expect(await handle(fake.rest(), CONFIG, parseEvent(event), minutes(3))).toMatchObject({ action: 'none', status: 'IN_PROGRESS' });
    }
    expect(fake.calls.filter((c) => c.method !== 'GET')).toEqual([]);
    expect(fake.endpoint(ENDPOINT_ID).trafficSplit).toEqual({ [CANARY]: 10, [STABLE]: 90 });
  });

  test('an open alert found on a tick rolls back even if its notification never arrived, and holds the step', async () => {
    const fake = setup();
    fake.alertsPageSize = 1;
    fake.addAlert('999', ENDPOINT_ID, CANARY);            // another policy of the project: not this rollout's
    fake.addAlert('222', ENDPOINT_ID, CANARY, 'CLOSED');  // closed: filtered out by the API
    fake.addAlert('222', ENDPOINT_ID, CANARY);
    expect(await handle(fake.rest(), CONFIG, parseEvent(TICK), minutes(10))).toMatchObject({ action: 'rolled-back', undeployed: CANARY });
    expect(fake.callsMatching('GET', 'monitoring.googleapis.com').length).toBe(2); // paged
  });

  test('on rollback the split moves to the stable model before the canary\'s undeploy is requested', async () => {
    const fake = setup();
    fake.addAlert('111', ENDPOINT_ID, CANARY);
    fake.pollsPerOperation = 5;
    await handle(fake.rest(), CONFIG, parseEvent(incident('open', CANARY)), minutes(3));
    const writes = fake.calls.filter((c) => c.url.includes(`endpoints/${ENDPOINT_ID}`) && c.method !== 'GET');
    expect(writes.map((c) => [c.method, c.url.replace(/^.*endpoints\/\d+/, '')])).toEqual([['PATCH', '?updateMask=trafficSplit'], ['POST', ':undeployModel']]);
    expect(writes[0].body).toEqual({ trafficSplit: { [STABLE]: 100 } });
    expect(fake.calls.indexOf(writes[0])).toBeLessThan(fake.calls.indexOf(writes[1]));
    expect(fake.endpoint(ENDPOINT_ID).deployedModels.map((d) => d.id)).toEqual([STABLE]);
    expect(fake.protoErrors).toEqual([]);
  });

  test('an undeploy longer than the invocation\'s wait budget is left running and picked up by the next tick (never past the 540 s timeout)', async () => {
    const fake = setup();
    fake.addAlert('111', ENDPOINT_ID, CANARY);
    fake.pollsPerOperation = 10_000;
    let waitedMs = 0;
    const rest = new GoogleRest({ token: async () => 'test-token', fetch: fake.fetch, log: () => undefined, sleep: async (ms) => { waitedMs += ms; } });
    const first = await handle(rest, CONFIG, parseEvent(incident('open', CANARY)), minutes(3));
    expect(first).toMatchObject({ action: 'rolled-back', trafficSplit: { [STABLE]: 100 }, detail: expect.stringMatching(/still running; the next tick waits for it/) });
    expect(waitedMs).toBeLessThanOrEqual(450_000);
    expect(waitedMs).toBeLessThan(540_000);
    expect(stored(fake)).toMatchObject({ status: 'ROLLED_BACK', pendingUndeploy: expect.stringMatching(/operations\/\d+$/) });
    expect(stored(fake).settled).toBeUndefined();
    // Still running at the next tick: the recorded operation is polled, no second undeploy is requested.
    const pending = stored(fake).pendingUndeploy!;
    expect(await handle(rest, CONFIG, parseEvent(TICK), minutes(4))).toMatchObject({ detail: expect.stringMatching(/still running/) });
    expect(fake.callsMatching('GET', pending).length).toBeGreaterThan(0);
    expect(fake.callsMatching('POST', ':undeployModel')).toHaveLength(1);
    // Done by the tick after: the rollout settles.
    fake.pollsPerOperation = 1;
    expect(await handle(fake.rest(), CONFIG, parseEvent(TICK), minutes(5))).toMatchObject({ status: 'ROLLED_BACK' });
    expect(fake.endpoint(ENDPOINT_ID).deployedModels.map((d) => d.id)).toEqual([STABLE]);
    expect(fake.callsMatching('POST', ':undeployModel')).toHaveLength(1);
    expect(stored(fake)).toMatchObject({ status: 'ROLLED_BACK', settled: true });
    expect(stored(fake)).not.toHaveProperty('pendingUndeploy');
  });

  test('an open alert on the stable model or another endpoint does not roll back; one without a model label does', () => {
    const state = { project: PROJECT, location: LOCATION, endpointId: ENDPOINT_ID, canary: CANARY, stable: STABLE, steps: [{ trafficPercent: 10, bakeSeconds: 60 }, { trafficPercent: 100, bakeSeconds: 60 }], step: 0, stepStartedAt: T0.toISOString(), status: 'IN_PROGRESS' as const, history: [] };
    const alert = (a: Partial<OpenAlert>): OpenAlert[] => [{ name: 'projects/1/alerts/a', policy: 'p', endpointId: ENDPOINT_ID, ...a }];
    expect(decide(state, parseEvent(incident('open', CANARY)), minutes(1), [])).toBe(state);
    expect(decide(state, parseEvent(incident('open', CANARY)), minutes(1), alert({ deployedModelId: STABLE }))).toBe(state);
    expect(decide(state, parseEvent(incident('open', CANARY)), minutes(1), alert({ deployedModelId: CANARY, endpointId: '999' }))).toBe(state);
    expect(decide(state, parseEvent(incident('open')), minutes(1), alert({})).status).toBe('ROLLED_BACK');
    expect(decide(state, parseEvent(TICK), minutes(0.5), alert({ deployedModelId: CANARY })).status).toBe('ROLLED_BACK');
    // An alert opened before this canary started concerns an earlier deployment that had the same id.
    const restarted = { ...state, startedAt: minutes(60).toISOString(), stepStartedAt: minutes(60).toISOString() };
    expect(decide(restarted, parseEvent(TICK), minutes(60.5), alert({ deployedModelId: CANARY, openTime: minutes(50).toISOString() }))).toBe(restarted);
    expect(decide(restarted, parseEvent(TICK), minutes(60.5), alert({ deployedModelId: CANARY, openTime: minutes(60.2).toISOString() })).status).toBe('ROLLED_BACK');
  });

  test('a tick that lost the race to an alert does not move traffic', async () => {
    const fake = setup();
    // The alert's invocation wrote first: the tick's conditional write on generation 1 fails.
    let raced = false;
    const rest = new GoogleRest({
      token: async () => 'test-token',
      sleep: async () => undefined,
      log: () => undefined,
      fetch: async (url, init) => {
        if (!raced && init.method === 'POST' && url.includes('/upload/storage/')) {
          raced = true;
          fake.objects.set(`${CONFIG.stateBucket}/${CONFIG.stateObject}`, { data: JSON.stringify({ ...stored(fake), status: 'ROLLED_BACK' }), generation: 99 });
        }
        return fake.fetch(url, init);
      },
    });
    expect(await handle(rest, CONFIG, parseEvent(TICK), minutes(10))).toMatchObject({ action: 'superseded' });
    expect(fake.callsMatching('PATCH', 'endpoints/')).toEqual([]);
  });

  test('a split changed by hand during a step is put back on the next tick', async () => {
    const fake = setup({ [STABLE]: 100 });
    expect(await handle(fake.rest(), CONFIG, parseEvent(TICK), minutes(1))).toMatchObject({ action: 'reconciled', trafficSplit: { [CANARY]: 10, [STABLE]: 90 } });
  });

  test('messages that are neither ticks nor incidents are ignored; missing configuration is named', async () => {
    const fake = setup();
    expect(await handle(fake.rest(), CONFIG, parseEvent(pubsub({ hello: 1 })), minutes(30))).toMatchObject({ action: 'none' });
    expect(fake.calls).toEqual([]);
    expect(() => readControllerConfig({})).toThrow(/ROLLOUT_STATE_BUCKET: got nothing[\s\S]*ROLLOUT_STATE_OBJECT: got nothing[\s\S]*ROLLOUT_ALERT_POLICIES: got nothing/);
  });
});

describe('deployer and controller together', () => {
  test('the state the deployer writes when a canary starts is what the controller walks to completion', async () => {
    const fake = new FakeGoogle(PROJECT, LOCATION);
    fake.addEndpoint(ENDPOINT_ID);
    const rollout = { stateBucket: CONFIG.stateBucket, stateObject: CONFIG.stateObject, steps: [{ trafficPercent: 20, bakeSeconds: 300 }, { trafficPercent: 100, bakeSeconds: 120 }] };
    const v1 = plan({ rollout });
    const v2 = plan({ rollout }, { artifactUri: 'gs://acme-models/fraud-classifier/3.2.0/0123456789ab/' });
    await apply(fake.rest(), v1);
    const started = Date.now();
    await apply(fake.rest(), v2);
    const [stable, canary] = [v1, v2].map((p) => deploymentIds(p).deployedModelId);
    const at = (seconds: number) => new Date(started + seconds * 1000);
    expect(await handle(fake.rest(), CONFIG, parseEvent(TICK), at(60))).toMatchObject({ action: 'none' });
    expect(await handle(fake.rest(), CONFIG, parseEvent(TICK), at(301))).toMatchObject({ action: 'advanced', trafficSplit: { [canary]: 100 } });
    expect(await handle(fake.rest(), CONFIG, parseEvent(TICK), at(422))).toMatchObject({ action: 'completed', undeployed: stable });
    expect(fake.endpoint(ENDPOINT_ID).deployedModels.map((d) => d.id)).toEqual([canary]);
    expect(fake.protoErrors).toEqual([]);
  });
});
