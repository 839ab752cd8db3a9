/**
 * The budget enforcer's environment: rendered by BudgetGuard, parsed by the handler, from this one table.
 * No aws-cdk-lib import: the handler bundles it.
 */
import { EnvFields, EnvTable } from '../../../lib/internal/function-environment';

/** One endpoint the guard may act on. */
export interface GuardedEndpoint {
  readonly endpointName: string;
  readonly variantName: string;
  /** Instance count to scale to (the endpoint's minimum replicas). */
  readonly floor: number;
  /** The endpoint config in use, so a report can say how to bring a deleted endpoint back. */
  readonly endpointConfigName?: string;
}

export const ENFORCER_ACTIONS = ['SCALE_TO_FLOOR', 'DELETE'] as const;

export interface EnforcerConfig {
  readonly budgetName: string;
  /** The account that owns the budget (DescribeBudget needs it). */
  readonly accountId: string;
  readonly action: (typeof ENFORCER_ACTIONS)[number];
  /** Spend in USD at which to act: the budget limit times enforceAtPercent. */
  readonly enforceAtUsd: number;
  readonly endpoints: readonly GuardedEndpoint[];
  readonly reportTopicArn: string;
}

function isGuardedEndpoints(value: unknown): value is GuardedEndpoint[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      (e: Partial<GuardedEndpoint> | null) =>
        e !== null &&
        typeof e === 'object' &&
        typeof e.endpointName === 'string' &&
        typeof e.variantName === 'string' &&
        Number.isInteger(e.floor) &&
        (e.floor as number) >= 0 &&
        (e.endpointConfigName === undefined || typeof e.endpointConfigName === 'string'),
    )
  );
}

export const ENFORCER_ENV: EnvTable<EnforcerConfig> = {
  budgetName: EnvFields.text('BUDGET_NAME'),
  accountId: EnvFields.text('BUDGET_ACCOUNT_ID'),
  action: EnvFields.oneOf('ACTION', ENFORCER_ACTIONS),
  enforceAtUsd: EnvFields.positiveNumber('ENFORCE_AT_USD'),
  endpoints: EnvFields.json('GUARDED_ENDPOINTS', 'a JSON array of {endpointName, variantName, floor, endpointConfigName?}, at least one', isGuardedEndpoints),
  reportTopicArn: EnvFields.text('REPORT_TOPIC_ARN'),
};
