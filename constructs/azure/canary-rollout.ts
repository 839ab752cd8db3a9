import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { MonitorActionGroup } from '@cdktf/provider-azurerm/lib/monitor-action-group';
import { Construct } from 'constructs';
import { Annotations } from 'cdktf';
import { Duration, ProblemCollector, ResolvedRollout, RolloutPolicy, SpecResolver, SpecWarning } from '../../lib';
import { ICanaryRolloutContract, oneRolloutProblem } from '../../lib/backend';
import { addTextWarnings } from '../../lib/internal/warnings';
import { AZURE_ML_CAPABILITIES } from './capabilities';
import { EntraWebhookApplication, HandlerFunctionApp, webhookApplicationProblems } from './function-app';
import { GuardrailAlerts, checkGuardrails } from './guardrail-alerts';
import { ModelEndpoint } from './model-endpoint';
import { ControllerConfig, renderControllerEnvironment } from './rollout-controller/environment';
import { ARM_ID_TYPES, checkArmId } from './validation';
import { rolloutPropShapes, throwIfBadShapes } from '../../lib/prop-shapes';

/**
 * The controller's timer period: every minute (constructs/azure/rollout-controller/handler.ts); the same as
 * AZURE_ML_CAPABILITIES.rollout.controllerTick, which the bake refusal reads.
 */
export const CONTROLLER_TICK_SECONDS = 60;

/** The function the action group calls (constructs/azure/rollout-controller/handler.ts). */
export const ROLLBACK_FUNCTION_NAME = 'rollback';

/** ARM actions the controller's identity holds, on this endpoint only. */
export const ROLLOUT_CONTROLLER_ACTIONS = [
  'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read',
  'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/write',
  'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/read',
  'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/delete',
  // The hold tag on the target deployment before a rollback (a PATCH of its tags).
  'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/write',
];

/**
 * To confirm an alert before rolling back: read the fired alert from Azure Monitor (Microsoft.AlertsManagement).
 * Assigned at the alerts' target, the Log Analytics workspace the rules query.
 */
export const ROLLOUT_CONTROLLER_ALERT_READ = ['Microsoft.AlertsManagement/alerts/read'];

/** To give the stable deployment its own copy of the autoscale setting while both serve, and remove it after. */
export const ROLLOUT_CONTROLLER_AUTOSCALE = [
  'Microsoft.Insights/autoscalesettings/read',
  'Microsoft.Insights/autoscalesettings/write',
  'Microsoft.Insights/autoscalesettings/delete',
];

export interface CanaryRolloutProps {
  /** The endpoint whose new versions roll out gradually. Attach the rollout when the endpoint is created. */
  readonly endpoint: ModelEndpoint;
  /**
   * Steps, guardrails and shadow traffic from the shared spec. Traffic moves in exactly these percentages;
   * `shadowTrafficPercent` (at most 50 on Azure ML) mirrors traffic to the new version before the first step.
   */
  readonly policy: RolloutPolicy;
  /**
   * How long the shadow (mirror) phase lasts, when the policy asks for one; overrides the policy's shadowDuration.
   * @default - the policy's shadowDuration (1 hour unless the policy sets it)
   */
  readonly shadowDuration?: Duration;
  /** More action groups (ARM ids) the rollback alerts notify, e.g. the on-call's. @default - only the controller */
  readonly notifyActionGroupIds?: string[];
  /**
   * The Entra application that protects the controller's rollback webhook (see {@link EntraWebhookApplication}):
   * the rollback action group calls it as a secure webhook, and the controller's app accepts only Entra tokens
   * for it that Azure Monitor's action groups hold. Register it once per tenant (Application Administrator).
   */
  readonly webhookApplication: EntraWebhookApplication;
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
export class CanaryRollout extends Construct implements ICanaryRolloutContract {
  public readonly controller: HandlerFunctionApp;
  public readonly actionGroup: MonitorActionGroup;
  /** Error-rate and latency alerts on the new deployment alone; they call the controller's rollback. */
  public readonly alerts: GuardrailAlerts;
  /** The controller's configuration, as its app settings carry it. */
  public readonly config: ControllerConfig;
  /** The policy after resolution for Azure ML. */
  public readonly rollout: ResolvedRollout;
  /** Advice from the shared resolver (also a cdktf `Annotations` warning on this construct). */
  public readonly warnings: SpecWarning[];

