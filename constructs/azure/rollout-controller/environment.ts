/**
 * The rollout controller's configuration: app settings the CanaryRollout construct renders and the Function
 * parses. One table, imported by both, so neither can drift. No imports: it is bundled into the Function.
 */

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
  readonly steps: readonly ControllerStep[];
  /** A shadow phase before the first live step: mirrored share and how long it lasts. */
  readonly mirror?: ControllerStep;
  /**
   * ARM ids of the alert rules whose firing rolls the target back. A rollback request is acted on only when
   * Azure Monitor (Microsoft.AlertsManagement/alerts GET) confirms a fired alert of one of these rules.
   */
  readonly alertRuleIds: readonly string[];
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

export function renderControllerEnvironment(c: ControllerConfig): Record<string, string> {
  return {
    [CONTROLLER_ENV.endpointId]: c.endpointId,
    [CONTROLLER_ENV.targetDeployment]: c.targetDeployment,
    [CONTROLLER_ENV.steps]: JSON.stringify(c.steps),
    [CONTROLLER_ENV.mirror]: c.mirror ? JSON.stringify(c.mirror) : '',
    [CONTROLLER_ENV.alertRuleIds]: JSON.stringify(c.alertRuleIds),
    [CONTROLLER_ENV.autoscaleSettingId]: c.autoscaleSettingId ?? '',
  };
}

function isStep(s: unknown): s is ControllerStep {
  const x = s as ControllerStep;
  return typeof x === 'object' && x !== null && Number.isInteger(x.percent) && x.percent >= 1 && x.percent <= 100 &&
    Number.isFinite(x.bakeSeconds) && x.bakeSeconds >= 0;
}

/** Parses the app settings; throws naming every missing or malformed one. */
export function parseControllerEnvironment(env: Readonly<Record<string, string | undefined>>): ControllerConfig {
  const problems: string[] = [];
  const endpointId = env[CONTROLLER_ENV.endpointId] ?? '';
  if (!/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+\/onlineEndpoints\/[^/]+$/i.test(endpointId)) {
    problems.push(`${CONTROLLER_ENV.endpointId} must be an online endpoint ARM id, got ${JSON.stringify(endpointId)}`);
  }
  const targetDeployment = env[CONTROLLER_ENV.targetDeployment] ?? '';
  if (!/^[a-zA-Z][a-zA-Z0-9-]{2,31}$/.test(targetDeployment)) problems.push(`${CONTROLLER_ENV.targetDeployment} must be a deployment name, got ${JSON.stringify(targetDeployment)}`);
  let steps: ControllerStep[] = [];
  try {
    steps = JSON.parse(env[CONTROLLER_ENV.steps] ?? '') as ControllerStep[];
    if (!Array.isArray(steps) || steps.length === 0 || !steps.every(isStep) || steps[steps.length - 1].percent !== 100 ||
      steps.some((s, i) => i > 0 && s.percent <= steps[i - 1].percent)) throw new Error('shape');
  } catch {
    problems.push(`${CONTROLLER_ENV.steps} must be a JSON list of {percent, bakeSeconds}, ascending, ending at 100; got ${JSON.stringify(env[CONTROLLER_ENV.steps])}`);
  }
  let mirror: ControllerStep | undefined;
  const rawMirror = env[CONTROLLER_ENV.mirror] ?? '';
  if (rawMirror !== '') {
    try {
      mirror = JSON.parse(rawMirror) as ControllerStep;
      if (!isStep(mirror) || mirror.percent > 50) throw new Error('shape');
    } catch {
      problems.push(`${CONTROLLER_ENV.mirror} must be empty or JSON {percent (1-50), bakeSeconds}; got ${JSON.stringify(rawMirror)}`);
    }
  }
  let alertRuleIds: string[] = [];
  try {
    alertRuleIds = JSON.parse(env[CONTROLLER_ENV.alertRuleIds] ?? '') as string[];
    if (!Array.isArray(alertRuleIds) || alertRuleIds.length === 0 ||
      !alertRuleIds.every((id) => typeof id === 'string' && /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Insights\/(scheduledQueryRules|metricAlerts)\/[^/]+$/i.test(id))) throw new Error('shape');
  } catch {
    problems.push(`${CONTROLLER_ENV.alertRuleIds} must be a JSON list of alert rule ARM ids; got ${JSON.stringify(env[CONTROLLER_ENV.alertRuleIds])}`);
  }
  const autoscaleSettingId = env[CONTROLLER_ENV.autoscaleSettingId] || undefined;
  if (autoscaleSettingId !== undefined && !/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/microsoft\.insights\/autoscalesettings\/[^/]+$/i.test(autoscaleSettingId)) {
    problems.push(`${CONTROLLER_ENV.autoscaleSettingId} must be empty or an autoscale setting ARM id; got ${JSON.stringify(autoscaleSettingId)}`);
  }
  if (problems.length) throw new Error(`rollout controller configuration: ${problems.join('; ')}`);
  return { endpointId, targetDeployment, steps, mirror, alertRuleIds, ...(autoscaleSettingId ? { autoscaleSettingId } : {}) };
}
