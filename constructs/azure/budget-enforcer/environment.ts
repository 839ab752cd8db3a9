/**
 * The budget enforcer's configuration: app settings BudgetGuard renders and the Function parses. One table,
 * imported by both. No imports: it is bundled into the Function.
 */

/** One guarded endpoint. */
export interface GuardedEndpoint {
  /** ARM id of the online endpoint; every deployment under it is guarded. */
  readonly endpointId: string;
  /** Instances each deployment is scaled to (the endpoint's minimum replicas). */
  readonly floor: number;
  /** ARM ids of the autoscale settings on its deployments, capped at the floor first. */
  readonly autoscaleSettingIds: readonly string[];
}

export type EnforcerAction = 'SCALE_TO_FLOOR' | 'DELETE';

export interface EnforcerConfig {
  readonly budgetName: string;
  /** ARM id of the budget; its `currentSpend` is what the enforcer acts on. */
  readonly budgetId: string;
  readonly action: EnforcerAction;
  /** Percent of the budget at which actual spend triggers the action. */
  readonly enforceAtPercent: number;
  readonly endpoints: readonly GuardedEndpoint[];
}

export const ENFORCER_ENV = {
  budgetName: 'BUDGET_NAME',
  budgetId: 'BUDGET_ID',
  action: 'BUDGET_ACTION',
  enforceAtPercent: 'BUDGET_ENFORCE_AT_PERCENT',
  endpoints: 'BUDGET_GUARDED_ENDPOINTS',
} as const;

export function renderEnforcerEnvironment(c: EnforcerConfig): Record<string, string> {
  return {
    [ENFORCER_ENV.budgetName]: c.budgetName,
    [ENFORCER_ENV.budgetId]: c.budgetId,
    [ENFORCER_ENV.action]: c.action,
    [ENFORCER_ENV.enforceAtPercent]: String(c.enforceAtPercent),
    [ENFORCER_ENV.endpoints]: JSON.stringify(c.endpoints),
  };
}

/** Parses the app settings; throws naming every missing or malformed one. */
export function parseEnforcerEnvironment(env: Readonly<Record<string, string | undefined>>): EnforcerConfig {
  const problems: string[] = [];
  const budgetName = env[ENFORCER_ENV.budgetName] ?? '';
  if (!budgetName) problems.push(`${ENFORCER_ENV.budgetName} must be set`);
  const budgetId = env[ENFORCER_ENV.budgetId] ?? '';
  const idMatch = /^\/subscriptions\/[^/]+(\/resourceGroups\/[^/]+)?\/providers\/Microsoft\.Consumption\/budgets\/([^/]+)$/i.exec(budgetId);
  if (!idMatch || idMatch[2] !== budgetName) problems.push(`${ENFORCER_ENV.budgetId} must be the ARM id of budget ${JSON.stringify(budgetName)}, got ${JSON.stringify(budgetId)}`);
  const action = env[ENFORCER_ENV.action];
  if (action !== 'SCALE_TO_FLOOR' && action !== 'DELETE') problems.push(`${ENFORCER_ENV.action} must be SCALE_TO_FLOOR or DELETE, got ${JSON.stringify(action)}`);
  const enforceAtPercent = Number(env[ENFORCER_ENV.enforceAtPercent]);
  if (!(Number.isFinite(enforceAtPercent) && enforceAtPercent > 0)) problems.push(`${ENFORCER_ENV.enforceAtPercent} must be a positive number, got ${JSON.stringify(env[ENFORCER_ENV.enforceAtPercent])}`);
  let endpoints: GuardedEndpoint[] = [];
  try {
    endpoints = JSON.parse(env[ENFORCER_ENV.endpoints] ?? '') as GuardedEndpoint[];
    if (!Array.isArray(endpoints) || endpoints.length === 0 || !endpoints.every((e) => typeof e.endpointId === 'string' && Number.isInteger(e.floor) && e.floor >= 1 && Array.isArray(e.autoscaleSettingIds))) throw new Error('shape');
  } catch {
    problems.push(`${ENFORCER_ENV.endpoints} must be a JSON list of {endpointId, floor, autoscaleSettingIds}, got ${JSON.stringify(env[ENFORCER_ENV.endpoints])}`);
  }
  if (problems.length) throw new Error(`budget enforcer configuration: ${problems.join('; ')}`);
  return { budgetName, budgetId, action: action as EnforcerAction, enforceAtPercent, endpoints };
}
