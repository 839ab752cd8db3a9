import { enforce, FUNCTION_TIMEOUT_MS, OPERATION_WAIT_BUDGET_MS, STALE_CLAIM_MS } from '../../constructs/gcp/budget-enforcer/enforcer';
import { GcpEnforcerConfig } from '../../constructs/gcp/budget-enforcer/environment';
import { decodeMessage } from '../../constructs/gcp/rest/pubsub';
import { ENDPOINT_ID, LOCATION, PROJECT } from './fixtures';
import { FakeGoogle } from './support/fake-google';

const OTHER_ENDPOINT = '5550001111';
const CONFIG: GcpEnforcerConfig = {
  budgetDisplayName: 'fraud-classifier-vertex',
  budgetName: 'billingAccounts/01D4EE-079462-DFD6EC/budgets/de72f49d',
  action: 'SCALE_TO_FLOOR',
  enforceAtPercent: 100,
  endpoints: [
    { project: PROJECT, location: LOCATION, endpointId: ENDPOINT_ID, floor: 1 },
    { project: PROJECT, location: LOCATION, endpointId: OTHER_ENDPOINT, floor: 2 },
  ],
  markerBucket: 'acme-budget-markers',
  reportTopic: `projects/${PROJECT}/topics/fraud-budget-reports`,
};

// Cloud Billing programmatic notifications ("Set up programmatic notifications", Notification format,
// https://cloud.google.com/billing/docs/how-to/budgets-programmatic-notifications): attributes
// billingAccountId, budgetId, schemaVersion; data budgetDisplayName, alertThresholdExceeded, costAmount,
// costIntervalStart, budgetAmount, budgetAmountType, currencyCode.
function budgetMessage(costAmount: number, overrides: Record<string, unknown> = {}, attributes: Record<string, string> = {}) {
  const data = {
    budgetDisplayName: 'fraud-classifier-vertex',
    alertThresholdExceeded: 1.0,
    costAmount,
    costIntervalStart: '2026-11-01T07:00:00Z',
    budgetAmount: 2000,
    budgetAmountType: 'SPECIFIED_AMOUNT',
    currencyCode: 'USD',
    ...overrides,
  };
  return decodeMessage({ data: { message: { data: Buffer.from(JSON.stringify(data)).toString('base64'), attributes: { billingAccountId: '01D4EE-079462-DFD6EC', budgetId: 'de72f49d', schemaVersion: '1.0', ...attributes }, messageId: String(Math.random()) } } });
}

function setup(): FakeGoogle {
  const fake = new FakeGoogle(PROJECT, LOCATION);
  fake.addEndpoint(ENDPOINT_ID, [fake.deployed('1000000001', 'fraud-v1', 2, 10), fake.deployed('1000000002', 'fraud-v2', 2, 10)], { '1000000001': 90, '1000000002': 10 });
  fake.addEndpoint(OTHER_ENDPOINT, [fake.deployed('1000000003', 'fraud-eu', 3, 6)], { '1000000003': 100 });
  return fake;
}

// Only Date is faked: "now" is inside the November 2026 budget period the messages report.
beforeEach(() => jest.useFakeTimers({ now: new Date('2026-11-20T12:00:00Z'), doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] }));
afterEach(() => jest.useRealTimers());

