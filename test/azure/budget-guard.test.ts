import { BudgetAction, Duration, RolloutPolicy } from '../../lib';
import { BudgetGuard, BudgetScope, CanaryRollout, ENFORCER_ACTIONS, parseEnforcerEnvironment } from '../../constructs/azure';
import { WEBHOOK_APP, endpoint } from './support/fixtures';
import { only, resourcesOf, synth } from './support/synth';
import { synthScopeValidated } from '../support/cdktf-scope';
import { expectNoProblems, expectProblems } from '../support/expect-problems';

type Json = Record<string, any>;

// The start-date rule reads the synth-time clock (Azure compares with the current month): pinned, so this file's
// fixed dates and its snapshot mean the same thing in every month.
jest.spyOn(Date, 'now').mockReturnValue(Date.parse('2026-12-06T12:00:00Z'));

describe('BudgetGuard', () => {
  const { tf } = synth((s) => new BudgetGuard(s, 'Budget', { webhookApplication: WEBHOOK_APP,
    endpoints: [endpoint(s)],
    budget: { monthlyLimitUsd: 1500, alertThresholdsPercent: [50, 80], emails: ['oncall@example.com'] },
    startDate: '2026-12-01',
  }));
  const budget = only(tf, 'azurerm_consumption_budget_resource_group') as Json;

  test('snapshot of the default', () => {
    expect(tf).toMatchSnapshot();
  });

  test('a monthly budget on the resource group, filtered by Azure ML\'s endpoint cost tag, from a fixed start date', () => {
    expect(budget).toMatchObject({ amount: 1500, time_grain: 'Monthly', time_period: { start_date: '2026-12-01T00:00:00Z' } });
    expect(budget.filter.tag).toEqual([{ name: 'azuremlendpoint', operator: 'In', values: [expect.stringMatching(/^digits-[0-9a-f]{8}$/)] }]);
    expect(budget.resource_group_id).toMatch(/^\/subscriptions\/\$\{data\.azurerm_client_config\.[^.]+\.subscription_id\}\/resourceGroups\/rg-ml$/);
  });

  test('actual thresholds (the enforcement one included) and a forecast, all to the action group', () => {
    expect(budget.notification.map((n: Json) => [n.threshold_type, n.threshold])).toEqual([['Actual', 50], ['Actual', 80], ['Actual', 100], ['Forecasted', 100]]);
    for (const n of budget.notification) expect(n.contact_groups[0]).toMatch(/azurerm_monitor_action_group/);
    const group = only(tf, 'azurerm_monitor_action_group') as Json;
    expect(group.email_receiver).toEqual([{ name: 'email-0', email_address: 'oncall@example.com', use_common_alert_schema: true }]);
    // A secure webhook (Microsoft's action-groups docs, "Configure authentication for Secure webhook"): no key.
    expect(group.azure_function_receiver).toBeUndefined();
    expect(group.webhook_receiver).toEqual([{
      name: 'budget-enforcer',
      service_uri: expect.stringMatching(/^https:\/\/\$\{azurerm_linux_function_app\.Budget_Enforcer_[0-9A-F]+\.default_hostname\}\/api\/enforce$/),
      use_common_alert_schema: true,
      aad_auth: { object_id: WEBHOOK_APP.objectId, identifier_uri: WEBHOOK_APP.identifierUri, tenant_id: expect.stringMatching(/tenant_id\}$/) },
    }]);
    expect(JSON.stringify(tf)).not.toMatch(/\?code=|function_app_host_keys/);
  });

  test('the enforcer knows the guarded endpoint, its floor and its autoscale setting', () => {
    const app = only(tf, 'azurerm_linux_function_app') as Json;
    const cfg = parseEnforcerEnvironment(app.app_settings);
    expect(cfg).toMatchObject({ action: 'SCALE_TO_FLOOR', enforceAtPercent: 100, budgetName: expect.stringMatching(/-budget$/) });
    expect(cfg.endpoints).toEqual([{ endpointId: expect.stringMatching(/^\$\{azapi_resource\./), floor: 1, autoscaleSettingIds: [expect.stringMatching(/^\$\{azurerm_monitor_autoscale_setting\./)] }]);
    // The budget it reads its spend from (security review H1): this guard's own, at the resource group.
    expect(cfg.budgetId).toMatch(/^\/subscriptions\/\$\{data\.azurerm_client_config\.[^.]+\.subscription_id\}\/resourceGroups\/rg-ml\/providers\/Microsoft\.Consumption\/budgets\/[^/]+-budget$/);
    expect(cfg.budgetId.endsWith(`/${(only(tf, 'azurerm_consumption_budget_resource_group') as Json).name}`)).toBe(true);
  });

  test('the enforcer\'s identity may act on the guarded endpoint and its autoscale setting only', () => {
    const roles = Object.entries(resourcesOf(tf, 'azurerm_role_definition'));
    expect(roles).toHaveLength(2);
    const [actName, act] = roles.find(([k]) => /Enforcer_Role_/.test(k))!;
    expect(act.permissions).toEqual([{ actions: ENFORCER_ACTIONS[BudgetAction.SCALE_TO_FLOOR] }]);
    const scopesOf = (role: string) => Object.values(resourcesOf(tf, 'azurerm_role_assignment')).filter((g) => String(g.role_definition_id).includes(`azurerm_role_definition.${role}.`)).map((g) => g.scope);
    expect(scopesOf(actName)).toEqual([expect.stringMatching(/^\$\{azapi_resource\.[^.]+\.id\}$/), expect.stringMatching(/^\$\{azurerm_monitor_autoscale_setting\.[^.]+\.id\}$/)]);
    // Reading the budget's spend is its own role, only that read, at the budget's resource group.
    const [readName, read] = roles.find(([k]) => /Enforcer_Role1_/.test(k))!;
    expect(read.permissions).toEqual([{ actions: ['Microsoft.Consumption/budgets/read'] }]);
    expect(scopesOf(readName)).toEqual([expect.stringMatching(/\/resourceGroups\/rg-ml$/)]);
  });
});

describe('BudgetGuard options', () => {
  test('NOTIFY: no enforcer, no function receiver', () => {
    const { tf } = synth((s) => new BudgetGuard(s, 'B', { webhookApplication: WEBHOOK_APP, endpoints: [endpoint(s)], budget: { monthlyLimitUsd: 100, action: BudgetAction.NOTIFY, emails: ['a@example.com'] }, startDate: '2027-01-01' }));
    expect(resourcesOf(tf, 'azurerm_linux_function_app')).toEqual({});
    expect((only(tf, 'azurerm_monitor_action_group') as Json).azure_function_receiver).toBeUndefined();
    expect((only(tf, 'azurerm_consumption_budget_resource_group') as Json).notification.map((n: Json) => n.threshold)).toEqual([50, 80, 100, 100]);
  });

  test('DELETE: delete actions only; a subscription scope', () => {
    const { tf } = synth((s) => new BudgetGuard(s, 'B', { webhookApplication: WEBHOOK_APP, endpoints: [endpoint(s)], budget: { monthlyLimitUsd: 100, action: BudgetAction.DELETE, alertThresholdsPercent: [90] }, startDate: '2027-01-01', scope: BudgetScope.subscription('/subscriptions/00000000-0000-0000-0000-000000000000') }));
    const roles = Object.entries(resourcesOf(tf, 'azurerm_role_definition'));
    expect(roles.find(([k]) => /Enforcer_Role_/.test(k))![1].permissions[0].actions).toContain('Microsoft.MachineLearningServices/workspaces/onlineEndpoints/delete');
    expect(roles.find(([k]) => /Enforcer_Role1_/.test(k))![1]).toMatchObject({ scope: '/subscriptions/00000000-0000-0000-0000-000000000000', assignable_scopes: ['/subscriptions/00000000-0000-0000-0000-000000000000'] });
    expect(parseEnforcerEnvironment((only(tf, 'azurerm_linux_function_app') as Json).app_settings).budgetId).toMatch(/^\/subscriptions\/0{8}-0{4}-0{4}-0{4}-0{12}\/providers\/Microsoft\.Consumption\/budgets\//);
    expect((only(tf, 'azurerm_consumption_budget_subscription') as Json).subscription_id).toBe('/subscriptions/00000000-0000-0000-0000-000000000000');
  });
});

describe('BudgetGuard with a CanaryRollout on the endpoint', () => {
  test('the enforcer may also cap the rollout\'s autoscale copies: autoscale read/write at the endpoint\'s resource group, in its own role', () => {
    const { tf } = synth((s) => {
      const e = endpoint(s);
      new CanaryRollout(s, 'R', { webhookApplication: WEBHOOK_APP, endpoint: e, policy: RolloutPolicy.steps([{ trafficPercent: 10, bake: Duration.minutes(30) }, { trafficPercent: 100, bake: Duration.minutes(10) }]) });
      new BudgetGuard(s, 'B', { webhookApplication: WEBHOOK_APP, endpoints: [e], budget: { monthlyLimitUsd: 100 }, startDate: '2026-12-01' });
    });
    const roles = Object.entries(resourcesOf(tf, 'azurerm_role_definition')).filter(([k]) => k.startsWith('B_Enforcer'));
    expect(roles).toHaveLength(3);
    const [name, role] = roles.find(([k]) => /Enforcer_Role2_/.test(k))!;
    expect(role.permissions).toEqual([{ actions: ['Microsoft.Insights/autoscalesettings/read', 'Microsoft.Insights/autoscalesettings/write'] }]);
    const scopes = Object.values(resourcesOf(tf, 'azurerm_role_assignment')).filter((g) => String(g.role_definition_id).includes(`azurerm_role_definition.${name}.`)).map((g) => g.scope);
    expect(scopes).toEqual([expect.stringMatching(/^\/subscriptions\/\$\{data\.azurerm_client_config\.[^.]+\.subscription_id\}\/resourceGroups\/rg-ml$/)]);
  });
});

describe('BudgetGuard validation', () => {
  const fails = (fn: Parameters<typeof synthScopeValidated>[0], message: RegExp): void => { expectProblems(() => synthScopeValidated(fn), message); };
  test('a subscription scope is a subscription ARM id (issue 17)', () => fails((s) => new BudgetGuard(s, 'B', { webhookApplication: WEBHOOK_APP, endpoints: [endpoint(s)], budget: { monthlyLimitUsd: 100 }, startDate: '2026-12-01', scope: BudgetScope.subscription('00000000-0000-0000-0000-000000000000') }),
    /scope: got BudgetScope\.subscription\("00000000-0000-0000-0000-000000000000"\); allowed: the ARM id of a subscription/));
  test('the start date is the first of a month (and cannot change later)', () => fails((s) => new BudgetGuard(s, 'B', { webhookApplication: WEBHOOK_APP, endpoints: [endpoint(s)], budget: { monthlyLimitUsd: 100 }, startDate: '2026-12-15' }),
    /startDate: got "2026-12-15"; allowed: on Azure ML: the first day of a month/));
  // Microsoft.Consumption/budgets timePeriod.startDate for a cost budget (Azure REST/SDK reference, BudgetTimePeriod
  // startDate, https://learn.microsoft.com/en-us/javascript/api/@azure/arm-costmanagement/budgettimeperiod and
  // https://learn.microsoft.com/en-us/azure/templates/microsoft.consumption/budgets, read 2026-12-06): "Must be first of
  // the month ... on or after June 1, 2017. Future start date should not be more than twelve months. Past start date
  // should be selected within the timegrain period" (Monthly here). Clock pinned at 2026-12-06.
  test('a start date in a past month is refused with the current month as the fix (issue 17)', () => {
    const err = (startDate: string) => () => synthScopeValidated((s) => new BudgetGuard(s, 'B', { webhookApplication: WEBHOOK_APP, endpoints: [endpoint(s)], budget: { monthlyLimitUsd: 100 }, startDate }));
    expectProblems(err('2019-03-01'), /startDate: got "2019-03-01" \(before the current month, 2026-12-01\); allowed: on Azure ML: the first day of a month, "YYYY-MM-01", from 2026-12-01 \(the current month\) to 2027-12-01 \(twelve months ahead\); Azure refuses a monthly budget that starts in a past month when it creates it\. Fix: for a new budget use "2026-12-01"; if this budget already exists in Azure with start date 2019-03-01 .*set acceptPastStartDate: true/);
    expectProblems(err('2026-11-01'), /startDate: got "2026-11-01" \(before the current month, 2026-12-01\)/);
    expectNoProblems(err('2026-12-01'));
  });
  test('a start before June 2017 or more than twelve months ahead is refused even with acceptPastStartDate', () => {
    const err = (startDate: string) => () => synthScopeValidated((s) => new BudgetGuard(s, 'B', { webhookApplication: WEBHOOK_APP, endpoints: [endpoint(s)], budget: { monthlyLimitUsd: 100 }, startDate, acceptPastStartDate: true }));
    expectProblems(err('2017-05-01'), /startDate: got "2017-05-01"; allowed: .*Azure refuses any budget start before 2017-06-01\. Fix: use "2026-12-01"/);
    expectProblems(err('2028-01-01'), /startDate: got "2028-01-01"; allowed: .*to 2027-12-01 \(twelve months ahead\); Azure refuses a start more than twelve months ahead\. Fix: use "2026-12-01", or a month up to 2027-12-01/);
    expectNoProblems(err('2027-12-01'));
  });
  test('acceptPastStartDate keeps an existing budget\'s start date as created', () => {
    const { tf } = synth((s) => new BudgetGuard(s, 'B', { webhookApplication: WEBHOOK_APP, endpoints: [endpoint(s)], budget: { monthlyLimitUsd: 100 }, startDate: '2025-03-01', acceptPastStartDate: true }));
    expect((only(tf, 'azurerm_consumption_budget_resource_group') as Json).time_period).toEqual({ start_date: '2025-03-01T00:00:00Z' });
  });
  test('at most five notifications per Azure budget', () => fails((s) => new BudgetGuard(s, 'B', { webhookApplication: WEBHOOK_APP, endpoints: [endpoint(s)], budget: { monthlyLimitUsd: 100, alertThresholdsPercent: [10, 20, 30, 40, 50] }, startDate: '2026-12-01' }),
    /budget\.alertThresholdsPercent: .*allowed: on Azure ML: at most 5 notifications per budget/));
  // The enforcer's app accepts only secure-webhook calls, so an enforcing budget needs the Entra application.
  test('an enforcing budget needs the webhook application; NOTIFY does not', () => {
    fails((s) => new BudgetGuard(s, 'B', { endpoints: [endpoint(s)], budget: { monthlyLimitUsd: 100 }, startDate: '2026-12-01' }),
      /webhookApplication: got none; allowed: an EntraWebhookApplication whenever budget\.action is SCALE_TO_FLOOR.*Fix: register an Entra application/s);
    expect(() => synthScopeValidated((s) => new BudgetGuard(s, 'B', { endpoints: [endpoint(s)], budget: { monthlyLimitUsd: 100, action: BudgetAction.NOTIFY, emails: ['a@example.com'] }, startDate: '2026-12-01' }))).not.toThrow();
  });
  test('the webhook application ids are GUIDs and the identifier URI an api:// or https:// URI, all reported at once', () => fails(
    (s) => new BudgetGuard(s, 'B', { webhookApplication: { clientId: 'my-app', objectId: WEBHOOK_APP.objectId, identifierUri: 'my-app' }, endpoints: [endpoint(s)], budget: { monthlyLimitUsd: 100 }, startDate: '2026-12-01' }),
    /webhookApplication\.clientId: got "my-app"; allowed: a GUID.*webhookApplication\.identifierUri: got "my-app"; allowed: the application's Application ID URI/s));
  test('at least one endpoint', () => fails((s) => new BudgetGuard(s, 'B', { webhookApplication: WEBHOOK_APP, endpoints: [], budget: { monthlyLimitUsd: 100 }, startDate: '2026-12-01' }),
    /endpoints: got \[\]; allowed: at least one ModelEndpoint/));
  test('a positive limit (shared rule)', () => fails((s) => new BudgetGuard(s, 'B', { webhookApplication: WEBHOOK_APP, endpoints: [endpoint(s)], budget: { monthlyLimitUsd: 0 }, startDate: '2026-12-01' }),
    /budget\.monthlyLimitUsd/));
});
