import { IConstruct } from 'constructs';
import type { BackendCapabilities } from './capabilities';
import { ProblemCollector, SpecProblem, SpecWarning, describe, isUnresolved } from './errors';
import { Resolution, explicitFieldsOf, refusal } from './resolution';

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
  /** Ascending. */
  readonly alertThresholdsPercent: number[];
  /** Undefined where the backend has no forecast alerts. */
  readonly forecastThresholdPercent?: number;
  readonly action: BudgetAction;
  /** Undefined where the backend has no action threshold. */
  readonly enforceAtPercent?: number;
  readonly emails: string[];
}

/**
 * A budget resolved for one backend.
 *
 * TypeScript-only (a backend author's helper; lib/README.md "jsii and Python").
 * @jsii ignore
 */
export class BudgetResolution extends Resolution {
  /** Resolves `spec` for the backend `caps` describes. Never throws: problems are collected. */
  public static of(spec: BudgetSpec, caps: BackendCapabilities): BudgetResolution {
    const problems: SpecProblem[] = [];
    const bc = caps.budget;
    const thresholds = spec.alertThresholdsPercent ?? [50, 80, 100];
    if (!isUnresolved(spec.monthlyLimitUsd) && !(Number.isFinite(spec.monthlyLimitUsd) && spec.monthlyLimitUsd > 0 && spec.monthlyLimitUsd <= 10_000_000)) {
      problems.push({ field: 'budget.monthlyLimitUsd', given: describe(spec.monthlyLimitUsd), allowed: 'above 0 and at most 10000000 US dollars', fix: 'set the monthly spend you accept, e.g. 2000' });
    }
    if (thresholds.length === 0 || thresholds.some((t) => !(Number.isFinite(t) && t > 0 && t <= 1000)) || new Set(thresholds).size !== thresholds.length) {
      problems.push({ field: 'budget.alertThresholdsPercent', given: describe(thresholds), allowed: 'a non-empty list of distinct percents above 0 and at most 1000', fix: 'e.g. [50, 80, 100]' });
    }
    const forecast = spec.forecastThresholdPercent ?? 100;
    if (spec.forecastThresholdPercent !== undefined && !bc.forecastAlerts) {
      problems.push(refusal(caps, 'budget.forecastThresholdPercent', describe(forecast), 'no forecast alerts (only spend as it accrues is seen)', 'remove forecastThresholdPercent; the alert thresholds still apply'));
    } else if (!(Number.isFinite(forecast) && forecast > 0 && forecast <= 1000)) {
      problems.push({ field: 'budget.forecastThresholdPercent', given: describe(forecast), allowed: 'above 0 and at most 1000', fix: 'e.g. 100' });
    }
    const action = spec.action ?? BudgetAction.SCALE_TO_FLOOR;
    if (!bc.actions.includes(action)) {
      problems.push(refusal(caps, 'budget.action', spec.action === undefined ? `nothing (${BudgetAction.SCALE_TO_FLOOR} by default)` : action,
        `actions ${bc.actions.join(', ')}`,
        `set budget.action: BudgetAction.${bc.actions.includes(BudgetAction.NOTIFY) ? BudgetAction.NOTIFY : bc.actions[0]} and cap spend another way`));
    }
    const enforceAt = spec.enforceAtPercent ?? 100;
    if (spec.enforceAtPercent !== undefined && !bc.actionThreshold) {
      problems.push(refusal(caps, 'budget.enforceAtPercent', describe(enforceAt), 'no action threshold (nothing acts on spend)', 'remove enforceAtPercent'));
    } else if (!(Number.isFinite(enforceAt) && enforceAt > 0 && enforceAt <= 1000)) {
      problems.push({ field: 'budget.enforceAtPercent', given: describe(enforceAt), allowed: 'above 0 and at most 1000', fix: 'e.g. 100 acts when the limit is reached' });
    }
    const emails = spec.emails ?? [];
    if (emails.length > 0 && !bc.emailNotifications) {
      problems.push(refusal(caps, 'budget.emails', describe(emails), 'no e-mail notifications from the budget itself', 'route the alerts to e-mail where they are delivered (e.g. Alertmanager), and remove emails'));
    }
    for (const [i, email] of emails.entries()) {
      if (!isUnresolved(email) && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
        problems.push({ field: `budget.emails[${i}]`, given: describe(email), allowed: 'an e-mail address', fix: 'e.g. "ml-oncall@example.com"' });
      }
    }
    const actual = [...thresholds];
    if (action !== BudgetAction.NOTIFY && bc.actionThreshold && !actual.includes(enforceAt)) actual.push(enforceAt);
    const notifications = actual.length + (bc.forecastAlerts ? 1 : 0);
    if (bc.maxNotifications !== undefined && notifications > bc.maxNotifications) {
      problems.push(refusal(caps, 'budget.alertThresholdsPercent', `${describe(actual)} on actual spend${bc.forecastAlerts ? ' plus one forecast' : ''}`,
        `at most ${bc.maxNotifications} notifications per budget`, `use at most ${bc.maxNotifications - (bc.forecastAlerts ? 1 : 0)} actual thresholds, including enforceAtPercent`));
    }
    const resolved: ResolvedBudget = {
      monthlyLimitUsd: spec.monthlyLimitUsd,
      alertThresholdsPercent: [...thresholds].sort((a, b) => a - b),
      forecastThresholdPercent: bc.forecastAlerts ? forecast : undefined,
      action,
      enforceAtPercent: bc.actionThreshold ? enforceAt : undefined,
      emails,
    };
    return new BudgetResolution(resolved, explicitFieldsOf({ budget: spec }, ['budget']).filter((f) => f !== 'budget'), problems, []);
  }

  private constructor(public readonly resolved: ResolvedBudget, explicitFields: string[], problems: SpecProblem[], warnings: SpecWarning[]) {
    super(explicitFields, problems, warnings);
  }

  /**
   * The resolved values; the backend's problems (already in `collector`) and these are reported at synth as
   * `scope`'s construct validation. Partial where `collector.count > 0` afterwards.
   */
  public reportIfInvalid(scope: IConstruct, owner: string, collector: ProblemCollector): ResolvedBudget {
    this.report(scope, owner, collector);
    return this.resolved;
  }

  public throwIfInvalid(owner: string, collector: ProblemCollector = new ProblemCollector()): ResolvedBudget {
    this.check(owner, collector);
    return this.resolved;
  }
}
