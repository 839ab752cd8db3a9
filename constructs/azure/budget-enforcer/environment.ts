/**
 * The budget enforcer's configuration: app settings BudgetGuard renders and the Function parses, from the shared
 * typed table (lib/internal/function-environment.ts, which imports nothing, so the Function bundles it).
 */
import { EnvFields, EnvTable, parseEnvironment, renderEnvironment } from '../../../lib/internal/function-environment';

/** One guarded endpoint. */
export interface GuardedEndpoint {
  /** ARM id of the online endpoint; every deployment under it is guarded. */
  readonly endpointId: string;
  /** Instances each deployment is scaled to (the endpoint's minimum replicas). */
  readonly floor: number;
  /** ARM ids of the autoscale settings on its deployments, capped at the floor first. */
  readonly autoscaleSettingIds: string[];
}

export type EnforcerAction = 'SCALE_TO_FLOOR' | 'DELETE';

export interface EnforcerConfig {
  readonly budgetName: string;
  /** ARM id of the budget; its `currentSpend` is what the enforcer acts on. */
  readonly budgetId: string;
  readonly action: EnforcerAction;
  /** Percent of the budget at which actual spend triggers the action. */
  readonly enforceAtPercent: number;
  readonly endpoints: GuardedEndpoint[];
}

export const ENFORCER_ENV = {
  budgetName: 'BUDGET_NAME',
  budgetId: 'BUDGET_ID',
  action: 'BUDGET_ACTION',
  enforceAtPercent: 'BUDGET_ENFORCE_AT_PERCENT',
  endpoints: 'BUDGET_GUARDED_ENDPOINTS',
} as const;

const BUDGET_ID = /^\/subscriptions\/[^/]+(\/resourceGroups\/[^/]+)?\/providers\/Microsoft\.Consumption\/budgets\/([^/]+)$/i;

function isGuardedList(value: unknown): value is GuardedEndpoint[] {
  return Array.isArray(value) && value.length > 0 && value.every((e: Partial<GuardedEndpoint> | null) =>
    e !== null && typeof e === 'object' && typeof e.endpointId === 'string' && Number.isInteger(e.floor) && (e.floor as number) >= 1 && Array.isArray(e.autoscaleSettingIds));
}

/** The one table BudgetGuard renders and the Function parses (lib/internal/function-environment.ts). */
const ENFORCER_TABLE: EnvTable<EnforcerConfig> = {
  budgetName: EnvFields.text(ENFORCER_ENV.budgetName),
  budgetId: EnvFields.matching(ENFORCER_ENV.budgetId, BUDGET_ID, 'the ARM id of a consumption budget (/subscriptions/<id>[/resourceGroups/<rg>]/providers/Microsoft.Consumption/budgets/<name>)'),
  action: EnvFields.oneOf<EnforcerAction>(ENFORCER_ENV.action, ['SCALE_TO_FLOOR', 'DELETE']),
  enforceAtPercent: EnvFields.positiveNumber(ENFORCER_ENV.enforceAtPercent),
  endpoints: EnvFields.json(ENFORCER_ENV.endpoints, 'a JSON list of {endpointId, floor (>= 1), autoscaleSettingIds}, at least one', isGuardedList),
};

export function renderEnforcerEnvironment(c: EnforcerConfig): Record<string, string> {
  return renderEnvironment(ENFORCER_TABLE, c);
}

/** Parses the app settings; throws naming every missing or malformed one (and a budget id of another budget). */
export function parseEnforcerEnvironment(env: Readonly<Record<string, string | undefined>>): EnforcerConfig {
  const config = parseEnvironment(ENFORCER_TABLE, env);
  const idName = BUDGET_ID.exec(config.budgetId)?.[2];
  if (idName !== config.budgetName) {
    throw new Error(`invalid function environment (the construct that deployed this function sets it):\n  ${ENFORCER_ENV.budgetId}: got ${JSON.stringify(config.budgetId)}; allowed: the ARM id of budget ${JSON.stringify(config.budgetName)} (${ENFORCER_ENV.budgetName})`);
  }
  return config;
}
