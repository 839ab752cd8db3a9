import { ConsumptionBudgetResourceGroup, ConsumptionBudgetResourceGroupNotification } from '@cdktf/provider-azurerm/lib/consumption-budget-resource-group';
import { ConsumptionBudgetSubscription } from '@cdktf/provider-azurerm/lib/consumption-budget-subscription';
import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { MonitorActionGroup } from '@cdktf/provider-azurerm/lib/monitor-action-group';
import { Annotations } from 'cdktf';
import { Construct } from 'constructs';
import { BudgetAction, BudgetSpec, ProblemCollector, ResolvedBudget, SpecProblem, SpecResolver, SpecWarning, describe, isUnresolved } from '../../lib';
import { IBudgetGuardContract } from '../../lib/backend';
import { addTextWarnings } from '../../lib/internal/warnings';
import { renderEnforcerEnvironment } from './budget-enforcer/environment';
import { EntraWebhookApplication, HandlerFunctionApp, webhookApplicationProblems } from './function-app';
import { ModelEndpoint } from './model-endpoint';
import { shortHash } from './names';
import { checkResourceGroupName } from './validation';
import { AZURE_ML_BACKEND, AZURE_ML_CAPABILITIES } from './capabilities';
import { budgetGuardPropShapes, throwIfBadShapes } from '../../lib/prop-shapes';

/** The system tag Azure ML puts on a managed online endpoint's costs; the library's own tags are not on them. */
export const AZURE_ML_ENDPOINT_COST_TAG = 'azuremlendpoint';
/** The function the action group calls (constructs/azure/budget-enforcer/handler.ts). */
export const ENFORCE_FUNCTION_NAME = 'enforce';

/** Where the budget is counted. Union-like. */
export class BudgetScope {
  /** The resource group the guarded endpoints' workspace bills to (by name). */
  public static resourceGroup(resourceGroupName: string): BudgetScope {
    return new BudgetScope(resourceGroupName, undefined);
  }
  /** A whole subscription (ARM id `/subscriptions/<id>`). */
  public static subscription(subscriptionId: string): BudgetScope {
    return new BudgetScope(undefined, subscriptionId);
  }
  private constructor(public readonly resourceGroupName: string | undefined, public readonly subscriptionId: string | undefined) {}
}

export interface BudgetGuardProps {
  /** Limit, thresholds and action from the shared spec. */
  readonly budget: BudgetSpec;
  /** The endpoints the budget counts and the enforcer may act on. */
  readonly endpoints: ModelEndpoint[];
  /**
   * First day the budget counts, `YYYY-MM-01`. Azure refuses to change it once the budget exists ("Start date
   * of budgets cannot be updated"), so it is a fixed value, never computed at synth time; to move it, replace
   * the budget (`terraform apply -replace`).
   */
  readonly startDate: string;
  /**
   * Accept a `startDate` before the current month. Azure checks the date when it creates a budget (the current
   * month at the earliest, at most twelve months ahead); once the budget exists the date stays as created. Set
   * this when the budget already exists with this `startDate` (a stack first applied in an earlier month); a new
   * budget with a past date is refused by Azure at apply.
   * @default false - a start date before the current month (UTC) is refused at synth
   */
  readonly acceptPastStartDate?: boolean;
  /** Where the budget is counted. @default - the first endpoint's resource group */
  readonly scope?: BudgetScope;
  /** Budget name. @default - derived from the first endpoint */
  readonly budgetName?: string;
  /**
   * The Entra application that protects the enforcer's webhook (see {@link EntraWebhookApplication}): the
   * budget's action group calls it as a secure webhook, and the enforcer's app accepts only Entra tokens for it
   * that Azure Monitor's action groups hold. Required unless the budget's action is NOTIFY (no enforcer).
   * @default - none; refused at synth when the action is not NOTIFY
   */
  readonly webhookApplication?: EntraWebhookApplication;
}

