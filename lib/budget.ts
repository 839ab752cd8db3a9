import { ProblemCollector, describe, isUnresolved } from './errors';

/** What happens when spend crosses the enforcement threshold. */
export enum BudgetAction {
  /** Only notify. */
  NOTIFY = 'NOTIFY',
  /** Scale every guarded endpoint down to its floor (minimum replicas, or zero where the backend can). */
  SCALE_TO_FLOOR = 'SCALE_TO_FLOOR',
  /** Delete the guarded endpoints (their configuration stays, so a redeploy restores them). */
  DELETE = 'DELETE',
}

/** A monthly budget for the models a BudgetGuard watches. Cloud-neutral; each backend enforces it its own way. */
export interface BudgetSpec {
  /** Monthly limit in US dollars. */
  readonly monthlyLimitUsd: number;
  /** Percent-of-limit thresholds for notifications on actual spend. @default [50, 80, 100] */
  readonly alertThresholdsPercent?: number[];
  /** Percent of limit at which a forecast notification fires. @default 100 */
  readonly forecastThresholdPercent?: number;
  /** What to do when actual spend reaches `enforceAtPercent`. @default BudgetAction.SCALE_TO_FLOOR */
  readonly action?: BudgetAction;
  /** Percent of the limit at which the action runs. @default 100 */
  readonly enforceAtPercent?: number;
  /** E-mail addresses for notifications. @default - none, the notification topic only */
  readonly emails?: string[];
}

export interface ResolvedBudget {
  readonly monthlyLimitUsd: number;
  readonly alertThresholdsPercent: readonly number[];
  readonly forecastThresholdPercent: number;
  readonly action: BudgetAction;
  readonly enforceAtPercent: number;
  readonly emails: readonly string[];
}

export function resolveBudget(owner: string, spec: BudgetSpec, collector = new ProblemCollector()): ResolvedBudget {
  const thresholds = spec.alertThresholdsPercent ?? [50, 80, 100];
  if (!isUnresolved(spec.monthlyLimitUsd) && !(Number.isFinite(spec.monthlyLimitUsd) && spec.monthlyLimitUsd > 0 && spec.monthlyLimitUsd <= 10_000_000)) {
    collector.add({ field: 'budget.monthlyLimitUsd', given: describe(spec.monthlyLimitUsd), allowed: 'above 0 and at most 10000000 US dollars', fix: 'set the monthly spend you accept, e.g. 2000' });
  }
  if (thresholds.length === 0 || thresholds.some((t) => !(Number.isFinite(t) && t > 0 && t <= 1000)) || new Set(thresholds).size !== thresholds.length) {
    collector.add({ field: 'budget.alertThresholdsPercent', given: describe(thresholds), allowed: 'a non-empty list of distinct percents above 0 and at most 1000', fix: 'e.g. [50, 80, 100]' });
  }
  const forecast = spec.forecastThresholdPercent ?? 100;
  if (!(Number.isFinite(forecast) && forecast > 0 && forecast <= 1000)) {
    collector.add({ field: 'budget.forecastThresholdPercent', given: describe(forecast), allowed: 'above 0 and at most 1000', fix: 'e.g. 100' });
  }
  const enforceAt = spec.enforceAtPercent ?? 100;
  if (!(Number.isFinite(enforceAt) && enforceAt > 0 && enforceAt <= 1000)) {
    collector.add({ field: 'budget.enforceAtPercent', given: describe(enforceAt), allowed: 'above 0 and at most 1000', fix: 'e.g. 100 acts when the limit is reached' });
  }
  const emails = spec.emails ?? [];
  for (const [i, email] of emails.entries()) {
    if (!isUnresolved(email) && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
      collector.add({ field: `budget.emails[${i}]`, given: describe(email), allowed: 'an e-mail address', fix: 'e.g. "ml-oncall@example.com"' });
    }
  }
  collector.throwIfAny(owner);
  return {
    monthlyLimitUsd: spec.monthlyLimitUsd,
    alertThresholdsPercent: [...thresholds].sort((a, b) => a - b),
    forecastThresholdPercent: forecast,
    action: spec.action ?? BudgetAction.SCALE_TO_FLOOR,
    enforceAtPercent: enforceAt,
    emails,
  };
}
