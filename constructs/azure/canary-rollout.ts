import { MonitorActionGroup } from '@cdktf/provider-azurerm/lib/monitor-action-group';
import { MonitorMetricAlert } from '@cdktf/provider-azurerm/lib/monitor-metric-alert';
import { MonitorScheduledQueryRulesAlertV2 } from '@cdktf/provider-azurerm/lib/monitor-scheduled-query-rules-alert-v2';
import { Construct } from 'constructs';
import { Duration, ProblemCollector, RolloutPolicy, describe } from '../../lib';
import { isoDuration } from './azapi/arm-bodies';
import { HandlerFunctionApp } from './function-app';
import { LatencyPercentile } from './metrics';
import { ModelEndpoint, errorRateAlert, metricCriterion } from './model-endpoint';
import { ControllerConfig, renderControllerEnvironment } from './rollout-controller/environment';
import { AZURE_ML_BACKEND } from './spec-adapter';

/** Azure ML's limit on mirrored (shadow) traffic to one deployment. */
export const MAX_MIRROR_PERCENT = 50;
/** Window sizes Azure Monitor metric alerts accept, in minutes. */
const METRIC_WINDOWS_MIN = [1, 5, 15, 30, 60, 360, 720, 1440];

/** The function the action group calls (constructs/azure/rollout-controller/handler.ts). */
export const ROLLBACK_FUNCTION_NAME = 'rollback';

/** ARM actions the controller's identity holds, on this endpoint only. */
export const ROLLOUT_CONTROLLER_ACTIONS = [
  'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read',
  'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/write',
  'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/read',
  'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/delete',
];

export interface CanaryRolloutProps {
  /** The endpoint whose new versions roll out gradually. Attach the rollout when the endpoint is created. */
  readonly endpoint: ModelEndpoint;
  /** Steps and guardrails from the shared spec. Traffic moves in exactly these percentages. */
  readonly policy: RolloutPolicy;
  /**
   * Mirror this percent of live traffic to the new version (responses discarded) before the first live step.
   * Azure ML mirrors to one deployment, at most 50%.
   * @default - no mirror phase
   */
  readonly mirrorPercent?: number;
  /** How long the mirror phase lasts. @default Duration.minutes(30) */
  readonly mirrorDuration?: Duration;
  /** More action groups (ARM ids) the rollback alerts notify, e.g. the on-call's. @default - only the controller */
  readonly notifyActionGroupIds?: string[];
}

/**
 * Blue/green rollouts on one Azure ML endpoint with automatic rollback and no human involved.
 *
 * Each model version gets its own deployment (named after the version), written once by Terraform. A small
 * pre-bundled Azure Function owns the traffic map from then on: every minute it moves the new deployment to
 * the policy's next step (optionally after a mirror phase), and once the last step (100%) has baked it removes
 * the old deployment. Azure Monitor alerts on the new deployment's latency (at the policy's percentile) and error
 * rate call the same Function through an action group, which puts all traffic back on the stable deployment.
 * Terraform writes the first traffic map only (`ignore_changes = [body]`), so an apply never undoes a rollback.
 */
export class CanaryRollout extends Construct {
  public readonly controller: HandlerFunctionApp;
  public readonly actionGroup: MonitorActionGroup;
  public readonly latencyAlert: MonitorMetricAlert;
  public readonly errorRateAlert: MonitorScheduledQueryRulesAlertV2;
  /** The controller's configuration, as its app settings carry it. */
  public readonly config: ControllerConfig;