/** The first day of the month `d` falls in (UTC), `YYYY-MM-01`. */
function monthStart(d: Date): string {
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-01`;
}

/**
 * What Microsoft.Consumption/budgets accepts as `timePeriod.startDate` for a cost budget (REST/SDK docs,
 * BudgetTimePeriod.startDate): the first of a month, on or after 2017-06-01, at most twelve months ahead, and a
 * past date only within the time grain (Monthly here: the current month). `now` is the synth-time clock.
 */
export function budgetStartDateProblem(startDate: string, acceptPast: boolean, now: Date): SpecProblem | undefined {
  if (isUnresolved(startDate)) return undefined;
  const current = monthStart(now);
  const latest = monthStart(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 12, 1)));
  const allowed = (why: string) => `on ${AZURE_ML_BACKEND}: the first day of a month, "YYYY-MM-01", from ${current} (the current month) to ${latest} (twelve months ahead); ${why}`;
  if (!/^\d{4}-(0[1-9]|1[0-2])-01$/.test(startDate)) {
    return { field: 'startDate', given: describe(startDate), allowed: allowed('Azure budgets start on the 1st and the date cannot change later'), fix: `e.g. "${current}"` };
  }
  if (startDate < '2017-06-01') {
    return { field: 'startDate', given: describe(startDate), allowed: allowed('Azure refuses any budget start before 2017-06-01'), fix: `use "${current}"` };
  }
  if (startDate > latest) {
    return { field: 'startDate', given: describe(startDate), allowed: allowed('Azure refuses a start more than twelve months ahead'), fix: `use "${current}", or a month up to ${latest}` };
  }
  if (startDate < current && !acceptPast) {
    return {
      field: 'startDate',
      given: `${describe(startDate)} (before the current month, ${current})`,
      allowed: allowed('Azure refuses a monthly budget that starts in a past month when it creates it'),
      fix: `for a new budget use "${current}"; if this budget already exists in Azure with start date ${startDate} (first applied that month), keep the date and set acceptPastStartDate: true (changing it replaces the budget)`,
    };
  }
  return undefined;
}

/**
 * The one read the enforcer needs to decide: the budget with its `currentSpend` (Microsoft.Consumption/budgets GET).
 * Granted at the budget's scope (the resource group or subscription it is defined at) in its own role, so the
 * endpoint actions above are never granted that widely.
 */
export const ENFORCER_BUDGET_READ = ['Microsoft.Consumption/budgets/read'];

/** To cap the autoscale copies a rollout controller makes mid-rollout (guarded endpoints with a CanaryRollout). */
export const ENFORCER_ROLLOUT_AUTOSCALE = ['Microsoft.Insights/autoscalesettings/read', 'Microsoft.Insights/autoscalesettings/write'];

/** Exact ARM actions the enforcer's identity holds, per action. */
export const ENFORCER_ACTIONS: Readonly<Record<string, string[]>> = {
  [BudgetAction.SCALE_TO_FLOOR]: [
    'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read',
    'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/read',
    'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/write',
    'Microsoft.Insights/autoscalesettings/read',
    'Microsoft.Insights/autoscalesettings/write',
  ],
  [BudgetAction.DELETE]: [
    'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read',
    'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/delete',
    'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/read',
    'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/delete',
  ],
};

/**
 * A monthly Cost Management budget over the guarded endpoints' costs (filtered by Azure ML's
 * `azuremlendpoint` cost tag), notifications at the actual and forecast thresholds to an action group and the
 * given e-mails, and, unless the action is NOTIFY, a pre-bundled Azure Function that scales every deployment of
 * each guarded endpoint to its floor (autoscale capped first) or deletes the endpoint, and reports what it did.
 * The Function's identity may act on the guarded endpoints (and their autoscale settings) only.
 */
export class BudgetGuard extends Construct implements IBudgetGuardContract {
  public readonly budget: ResolvedBudget;
  public readonly budgetName: string;
  /** Advice from the shared resolver (also a cdktf `Annotations` warning on this construct). */
  public readonly warnings: SpecWarning[];
  public readonly actionGroup: MonitorActionGroup;
  public readonly resource: ConsumptionBudgetResourceGroup | ConsumptionBudgetSubscription;
  public readonly enforcer?: HandlerFunctionApp;

  constructor(scope: Construct, id: string, props: BudgetGuardProps) {
    super(scope, id);
    // JavaScript callers: a prop of the wrong kind is named here, before the rest reads it as typed.
    throwIfBadShapes(`BudgetGuard ${this.node.path}`, props, [...budgetGuardPropShapes(ModelEndpoint), { field: 'startDate', kind: 'string', required: true, example: "'2027-01-01'" }]);
    const owner = `BudgetGuard ${this.node.path}`;
    const c = new ProblemCollector();
    if (props.endpoints.length === 0) {
      c.add({ field: 'endpoints', given: '[]', allowed: 'at least one ModelEndpoint', fix: 'pass the endpoints whose spend this budget limits' });
    }
    const startProblem = budgetStartDateProblem(props.startDate, props.acceptPastStartDate ?? false, new Date(Date.now()));
    if (startProblem) c.add(startProblem);
    const sub = props.scope?.subscriptionId;
    if (sub !== undefined && !isUnresolved(sub) && !/^\/subscriptions\/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(sub)) {
      c.add({ field: 'scope', given: `BudgetScope.subscription(${describe(sub)})`, allowed: 'the ARM id of a subscription, "/subscriptions/<subscription GUID>"', fix: 'e.g. BudgetScope.subscription("/subscriptions/00000000-0000-0000-0000-000000000000")' });
    }
    if (props.scope?.resourceGroupName !== undefined) checkResourceGroupName('scope', props.scope.resourceGroupName, c);
    const budgetName = props.budgetName ?? `${props.endpoints[0]?.endpointName ?? 'models'}-budget`;
    if (!isUnresolved(budgetName) && !/^[A-Za-z0-9_-]{1,63}$/.test(budgetName)) {
      c.add({ field: 'budgetName', given: describe(budgetName), allowed: 'letters, digits, "_" and "-", at most 63', fix: 'e.g. "fraud-models-budget"' });
    }
    if (props.webhookApplication) c.addAll(webhookApplicationProblems('webhookApplication', props.webhookApplication));
    else if ((props.budget.action ?? BudgetAction.SCALE_TO_FLOOR) !== BudgetAction.NOTIFY) {
      c.add({ field: 'webhookApplication', given: 'none', allowed: `an EntraWebhookApplication whenever budget.action is ${String(props.budget.action ?? BudgetAction.SCALE_TO_FLOOR)} (its enforcer Function accepts only secure-webhook calls, Entra tokens for that application)`, fix: 'register an Entra application for the webhook (README "The Functions": Auth) and pass { clientId, objectId, identifierUri }, or use BudgetAction.NOTIFY' });
    }
    const resolution = SpecResolver.budget(props.budget, AZURE_ML_CAPABILITIES);
    const budget = resolution.reportIfInvalid(this, owner, c);
    this.warnings = [...resolution.warnings];
    addTextWarnings(Annotations.of(this), this.warnings);
    const enforceAt = budget.enforceAtPercent ?? 100;
    this.budget = budget;
    // The enforcer acts on the notification at enforceAtPercent, so that threshold is always notified.
    const thresholds = [...new Set([...budget.alertThresholdsPercent, ...(budget.action === BudgetAction.NOTIFY ? [] : [enforceAt])])].sort((a, b) => a - b);
    this.budgetName = budgetName;
    // No endpoint only with that problem reported (synth fails, nothing is written): a placeholder keeps the tree whole.
    const first: Pick<ModelEndpoint, 'tags' | 'resourceGroupName' | 'location' | 'logAnalyticsWorkspaceId'> = props.endpoints.at(0) ?? { tags: {}, resourceGroupName: '', location: '', logAnalyticsWorkspaceId: '' };
    const tags = first.tags;
    const distinct = shortHash(this.node.path).slice(0, 6);
    const budgetScope = props.scope ?? BudgetScope.resourceGroup(first.resourceGroupName);
    let budgetScopeId: string;
    let client: DataAzurermClientConfig | undefined;
    if (budgetScope.subscriptionId) {
      budgetScopeId = budgetScope.subscriptionId;
    } else {
      client = new DataAzurermClientConfig(this, 'Client', {});
      budgetScopeId = `/subscriptions/${client.subscriptionId}/resourceGroups/${budgetScope.resourceGroupName}`;
    }
    // The endpoints' subscription (their resource groups are named without one).
    const subscriptionScope = `/subscriptions/${(client ?? new DataAzurermClientConfig(this, 'Client', {})).subscriptionId}`;
    const budgetId = `${budgetScopeId}/providers/Microsoft.Consumption/budgets/${budgetName}`;

    if (budget.action !== BudgetAction.NOTIFY) {
      this.enforcer = new HandlerFunctionApp(this, 'Enforcer', {
        handler: 'budget-enforcer',
        resourceGroupName: first.resourceGroupName,
        location: first.location,
        namePrefix: `${budgetName.slice(0, 20)}-enforcer`,
        settings: renderEnforcerEnvironment({
          budgetName,
          budgetId,
          action: budget.action === BudgetAction.DELETE ? 'DELETE' : 'SCALE_TO_FLOOR',
          enforceAtPercent: enforceAt,
          endpoints: props.endpoints.map((e) => ({ endpointId: e.endpointId, floor: e.serving.minReplicas, autoscaleSettingIds: [e.autoscale.id] })),
        }),
        tags,
        logAnalyticsWorkspaceId: first.logAnalyticsWorkspaceId,
        // Checked above: an enforcer exists only with an application.
        webhookApplication: props.webhookApplication!,
        permissions: {
          actions: ENFORCER_ACTIONS[budget.action],
          scopes: [
            ...props.endpoints.map((e) => e.endpointId),
            ...(budget.action === BudgetAction.SCALE_TO_FLOOR ? props.endpoints.map((e) => e.autoscale.id) : []),
          ],
        },
        // The enforcer decides on the spend Cost Management reports, never on the notification's figures.
        additionalPermissions: [
          { actions: ENFORCER_BUDGET_READ, scopes: [budgetScopeId] },
          // A CanaryRollout's controller gives the stable deployment its own autoscale copy mid-rollout; those
          // copies do not exist before, so capping them needs autoscale settings at their resource group.
          ...(budget.action === BudgetAction.SCALE_TO_FLOOR ? [...new Set(props.endpoints.filter((e) => e.isControllerManaged).map((e) => e.resourceGroupName))]
            .map((rg) => ({ actions: ENFORCER_ROLLOUT_AUTOSCALE, scopes: [`${subscriptionScope}/resourceGroups/${rg}`], defineAtResourceGroup: true })) : []),
        ],
      });
    }
    this.actionGroup = new MonitorActionGroup(this, 'Actions', {
      name: `${budgetName}-actions`,
      resourceGroupName: first.resourceGroupName,
      shortName: `budget${distinct.slice(0, 4)}`,
      emailReceiver: budget.emails.map((email: string, i: number) => ({ name: `email-${i}`, emailAddress: email, useCommonAlertSchema: true })),
      // Secure webhook: an Entra token for the webhook application, no function key.
      webhookReceiver: this.enforcer ? [this.enforcer.secureWebhookReceiver('budget-enforcer', ENFORCE_FUNCTION_NAME)] : undefined,
      tags,
    });

    const notification: ConsumptionBudgetResourceGroupNotification[] = [
      ...thresholds.map((t) => ({ operator: 'GreaterThanOrEqualTo', threshold: t, thresholdType: 'Actual', contactGroups: [this.actionGroup.id], enabled: true })),
      ...(budget.forecastThresholdPercent !== undefined ? [{ operator: 'GreaterThanOrEqualTo', threshold: budget.forecastThresholdPercent, thresholdType: 'Forecasted', contactGroups: [this.actionGroup.id], enabled: true }] : []),
    ];
    const common = {
      name: budgetName,
      amount: budget.monthlyLimitUsd,
      timeGrain: 'Monthly',
      timePeriod: { startDate: `${props.startDate}T00:00:00Z` },
      // Azure ML bills managed endpoints to the workspace; the per-endpoint split is only in this system tag.
      filter: { tag: [{ name: AZURE_ML_ENDPOINT_COST_TAG, operator: 'In', values: props.endpoints.map((e) => e.endpointName) }] },
      notification,
    };
    if (budgetScope.subscriptionId) {
      this.resource = new ConsumptionBudgetSubscription(this, 'Resource', { ...common, subscriptionId: budgetScope.subscriptionId });
    } else {
      this.resource = new ConsumptionBudgetResourceGroup(this, 'Resource', { ...common, resourceGroupId: budgetScopeId });
    }
  }
}
