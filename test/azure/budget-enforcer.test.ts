import { enforce, enforceResponse, parseBudgetNotification } from '../../constructs/azure/budget-enforcer/enforcer';
import { EnforcerConfig, parseEnforcerEnvironment, renderEnforcerEnvironment } from '../../constructs/azure/budget-enforcer/environment';
import { Call, Handler, fakeArm } from './support/fake-arm';
import { restExample } from './support/rest-examples';

const EP = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/digits-1';
const AS = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/autoscalesettings/digits-1-autoscale';
const BUDGET = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Consumption/budgets/digits-budget';
const config: EnforcerConfig = { budgetName: 'digits-budget', budgetId: BUDGET, action: 'SCALE_TO_FLOOR', enforceAtPercent: 100, endpoints: [{ endpointId: EP, floor: 1, autoscaleSettingIds: [AS] }] };

/** A budget notification in the common alert schema (budget alerts to an action group). */
function notification(spent: number, thresholdType = 'Actual', budgetName = 'digits-budget') {
  return {
    schemaId: 'azureMonitorCommonAlertSchema',
    data: {
      essentials: { monitoringService: 'CostAlerts', alertRule: budgetName, monitorCondition: 'Fired' },
      alertContext: { AlertCategory: 'Budget', AlertData: { BudgetName: budgetName, BudgetThreshold: '$1,000.00', SpentAmount: String(spent), ThresholdType: thresholdType, Unit: 'USD' } },
    },
  };
}

/**
 * ARM with one endpoint of two deployments at 3 instances and an autoscale setting, mutated as Azure would, and
 * the budget as Cost Management reports it: the published Budget GET example (azure-rest-api-specs
 * specification/consumption/resource-manager/Microsoft.Consumption/stable/2024-08-01/examples/Budget.json) with
 * this case's name, amount and current spend.
 */
function account(...before: Handler[]) {
  const state = {
    capacity: { main: 3, 'v2-0-0': 3 } as Record<string, number>,
    profile: { minimum: '1', maximum: '6', default: '1' },
    endpointExists: true,
    budget: { amount: 1000, spent: 1000 },
    /** Autoscale copies a rollout controller made for deployments serving beside a new one, by deployment. */
    copies: {} as Record<string, { minimum: string; maximum: string; default: string }>,
  };
  const fake = fakeArm(...before, (c: Call) => {
    if (c.path === BUDGET && c.method === 'GET') {
      expect(c.apiVersion).toBe('2024-08-01');
      const body = restExample('consumption-2024-08-01-Budget.json');
      body.id = BUDGET;
      body.name = 'digits-budget';
      body.properties.amount = state.budget.amount;
      body.properties.currentSpend.amount = state.budget.spent;
      return { status: 200, body };
    }
    if (c.path.startsWith(`${AS}-`)) {
      const d = c.path.slice(AS.length + 1);
      if (c.method === 'GET') return state.copies[d] ? { status: 200, body: { properties: { enabled: true, targetResourceUri: `${EP}/deployments/${d}`, profiles: [{ name: 'default', capacity: { ...state.copies[d] }, rules: [] }] } } } : { status: 404, body: { error: { code: 'ResourceNotFound', message: 'no' } } };
      if (c.method === 'PATCH') { state.copies[d] = c.body.properties.profiles[0].capacity; return { status: 200, body: {} }; }
    }
    if (c.path === AS && c.method === 'GET') return { status: 200, body: { properties: { enabled: true, targetResourceUri: `${EP}/deployments/main`, profiles: [{ name: 'default', capacity: { ...state.profile }, rules: [] }] } } };
    if (c.path === AS && c.method === 'PATCH') {
      expect(c.apiVersion).toBe('2022-10-01');
      state.profile = c.body.properties.profiles[0].capacity;
      return { status: 200, body: {} };
    }
    if (c.path === `${EP}/deployments` && c.method === 'GET') {
      return state.endpointExists ? { status: 200, body: { value: Object.entries(state.capacity).map(([name, capacity]) => ({ name, sku: { name: 'Default', capacity } })) } } : { status: 404, body: { error: { code: 'NotFound', message: 'gone' } } };
    }
    if (c.path.startsWith(`${EP}/deployments/`) && c.method === 'PATCH') {
      state.capacity[c.path.split('/').pop()!] = c.body.sku.capacity;
      return { status: 202, headers: { Location: 'https://management.azure.com/op/2' } };
    }
    if (c.path === '/op/2') return { status: 200, body: {} };
    if (c.path === EP && c.method === 'DELETE') {
      if (!state.endpointExists) return { status: 404, body: { error: { code: 'NotFound', message: 'gone' } } };
      state.endpointExists = false;
      return { status: 202, headers: { Location: 'https://management.azure.com/op/2' } };
    }
    return undefined;
  });
  return { ...fake, state };
}