  constructor(scope: Construct, id: string, props: CanaryRolloutProps) {
    super(scope, id);
    const { endpoint, policy } = props;
    const owner = `CanaryRollout ${this.node.path}`;
    const c = new ProblemCollector();
    if (endpoint.isControllerManaged) {
      c.add({ field: 'endpoint', given: `${endpoint.node.path}, which already has a CanaryRollout`, allowed: 'one rollout per endpoint', fix: 'remove the other CanaryRollout' });
    }
    const mirrorDuration = props.mirrorDuration ?? Duration.minutes(30);
    if (props.mirrorPercent !== undefined && !(Number.isInteger(props.mirrorPercent) && props.mirrorPercent >= 1 && props.mirrorPercent <= MAX_MIRROR_PERCENT)) {
      c.add({ field: 'mirrorPercent', given: describe(props.mirrorPercent), allowed: `on ${AZURE_ML_BACKEND}: an integer from 1 to ${MAX_MIRROR_PERCENT} (mirrored traffic goes to one deployment, at most 50%)`, fix: 'e.g. 10' });
    }
    if (props.mirrorDuration && props.mirrorPercent === undefined) {
      c.add({ field: 'mirrorDuration', given: props.mirrorDuration.toString(), allowed: 'only with mirrorPercent', fix: 'set mirrorPercent, or remove mirrorDuration' });
    }
    if (mirrorDuration.toSeconds() > 24 * 3600) {
      c.add({ field: 'mirrorDuration', given: mirrorDuration.toString(), allowed: 'at most 24 hours', fix: 'e.g. Duration.minutes(30)' });
    }
    // Both alerts evaluate once a minute over the policy's periods, rounded up to a window Azure Monitor offers.
    const wantedMin = (policy.evaluationPeriod.toSeconds() * policy.breachingPeriods) / 60;
    const windowMin = METRIC_WINDOWS_MIN.find((w) => w >= wantedMin) ?? 0;
    if (windowMin === 0) {
      c.add({
        field: 'policy.evaluationPeriod',
        given: `${policy.evaluationPeriod.toString()} x ${policy.breachingPeriods} breaching periods = ${wantedMin} min`,
        allowed: `on ${AZURE_ML_BACKEND} (Azure Monitor alert windows): at most ${METRIC_WINDOWS_MIN[METRIC_WINDOWS_MIN.length - 1]} minutes in all`,
        fix: 'use shorter evaluation periods or fewer breaching periods',
      });
    }
    c.throwIfAny(owner);

    endpoint.handOverToController();
    const target = endpoint.deploymentName;
    this.config = {
      endpointId: endpoint.endpointId,
      targetDeployment: target,
      steps: policy.steps.map((s) => ({ percent: s.trafficPercent, bakeSeconds: s.bake.toSeconds() })),
      mirror: props.mirrorPercent !== undefined ? { percent: props.mirrorPercent, bakeSeconds: mirrorDuration.toSeconds() } : undefined,
    };

    this.controller = new HandlerFunctionApp(this, 'Controller', {
      handler: 'rollout-controller',
      resourceGroupName: endpoint.resourceGroupName,
      location: endpoint.location,
      namePrefix: `${endpoint.endpointName.slice(0, 20)}-rollout`,
      settings: renderControllerEnvironment(this.config),
      tags: endpoint.tags,
      permissions: { actions: ROLLOUT_CONTROLLER_ACTIONS, scopes: [endpoint.endpointId] },
    });

    this.actionGroup = new MonitorActionGroup(this, 'RollbackActions', {
      name: `${endpoint.endpointName}-rollback`,
      resourceGroupName: endpoint.resourceGroupName,
      shortName: 'rollback',
      azureFunctionReceiver: [{
        name: 'rollout-controller',
        functionAppResourceId: this.controller.app.id,
        functionName: ROLLBACK_FUNCTION_NAME,
        httpTriggerUrl: this.controller.triggerUrl(ROLLBACK_FUNCTION_NAME),
        useCommonAlertSchema: true,
      }],
      tags: endpoint.tags,
    });
    const actionGroups = [this.actionGroup.id, ...(props.notifyActionGroupIds ?? [])];
    const window = isoDuration(windowMin * 60_000);

    const percentile = LatencyPercentile.P99;
    this.latencyAlert = new MonitorMetricAlert(this, 'LatencyAlert', {
      name: `${endpoint.endpointName}-${target}-rollback-latency`,
      resourceGroupName: endpoint.resourceGroupName,
      scopes: [endpoint.endpointId],
      description: `Rolls back ${target}: ${percentile} latency above ${policy.maxP99Latency.toMilliseconds()} ms`,
      severity: 1,
      frequency: 'PT1M',
      windowSize: window,
      criteria: [metricCriterion(endpoint.metricRequestLatency(percentile, { dimensions: [{ name: 'deployment', values: [target] }] }), policy.maxP99Latency.toMilliseconds())],
      action: actionGroups.map((actionGroupId) => ({ actionGroupId })),
      tags: endpoint.tags,
    });
    this.errorRateAlert = errorRateAlert(this, 'ErrorRateAlert', {
      name: `${endpoint.endpointName}-${target}-rollback-errors`,
      resourceGroupName: endpoint.resourceGroupName,
      location: endpoint.location,
      logAnalyticsWorkspaceId: endpoint.logAnalyticsWorkspaceId,
      endpointName: endpoint.endpointName,
      deploymentName: target,
      maxErrorRatePercent: policy.maxErrorRatePercent,
      window: Duration.minutes(windowMin),
      breachingPeriods: 1,
      actionGroupIds: actionGroups,
      tags: endpoint.tags,
    });
  }
}