describe('budget enforcer', () => {
  test('over budget: every deployed model of every guarded endpoint is pinned at its floor, and a report is published', async () => {
    const fake = setup();
    const result = await enforce(fake.rest(), CONFIG, budgetMessage(2010.5));
    expect(result.acted).toBe(true);
    expect(result.outcomes.map((o) => [o.deployedModelId, o.status])).toEqual([['1000000001', 'DONE'], ['1000000002', 'DONE'], ['1000000003', 'DONE']]);
    const bounds = (id: string) => [...fake.endpoints.values()].flatMap((e) => e.deployedModels).find((d) => d.id === id)!.dedicatedResources;
    expect(bounds('1000000001')).toMatchObject({ minReplicaCount: 1, maxReplicaCount: 1, machineSpec: { machineType: 'n1-standard-4' } });
    expect(bounds('1000000003')).toMatchObject({ minReplicaCount: 2, maxReplicaCount: 2 });
    expect(fake.callsMatching('POST', ':mutateDeployedModel')[0].body).toEqual({
      deployedModel: { id: '1000000001', model: `projects/${PROJECT}/locations/${LOCATION}/models/fraud-v1`, dedicatedResources: { machineSpec: { machineType: 'n1-standard-4' }, minReplicaCount: 1, maxReplicaCount: 1 } },
      updateMask: 'dedicatedResources.minReplicaCount,dedicatedResources.maxReplicaCount',
    });
    expect(fake.protoErrors).toEqual([]);
    expect(fake.published).toHaveLength(1);
    expect(fake.published[0]).toMatchObject({ topic: CONFIG.reportTopic, attributes: { source: 'budget-enforcer', outcome: 'DONE' }, data: { action: 'SCALE_TO_FLOOR', costAmount: 2010.5 } });
  });

  test('the same budget message seen twice acts once', async () => {
    const fake = setup();
    await enforce(fake.rest(), CONFIG, budgetMessage(2010.5));
    const mutations = fake.callsMatching('POST', ':mutateDeployedModel').length;
    const second = await enforce(fake.rest(), CONFIG, budgetMessage(2100));
    expect(second).toMatchObject({ acted: false, reason: expect.stringMatching(/already enforced for the period starting 2026-11-01T07:00:00Z \(DONE/) });
    expect(fake.callsMatching('POST', ':mutateDeployedModel')).toHaveLength(mutations);
    expect(fake.published).toHaveLength(1);
    // A new budget period enforces again.
    jest.setSystemTime(new Date('2026-12-02T00:00:00Z'));
    expect((await enforce(fake.rest(), CONFIG, budgetMessage(2100, { costIntervalStart: '2026-12-01T08:00:00Z' }))).acted).toBe(true);
  });

  test('a message that does not name this budget, or names a period that is not the current one, acts on nothing (no marker bypass)', async () => {
    // security review M2: a forged costIntervalStart used to open a fresh marker and enforce again.
    const fake = setup();
    expect(await enforce(fake.rest(), CONFIG, budgetMessage(5000, {}, { budgetId: 'other' }))).toMatchObject({ acted: false, reason: expect.stringMatching(/budgetId=other do not name billingAccounts\/01D4EE-079462-DFD6EC\/budgets\/de72f49d/) });
    expect(await enforce(fake.rest(), CONFIG, budgetMessage(5000, {}, { billingAccountId: '000000-000000-000000' }))).toMatchObject({ acted: false });
    const noAttributes = decodeMessage({ data: { message: { data: Buffer.from(JSON.stringify({ budgetDisplayName: 'fraud-classifier-vertex', costAmount: 5000, budgetAmount: 2000, costIntervalStart: '2026-11-01T07:00:00Z' })).toString('base64') } } });
    expect(await enforce(fake.rest(), CONFIG, noAttributes)).toMatchObject({ acted: false, reason: expect.stringMatching(/billingAccountId=\(none\)/) });
    for (const costIntervalStart of ['2026-12-01T08:00:00Z', '2026-10-01T07:00:00Z', 'yesterday']) {
      expect(await enforce(fake.rest(), CONFIG, budgetMessage(5000, { costIntervalStart }))).toMatchObject({ acted: false, reason: expect.stringMatching(/is not the start of the current budget period/) });
    }
    expect(fake.calls.filter((c) => c.method !== 'GET')).toEqual([]);
    // The marker is keyed on the configured budget, whatever the message says.
    await enforce(fake.rest(), CONFIG, budgetMessage(2100));
    expect([...fake.objects.keys()]).toEqual([`${CONFIG.markerBucket}/budget-enforcer/de72f49d/2026-11-01T07_00_00Z.json`]);
  });

  test('DELETE undeploys every model, the one without most traffic first and the last with an empty split', async () => {
    const fake = setup();
    const result = await enforce(fake.rest(), { ...CONFIG, action: 'DELETE' }, budgetMessage(2500));
    expect(result.outcomes.map((o) => o.deployedModelId)).toEqual(['1000000002', '1000000001', '1000000003']);
    expect(fake.callsMatching('POST', ':undeployModel').map((c) => c.body)).toEqual([
      { deployedModelId: '1000000002', trafficSplit: { '1000000001': 100 } },
      { deployedModelId: '1000000001', trafficSplit: {} },
      { deployedModelId: '1000000003', trafficSplit: {} },
    ]);
    expect([...fake.endpoints.values()].every((e) => e.deployedModels.length === 0)).toBe(true);
    expect(fake.published[0].data).toMatchObject({ restore: expect.stringMatching(/terraform apply -replace=/) });
    expect(fake.protoErrors).toEqual([]);
  });

  test('below the enforcement percent, or another budget, or not a budget message: nothing happens', async () => {
    const fake = setup();
    expect(await enforce(fake.rest(), CONFIG, budgetMessage(1999.99))).toMatchObject({ acted: false, reason: 'cost 1999.99 USD is below 2000 (100% of 2000)' });
    expect(await enforce(fake.rest(), CONFIG, budgetMessage(5000, { budgetDisplayName: 'someone-else' }))).toMatchObject({ acted: false });
    expect(await enforce(fake.rest(), CONFIG, decodeMessage({ data: { message: { data: Buffer.from('{"kind":"tick"}').toString('base64') } } }))).toMatchObject({ acted: false, reason: 'not a budget notification' });
    expect(fake.calls.filter((c) => c.method !== 'GET')).toEqual([]);
  });

  test('a failed action reports, throws for redelivery, and the redelivery acts again', async () => {
    const fake = setup();
    fake.failingOperations.set('mutate', 'RESOURCE_EXHAUSTED');
    await expect(enforce(fake.rest(), CONFIG, budgetMessage(2100))).rejects.toThrow(/budget enforcement failed for 4827163540, 5550001111; Pub\/Sub redelivers/);
    expect(fake.published[0].attributes).toMatchObject({ outcome: 'FAILED' });
    fake.failingOperations.clear();
    const retry = await enforce(fake.rest(), CONFIG, budgetMessage(2100));
    expect(retry.acted).toBe(true);
    expect(retry.outcomes.every((o) => o.status === 'DONE')).toBe(true);
  });

  test('a model already at its floor is left as it is', async () => {
    const fake = new FakeGoogle(PROJECT, LOCATION);
    fake.addEndpoint(ENDPOINT_ID, [fake.deployed('1000000001', 'fraud-v1', 1, 1)], { '1000000001': 100 });
    const result = await enforce(fake.rest(), { ...CONFIG, endpoints: [CONFIG.endpoints[0], { ...CONFIG.endpoints[1], endpointId: '123' }] }, budgetMessage(2100));
    expect(result.outcomes.map((o) => o.status)).toEqual(['ALREADY', 'GONE']);
    expect(fake.callsMatching('POST', ':mutateDeployedModel')).toEqual([]);
  });

  const MARKER = `${CONFIG.markerBucket}/budget-enforcer/de72f49d/2026-11-01T07_00_00Z.json`;
  const putMarker = (fake: FakeGoogle, value: Record<string, unknown>) => fake.objects.set(MARKER, { data: JSON.stringify(value), generation: 7 });
  const marker = (fake: FakeGoogle) => JSON.parse(fake.objects.get(MARKER)!.data) as { status: string; at: string };

  test('the wait budget fits the function timeout, and a claim turns stale only after the function must have ended', () => {
    expect(OPERATION_WAIT_BUDGET_MS).toBeLessThan(FUNCTION_TIMEOUT_MS);
    expect(STALE_CLAIM_MS).toBeGreaterThan(FUNCTION_TIMEOUT_MS);
  });

  test('an IN_PROGRESS marker older than the stale bound (a killed run) is re-claimed and enforcement runs', async () => {
    const fake = setup();
    putMarker(fake, { status: 'IN_PROGRESS', at: new Date(Date.now() - STALE_CLAIM_MS - 60_000).toISOString() });
    const result = await enforce(fake.rest(), CONFIG, budgetMessage(2100));
    expect(result.acted).toBe(true);
    expect(result.outcomes.map((o) => [o.deployedModelId, o.status])).toEqual([['1000000001', 'DONE'], ['1000000002', 'DONE'], ['1000000003', 'DONE']]);
    // Re-claimed with the generation precondition of the stale marker.
    expect(fake.callsMatching('POST', 'ifGenerationMatch=7')).toHaveLength(1);
    expect(marker(fake).status).toBe('DONE');
    expect(fake.published[0].attributes).toMatchObject({ outcome: 'DONE' });
  });

  test('a fresh IN_PROGRESS marker (a run still going) is a duplicate', async () => {
    const fake = setup();
    const at = new Date(Date.now() - 60_000).toISOString();
    putMarker(fake, { status: 'IN_PROGRESS', at });
    expect(await enforce(fake.rest(), CONFIG, budgetMessage(2100))).toMatchObject({ acted: false, reason: expect.stringMatching(/already enforced .*\(IN_PROGRESS at /) });
    expect(fake.callsMatching('POST', ':mutateDeployedModel')).toEqual([]);
    expect(marker(fake)).toEqual({ status: 'IN_PROGRESS', at });
  });

  test('operations outlasting the wait budget leave the marker IN_PROGRESS; once stale, a later message re-checks and finishes', async () => {
    const fake = setup();
    fake.pollsPerOperation = 1000;
    await expect(enforce(fake.rest(), CONFIG, budgetMessage(2100))).rejects.toThrow(/budget enforcement still running for 4827163540, 5550001111/);
    const left = marker(fake);
    expect(left.status).toBe('IN_PROGRESS');
    expect(fake.published[0].attributes).toMatchObject({ outcome: 'RUNNING' });
    // A redelivery while the claim is fresh does nothing.
    expect((await enforce(fake.rest(), CONFIG, budgetMessage(2100))).acted).toBe(false);
    // Later: the claim is stale; the operations have finished meanwhile or finish now.
    fake.pollsPerOperation = 3;
    putMarker(fake, { ...left, at: new Date(Date.now() - STALE_CLAIM_MS - 1000).toISOString() });
    const retry = await enforce(fake.rest(), CONFIG, budgetMessage(2100));
    expect(retry.acted).toBe(true);
    expect(retry.outcomes.every((o) => o.status === 'DONE' || o.status === 'ALREADY')).toBe(true);
    expect(marker(fake).status).toBe('DONE');
    const bounds = (id: string) => [...fake.endpoints.values()].flatMap((e) => e.deployedModels).find((d) => d.id === id)!.dedicatedResources;
    expect(bounds('1000000001')).toMatchObject({ minReplicaCount: 1, maxReplicaCount: 1 });
    expect(bounds('1000000003')).toMatchObject({ minReplicaCount: 2, maxReplicaCount: 2 });
  });
});
