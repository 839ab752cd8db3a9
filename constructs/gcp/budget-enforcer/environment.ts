/**
 * The GCP budget enforcer's environment: rendered by BudgetGuard, parsed by the handler, from this one
 * table. No cdktf import: the handler bundles it.
 */
import { EnvFields, EnvTable } from '../../../lib/internal/function-environment';

/** One Vertex AI endpoint the guard may act on. */
export interface GuardedVertexEndpoint {
  readonly project: string;
  readonly location: string;
  readonly endpointId: string;
  /** Replicas each deployed model is pinned at by SCALE_TO_FLOOR (the endpoint's minimum replicas). */
  readonly floor: number;
}

export const GCP_ENFORCER_ACTIONS = ['SCALE_TO_FLOOR', 'DELETE'] as const;

export interface GcpEnforcerConfig {
  /** The budget's display name; messages of other budgets are ignored. */
  readonly budgetDisplayName: string;
  /**
   * The budget's resource name, `billingAccounts/<account>/budgets/<id>`: a message acts only when its
   * `billingAccountId` and `budgetId` attributes name this budget, and the once-per-period marker is keyed on it.
   */
  readonly budgetName: string;
  readonly action: (typeof GCP_ENFORCER_ACTIONS)[number];
  /** Percent of the budget amount at which to act. */
  readonly enforceAtPercent: number;
  readonly endpoints: readonly GuardedVertexEndpoint[];
  /** Bucket holding one marker object per budget period, so a message seen twice acts once. */
  readonly markerBucket: string;
  /** `projects/<p>/topics/<t>` the enforcer reports to. */
  readonly reportTopic: string;
}

function isGuarded(value: unknown): value is GuardedVertexEndpoint[] {
  return Array.isArray(value) && value.length > 0 && value.every((e: Partial<GuardedVertexEndpoint> | null) =>
    e !== null && typeof e === 'object' && typeof e.project === 'string' && typeof e.location === 'string' &&
    typeof e.endpointId === 'string' && /^\d+$/.test(e.endpointId) && Number.isInteger(e.floor) && (e.floor as number) >= 1);
}

export const GCP_ENFORCER_ENV: EnvTable<GcpEnforcerConfig> = {
  budgetDisplayName: EnvFields.text('BUDGET_DISPLAY_NAME'),
  budgetName: EnvFields.text('BUDGET_NAME'),
  action: EnvFields.oneOf('ACTION', GCP_ENFORCER_ACTIONS),
  enforceAtPercent: EnvFields.positiveNumber('ENFORCE_AT_PERCENT'),
  endpoints: EnvFields.json('GUARDED_ENDPOINTS', 'a JSON array of {project, location, endpointId (digits), floor (>= 1)}, at least one', isGuarded),
  markerBucket: EnvFields.text('MARKER_BUCKET'),
  reportTopic: EnvFields.text('REPORT_TOPIC'),
};