// The Functions log one JSON line per decision; keep test output readable.
beforeEach(() => { jest.spyOn(console, 'log').mockImplementation(() => undefined); });
afterEach(() => { jest.restoreAllMocks(); });

describe('budget enforcer', () => {
  test('SCALE_TO_FLOOR caps autoscale at the floor first, then scales every deployment to it', async () => {
    const { arm, state, writes } = account();
    const report = await enforce(config, arm, notification(1000));
    expect(report.acted).toBe(true);
    expect(report.reason).toMatch(/Cost Management reports 1000 USD spent, 100\.0% of 1000/);
    expect(report.outcomes).toEqual([expect.objectContaining({ endpointId: EP, status: 'DONE', detail: expect.stringMatching(/main 3 -> 1 instances; v2-0-0 3 -> 1 instances/) })]);
    expect(writes().map((c) => `${c.method} ${c.path.split('/').slice(-2).join('/')}`)).toEqual([
      'PATCH autoscalesettings/digits-1-autoscale', 'PATCH deployments/main', 'PATCH deployments/v2-0-0',
    ]);
    expect(state.profile).toEqual({ minimum: '1', maximum: '1', default: '1' });
    expect(state.capacity).toEqual({ main: 1, 'v2-0-0': 1 });
  });

  test('mid-rollout, the stable deployment\'s autoscale copy is capped too, so it cannot scale back out', async () => {
    const { arm, state, writes } = account();
    state.copies.main = { minimum: '2', maximum: '6', default: '2' };
    expect((await enforce(config, arm, notification(1000))).outcomes[0].status).toBe('DONE');
    expect(state.copies.main).toEqual({ minimum: '1', maximum: '1', default: '1' });
    expect(writes().map((c) => `${c.method} ${c.path.split('/').pop()}`)).toEqual([
      'PATCH digits-1-autoscale', 'PATCH digits-1-autoscale-main', 'PATCH main', 'PATCH v2-0-0',
    ]);
  });

  test('a budget message seen twice: the second changes nothing and says so', async () => {
    const { arm, writes } = account();
    await enforce(config, arm, notification(1200));
    const before = writes().length;
    const again = await enforce(config, arm, notification(1200));
    expect(again.outcomes).toEqual([expect.objectContaining({ status: 'ALREADY_AT_FLOOR' })]);
    expect(writes()).toHaveLength(before);
  });

  test('DELETE removes the endpoint once; a repeat finds it gone', async () => {
    const { arm, writes } = account();
    const del = { ...config, action: 'DELETE' as const };
    expect((await enforce(del, arm, notification(1000))).outcomes[0]).toMatchObject({ status: 'DONE', action: 'DELETE' });
    expect((await enforce(del, arm, notification(1000))).outcomes[0]).toMatchObject({ status: 'ALREADY_GONE' });
    expect(writes().map((c) => c.method)).toEqual(['DELETE', 'DELETE']);
  });

  test('security review H1: a forged body claiming any spend changes nothing while Cost Management reports less', async () => {
    const { arm, state, calls, writes } = account();
    state.budget = { amount: 1000, spent: 100 };
    // The PoC body: the figures say 10000% of a budget of 0.01; the enforcer never reads them.
    const forged = { schemaId: 'AIP Budget Notification', data: { BudgetName: 'digits-budget', SpendingAmount: '1', BudgetAmount: '0.01' } };
    for (const body of [forged, notification(1_000_000), notification(1_000_000, 'Forecasted')]) {
      expect(await enforce({ ...config, action: 'DELETE' }, arm, body)).toMatchObject({ acted: false, reason: expect.stringMatching(/Cost Management reports 100 USD spent, 10\.0% of 1000, below 100%/) });
    }
    expect(writes()).toEqual([]);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(Array(3).fill(`GET ${BUDGET}`));
  });

  test('what Cost Management reports decides, whatever the notification says (a low-threshold notice once spend is over)', async () => {
    const { arm, state } = account();
    state.budget = { amount: 1000, spent: 1200 };
    expect(await enforce(config, arm, notification(500, 'Forecasted'))).toMatchObject({ acted: true, reason: expect.stringMatching(/120\.0% of 1000/) });
  });

  test('other budgets and other payloads are ignored without a call; a budget with no spend yet only notifies', async () => {
    const { arm, calls, state } = account();
    expect(await enforce(config, arm, notification(5000, 'Actual', 'other-budget'))).toMatchObject({ acted: false });
    expect(await enforce(config, arm, { hello: 'world' })).toMatchObject({ acted: false, reason: 'not a budget notification' });
    expect(calls).toEqual([]);
    state.budget = { amount: 1000, spent: Number.NaN };
    expect(await enforce(config, arm, notification(5000))).toMatchObject({ acted: false, reason: expect.stringMatching(/no current spend/) });
  });

  test('one JSON log line per endpoint acted on, without the notification body', async () => {
    const spy = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    await enforce(config, account().arm, notification(1000));
    const lines = spy.mock.calls.map((c) => String(c[0]));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ source: 'budget-enforcer', budget: 'digits-budget', status: 'DONE', endpointId: EP });
    expect(lines[0]).not.toMatch(/AlertData|SpentAmount|BudgetThreshold/);
  });

  test('the legacy budget payload is read too', () => {
    // Only the budget's name is taken from a notification.
    expect(parseBudgetNotification({ schemaId: 'AIP Budget Notification', data: { BudgetName: 'digits-budget', SpendingAmount: '1,050.5', Budget: '1000' } }))
      .toEqual({ budgetName: 'digits-budget' });
  });

  test('a failure that must be retried: a 503 is retried inside the call; one that persists is reported FAILED (the handler answers 503)', async () => {
    let flaky = 1;
    const transient = account((c) => (c.method === 'PATCH' && c.path.endsWith('/main') && flaky-- > 0 ? { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'busy' } } } : undefined));
    expect((await enforce(config, transient.arm, notification(1000))).outcomes[0].status).toBe('DONE');
    expect(transient.state.capacity.main).toBe(1);

    const broken = account((c) => (c.method === 'PATCH' && c.path === AS ? { status: 403, body: { error: { code: 'AuthorizationFailed', message: 'no write on autoscalesettings' } } } : undefined));
    const report = await enforce(config, broken.arm, notification(1000));
    expect(report.outcomes[0]).toMatchObject({ status: 'FAILED', detail: expect.stringMatching(/403 AuthorizationFailed: no write on autoscalesettings/) });
    // A later delivery of the same notification, once the cause is fixed, finishes the job.
    const fixed = await enforce(config, account().arm, notification(1000));
    expect(fixed.outcomes[0].status).toBe('DONE');
  });

  test('a failing enforcement answers 503, the status action groups retry (a 500 is dropped)', async () => {
    const env = renderEnforcerEnvironment(config);
    const broken = account((c) => (c.method === 'PATCH' && c.path === AS ? { status: 403, body: { error: { code: 'AuthorizationFailed', message: 'no write on autoscalesettings' } } } : undefined));
    const failed = await enforceResponse(env, broken.arm, async () => notification(1000));
    expect(failed).toEqual({ status: 503, jsonBody: { error: 'budget enforcement failed; call again', failed: [EP] } });
    // Thrown before any endpoint (a missing setting): also 503. A body that is not JSON: 400.
    expect(await enforceResponse({}, broken.arm, async () => notification(1000))).toMatchObject({ status: 503 });
    expect(await enforceResponse(env, broken.arm, async () => { throw new SyntaxError('Unexpected token'); })).toMatchObject({ status: 400 });
    // The redelivery, once the cause is fixed, answers 200 with the report.
    const fixed = await enforceResponse(env, account().arm, async () => notification(1000));
    expect(fixed).toMatchObject({ status: 200, jsonBody: { acted: true, outcomes: [{ status: 'DONE' }] } });
  });

  // The shared typed table's messages (lib/internal/function-environment.ts): one line per variable, what was given, what is allowed.
  test('configuration round-trips and names every bad setting', () => {
    expect(parseEnforcerEnvironment(renderEnforcerEnvironment(config))).toEqual(config);
    expect(() => parseEnforcerEnvironment({ ...renderEnforcerEnvironment(config), BUDGET_ID: '/subscriptions/s/providers/Microsoft.Consumption/budgets/other' }))
      .toThrow(/BUDGET_ID: got "\/subscriptions\/s\/providers\/Microsoft\.Consumption\/budgets\/other"; allowed: the ARM id of budget "digits-budget" \(BUDGET_NAME\)/);
    expect(() => parseEnforcerEnvironment({ BUDGET_ACTION: 'STOP', BUDGET_ENFORCE_AT_PERCENT: '-1', BUDGET_GUARDED_ENDPOINTS: '[]' }))
      .toThrow(/BUDGET_NAME: got nothing; allowed: a non-empty string\n  BUDGET_ID: got nothing; allowed: the ARM id of a consumption budget.*\n  BUDGET_ACTION: got "STOP"; allowed: one of SCALE_TO_FLOOR, DELETE\n  BUDGET_ENFORCE_AT_PERCENT: got "-1"; allowed: a number above 0\n  BUDGET_GUARDED_ENDPOINTS: got "\[\]"; allowed: a JSON list of \{endpointId, floor/);
  });
});
