/**
 * The rollout controller's configuration: app settings the CanaryRollout construct renders and the Function
 * parses, from the shared typed table (lib/internal/function-environment.ts, which imports nothing, so the
 * Function bundles it). Neither side can drift.
 */
import { EnvFields, EnvTable, parseEnvironment, renderEnvironment } from '../../../lib/internal/function-environment';

/** One live step: the new deployment's share of traffic, and how long it holds before the next. */
export interface ControllerStep {
  readonly percent: number;
  readonly bakeSeconds: number;
}

export interface ControllerConfig {
  /** ARM id of the online endpoint. */
  readonly endpointId: string;
  /** The deployment the current Terraform apply wrote (the version being rolled out). */
  readonly targetDeployment: string;
  /** Live steps, ascending, the last at 100. */
  readonly steps: ControllerStep[];
  /** A shadow phase before the first live step: mirrored share and how long it lasts. */
  readonly mirror?: ControllerStep;
  /**
   * ARM ids of the alert rules whose firing rolls the target back. A rollback request is acted on only when
   * Azure Monitor (Microsoft.AlertsManagement/alerts GET) confirms a fired alert of one of these rules.
   */
  readonly alertRuleIds: string[];
  /**
   * ARM id of the autoscale setting Terraform points at the target deployment. While another deployment serves
   * next to the target, the controller gives it a copy (`<id>-<deployment>`), removed when that deployment goes.
   */
  readonly autoscaleSettingId?: string;
}

/**
 * Tag the controller writes on the target deployment before it rolls it back: a persisted hold (seen by every
 * instance and after a restart) that stops `advance` moving traffic forward until the rollback lands. Remove
 * the tag by hand to release a rollout whose rollback you decided against.
 */
export const HOLD_TAG = 'rollout-hold';

export const CONTROLLER_ENV = {
  endpointId: 'ROLLOUT_ENDPOINT_ID',
  targetDeployment: 'ROLLOUT_TARGET_DEPLOYMENT',
  steps: 'ROLLOUT_STEPS',
  mirror: 'ROLLOUT_MIRROR',
  alertRuleIds: 'ROLLOUT_ALERT_RULE_IDS',
  autoscaleSettingId: 'ROLLOUT_AUTOSCALE_ID',
} as const;

function isStep(s: unknown): s is ControllerStep {
  const x = s as ControllerStep;
  return typeof x === 'object' && x !== null && Number.isInteger(x.percent) && x.percent >= 1 && x.percent <= 100 &&
    Number.isFinite(x.bakeSeconds) && x.bakeSeconds >= 0;
}

function isSteps(v: unknown): v is ControllerStep[] {
  return Array.isArray(v) && v.length > 0 && v.every(isStep) && v[v.length - 1].percent === 100 && v.every((s, i) => i === 0 || s.percent > v[i - 1].percent);
}

function isMirror(v: unknown): v is ControllerStep {
  return isStep(v) && v.percent <= 50;
}

const ALERT_RULE_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Insights\/(scheduledQueryRules|metricAlerts)\/[^/]+$/i;

function isRuleIds(v: unknown): v is string[] {
  return Array.isArray(v) && v.length > 0 && v.every((id) => typeof id === 'string' && ALERT_RULE_ID.test(id));
}

/** The settings as the table holds them: the optional ones as null when empty. */
type ControllerSettings = Omit<ControllerConfig, 'mirror' | 'autoscaleSettingId'> & { readonly mirror: ControllerStep | null; readonly autoscaleSettingId: string | null };

/** The one table CanaryRollout renders and the Function parses (lib/internal/function-environment.ts). */
const CONTROLLER_TABLE: EnvTable<ControllerSettings> = {
  endpointId: EnvFields.matching(CONTROLLER_ENV.endpointId, /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+\/onlineEndpoints\/[^/]+$/i, 'an online endpoint ARM id'),
  targetDeployment: EnvFields.matching(CONTROLLER_ENV.targetDeployment, /^[a-zA-Z][a-zA-Z0-9-]{2,31}$/, 'a deployment name (a letter, then 2-31 letters, digits and -)'),
  steps: EnvFields.json(CONTROLLER_ENV.steps, 'a JSON list of {percent, bakeSeconds}, ascending, ending at 100', isSteps),
  mirror: EnvFields.optional(EnvFields.json(CONTROLLER_ENV.mirror, 'JSON {percent (1-50), bakeSeconds}', isMirror)),
  alertRuleIds: EnvFields.json(CONTROLLER_ENV.alertRuleIds, 'a JSON list of alert rule ARM ids, at least one', isRuleIds),
  autoscaleSettingId: EnvFields.optional(EnvFields.matching(CONTROLLER_ENV.autoscaleSettingId, /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/microsoft\.insights\/autoscalesettings\/[^/]+$/i, 'an autoscale setting ARM id')),
};

export function renderControllerEnvironment(c: ControllerConfig): Record<string, string> {
  return renderEnvironment(CONTROLLER_TABLE, { ...c, mirror: c.mirror ?? null, autoscaleSettingId: c.autoscaleSettingId ?? null });
}

/** Parses the app settings; throws naming every missing or malformed one. */
export function parseControllerEnvironment(env: Readonly<Record<string, string | undefined>>): ControllerConfig {
  const { mirror, autoscaleSettingId, ...rest } = parseEnvironment(CONTROLLER_TABLE, env);
  return { ...rest, mirror: mirror ?? undefined, ...(autoscaleSettingId ? { autoscaleSettingId } : {}) };
}