  constructor(scope: Construct, id: string, props: CanaryRolloutProps) {
    super(scope, id);
    // JavaScript callers: a prop of the wrong kind is named here, before the rest reads it as typed.
    throwIfBadShapes(`CanaryRollout ${this.node.path}`, props, rolloutPropShapes(ModelEndpoint));
    const { endpoint, policy } = props;
    const owner = `CanaryRollout ${this.node.path}`;
    const c = new ProblemCollector();
    const oneRollout = oneRolloutProblem(endpoint);
    if (oneRollout) c.add(oneRollout);
    c.addAll(webhookApplicationProblems('webhookApplication', props.webhookApplication));
    (props.notifyActionGroupIds ?? []).forEach((agId, i) => checkArmId(`notifyActionGroupIds[${i}]`, agId, ARM_ID_TYPES.actionGroup, c));
    const resolution = SpecResolver.rollout(policy, AZURE_ML_CAPABILITIES, {
      minReplicas: endpoint.serving.minReplicas,
      endpointGuardrails: endpoint.serving.guardrails,
    });
    // The policy carries the shadow's duration for every backend (RolloutPolicy.shadowDuration).
    const shadowDuration = props.shadowDuration ?? policy.shadowDuration ?? Duration.hours(1);
    if (props.shadowDuration && policy.shadowTrafficPercent === undefined) {
      c.add({ field: 'shadowDuration', given: props.shadowDuration.toString(), allowed: 'only with a policy that sets shadowTrafficPercent', fix: 'set shadowTrafficPercent in the policy, or remove shadowDuration' });
    }
    if (!(Number.isInteger(shadowDuration.toSeconds()) && shadowDuration.toSeconds() >= 60 && shadowDuration.toSeconds() <= 24 * 3600)) {
      c.add({ field: 'shadowDuration', given: shadowDuration.toString(), allowed: 'whole seconds from 1 minute to 24 hours', fix: 'e.g. Duration.minutes(30)' });
    }
    const g = resolution.resolved.guardrails;
    if (policy.guardrails) checkGuardrails(g, 'policy.guardrails', c);
    // A bake shorter than the controller's one-minute tick (AZURE_ML_CAPABILITIES.rollout.controllerTick) or
    // than the rollback alerts' breachingPeriods x evaluationPeriod is refused by SpecResolver.rollout (one rule
    // for every backend, lib/resolve-rollout.ts), reported through `resolution` above.
    this.rollout = resolution.reportIfInvalid(this, owner, c);
    this.warnings = [...resolution.warnings];
    addTextWarnings(Annotations.of(this), this.warnings);

    endpoint.handOverToController();
    const target = endpoint.deploymentName;
    const alertPrefix = `${endpoint.endpointName}-${target}-rollback`;
    // The rules' ARM ids are known before they exist (and must be: the rules call this Function's action group).
    const client = new DataAzurermClientConfig(this, 'Client', {});
    const rules = GuardrailAlerts.ruleNames(alertPrefix, g);
    const ruleIds = [rules.errorRate, rules.latency].map((n) => `/subscriptions/${client.subscriptionId}/resourceGroups/${endpoint.resourceGroupName}/providers/Microsoft.Insights/scheduledQueryRules/${n}`);
    this.config = {
      endpointId: endpoint.endpointId,
      targetDeployment: target,
      steps: this.rollout.steps.map((s) => ({ percent: s.trafficPercent, bakeSeconds: s.bake.toSeconds() })),
      mirror: this.rollout.shadowTrafficPercent !== undefined ? { percent: this.rollout.shadowTrafficPercent, bakeSeconds: shadowDuration.toSeconds() } : undefined,
      alertRuleIds: ruleIds,
      autoscaleSettingId: endpoint.autoscale.id,
    };

    this.controller = new HandlerFunctionApp(this, 'Controller', {
      handler: 'rollout-controller',
      resourceGroupName: endpoint.resourceGroupName,
      location: endpoint.location,
      namePrefix: `${endpoint.endpointName.slice(0, 20)}-rollout`,
      settings: renderControllerEnvironment(this.config),
      tags: endpoint.tags,
      logAnalyticsWorkspaceId: endpoint.logAnalyticsWorkspaceId,
      // One instance: the rollback hold must be seen by the timer and the webhook alike.
      maxInstances: 1,
      webhookApplication: props.webhookApplication,
      permissions: { actions: ROLLOUT_CONTROLLER_ACTIONS, scopes: [endpoint.endpointId] },
      additionalPermissions: [
        { actions: ROLLOUT_CONTROLLER_ALERT_READ, scopes: [endpoint.logAnalyticsWorkspaceId], defineAtResourceGroup: true },
        // The stable deployment's copy of the autoscale setting does not exist before the rollout, and Azure
        // cannot assign a role at a resource that does not exist yet: autoscale settings of the resource group.
        { actions: ROLLOUT_CONTROLLER_AUTOSCALE, scopes: [`/subscriptions/${client.subscriptionId}/resourceGroups/${endpoint.resourceGroupName}`], defineAtResourceGroup: true },
      ],
    });

    this.actionGroup = new MonitorActionGroup(this, 'RollbackActions', {
      name: `${endpoint.endpointName}-rollback`,
      resourceGroupName: endpoint.resourceGroupName,
      shortName: 'rollback',
      // Secure webhook: an Entra token for the webhook application, no function key.
      webhookReceiver: [this.controller.secureWebhookReceiver('rollout-controller', ROLLBACK_FUNCTION_NAME)],
      tags: endpoint.tags,
    });
    const actionGroups = [this.actionGroup.id, ...(props.notifyActionGroupIds ?? [])];
    // Endpoint-wide alerts cannot tell the new deployment from the old, so these watch the new one alone.
    this.alerts = new GuardrailAlerts(this, 'Alerts', {
      namePrefix: alertPrefix,
      resourceGroupName: endpoint.resourceGroupName,
      location: endpoint.location,
      logAnalyticsWorkspaceId: endpoint.logAnalyticsWorkspaceId,
      endpointName: endpoint.endpointName,
      deploymentName: target,
      guardrails: g,
      actionGroupIds: actionGroups,
      tags: endpoint.tags,
      purpose: `Rolls back ${target}`,
    });
  }
}
