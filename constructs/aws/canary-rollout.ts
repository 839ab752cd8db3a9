import * as cdk from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { Duration, ProblemCollector, RolloutPolicy, RolloutStepShape, SpecResolver, SpecWarning, describe, isUnresolved } from '../../lib';
import { ICanaryRolloutContract, oneRolloutProblem } from '../../lib/backend';
import { addIdWarnings } from '../../lib/internal/warnings';
import { SAGEMAKER_CAPABILITIES, SAGEMAKER_EXACT_WEIGHT_CAPABILITIES } from './capabilities';
import { ExactWeightController, MAX_CONTROLLED_ROLLOUT_S, canaryVariantNameFor } from './exact-weight-controller';
import { WAIT_SIGNAL_MARGIN_SECONDS, rollbackWorstCaseSeconds } from './rollout-state-machine';
import { alarmPeriod, buildGuardrailAlarms } from './endpoint-alarms';
import { ModelEndpoint } from './model-endpoint';
import type { ResolvedGuardrails, ResolvedRollout } from '../../lib';
import { rolloutPropShapes, throwIfBadShapes } from '../../lib/prop-shapes';

/** SageMaker's limits for blue/green deployments (the bake limits are in SAGEMAKER_CAPABILITIES). */
const MIN_EXECUTION_TIMEOUT_S = 600;
const MAX_EXECUTION_TIMEOUT_S = 28_800;
const MAX_ROLLBACK_ALARMS = 10;
/** Families on which SageMaker silently drops the guardrails and shifts all traffic at once. */
const NO_GUARDRAIL_FAMILIES = new Set(['inf1']);

/** Metadata key on the endpoint resource that records the variant the rollout was built for. */
export const ROLLOUT_VARIANT_METADATA = 'model-serving:rollout-variant';

/**
 * How SageMaker runs the rollout. Enum-like: use the constants.
 */
export class SageMakerRolloutMode {
  /**
   * SageMaker's deployment guardrails: a blue/green update with CANARY or LINEAR traffic shifting sized in
   * whole instances (so a step must be at least one instance at minReplicas and at most 50%), bakes up to
   * 1 h, rollback on alarms by SageMaker itself.
   */
  public static readonly BLUE_GREEN = new SageMakerRolloutMode('BLUE_GREEN');
  /**
   * Two production variants whose weights are the step percentages, moved by a controller (Step Functions
   * + Lambda) that bakes each step, watches the alarms, rolls back and promotes; CloudFormation waits for it.
   * Exact at any fleet size, any steps, shadow variants; the whole rollout must fit 12 h.
   */
  public static readonly EXACT_WEIGHTS = new SageMakerRolloutMode('EXACT_WEIGHTS');

  private constructor(public readonly name: string) {}

  public toString(): string {
    return this.name;
  }
}

export interface CanaryRolloutProps {
  /** The endpoint whose updates roll out gradually. */
  readonly endpoint: ModelEndpoint;
  /** Steps, guardrails, shadow traffic from the shared spec. */
  readonly policy: RolloutPolicy;
  /**
   * BLUE_GREEN (SageMaker's own guardrails) or EXACT_WEIGHTS (the controller).
   * @default - BLUE_GREEN when the policy fits it at minReplicas (every step at least one whole instance and
   * at most 50%, one step or equal steps, bakes up to 1 h, no shadow), otherwise EXACT_WEIGHTS; `modeReason`
   * says why
   */
  readonly mode?: SageMakerRolloutMode;
  /**
   * Size the canary in instances instead of a percent of capacity. BLUE_GREEN with a one-step policy only.
   * It must be at most half of the endpoint's minimum replicas (SageMaker's limit for CanarySize).
   * @default - the policy's canary trafficPercent, as CAPACITY_PERCENT
   */
  readonly canaryInstanceCount?: number;
  /**
   * Alarms that roll the update back (BLUE_GREEN), or that are watched while the new model takes over the
   * stable variant (EXACT_WEIGHTS, where the canary variant always gets alarms of its own). At most 10.
   * @default - the endpoint's error-rate and latency alarms when the policy has no guardrails of its own (or
   * the same ones); otherwise two alarms built from the policy's guardrails
   */
  readonly alarms?: cloudwatch.IAlarm[];
  /**
   * Time added to the bakes for SageMaker to provision and health-check a new fleet; part of the
   * deployment's maximum execution timeout (BLUE_GREEN), or counted once per fleet the controller brings up
   * (EXACT_WEIGHTS: canary, promotion, and the shadow if any).
   * @default Duration.minutes(30) for BLUE_GREEN, Duration.minutes(20) per fleet for EXACT_WEIGHTS
   */
  readonly provisioningAllowance?: Duration;
}

/**
 * Gradual model updates for a SageMaker `ModelEndpoint`, rolled back on alarms with no one involved.
 *
 * BLUE_GREEN: a blue/green update policy with CANARY or LINEAR traffic shifting, a final bake before the old
 * fleet goes, and SageMaker's automatic rollback. EXACT_WEIGHTS: an `ExactWeightController` moves traffic
 * between two production variants by weight (5% is 5% at two instances), with an optional shadow phase
 * first, and holds the stack update until it has promoted or rolled back.
 *
 * Either way the guardrails apply to updates (a new model on an existing endpoint), never to the first
 * create, and never when the endpoint name changes (that replaces the endpoint). The variant name must
 * stay the same across updates; it is recorded on the endpoint resource as `model-serving:rollout-variant`.
 */
export class CanaryRollout extends Construct implements ICanaryRolloutContract {
  /** The mode in force. */
  public readonly mode: SageMakerRolloutMode;
  /** Why this mode: your choice, or what made the default pick it. */
  public readonly modeReason: string;
  /** The traffic routing: `CANARY` or `LINEAR` (BLUE_GREEN), `EXACT_WEIGHTS` (the controller). */
  public readonly trafficRoutingType: string;
  /** The deployment config written to the endpoint. */
  public readonly deploymentConfig: sagemaker.CfnEndpoint.DeploymentConfigProperty;
  /** The alarms that roll an update back (EXACT_WEIGHTS: watched during promotion). */
  public readonly rollbackAlarms: cloudwatch.IAlarm[];
  /** Error-rate alarm that rolls back (the endpoint's when reused); undefined when you passed your own alarms. */
  public readonly errorRateAlarm?: cloudwatch.Alarm;
  /** Latency alarm that rolls back (the endpoint's when reused); undefined when you passed your own alarms. */
  public readonly latencyAlarm?: cloudwatch.Alarm;
  /** EXACT_WEIGHTS: alarms on the canary (and shadow) variant's own metrics; empty for BLUE_GREEN. */
  public readonly canaryAlarms: cloudwatch.Alarm[];
  /** EXACT_WEIGHTS: the controller; undefined for BLUE_GREEN. */
  public readonly controller?: ExactWeightController;
  /** The policy resolved for SageMaker: steps, the guardrails in force, whether the endpoint's alarms serve. */
  public readonly rollout: ResolvedRollout;
  /** Advice from the shared resolver (also an `Annotations` warning on this construct). */
  public readonly warnings: SpecWarning[];
  /** The production variant this rollout watches; keep it the same in every later deployment. */
  public readonly variantName: string;

  constructor(scope: Construct, id: string, props: CanaryRolloutProps) {
    super(scope, id);
    // JavaScript callers: a prop of the wrong kind is named here, before the rest reads it as typed.
    throwIfBadShapes(`CanaryRollout ${this.node.path}`, props, rolloutPropShapes(ModelEndpoint));
    const { endpoint, policy } = props;
    const owner = `CanaryRollout ${this.node.path}`;
    const floor = endpoint.serving.minReplicas;
    this.variantName = endpoint.variantName;
    const context = { minReplicas: floor, endpointGuardrails: endpoint.serving.guardrails };

    // Blue/green first: where it fits, it needs no extra machinery.
    const bg = new ProblemCollector();
    const bgResolution = SpecResolver.rollout(policy, SAGEMAKER_CAPABILITIES, context);
    const routing = mapTraffic(policy, floor, props.canaryInstanceCount, bg);
    const bgAllowance = props.provisioningAllowance ?? Duration.minutes(30);
    const bakes = policy.steps.slice(0, -1).reduce((sum, s) => sum + s.bake.toSeconds(), 0);
    const finalBake = policy.finalBake;
    const bgTimeout = Math.max(MIN_EXECUTION_TIMEOUT_S, Math.ceil(bakes + finalBake.toSeconds() + bgAllowance.toSeconds()));
    if (bgTimeout > MAX_EXECUTION_TIMEOUT_S) {
      bg.add({
        field: 'policy',
        given: `bakes of ${bakes + finalBake.toSeconds()} s plus ${bgAllowance.toSeconds()} s to provision = ${bgTimeout} s`,
        allowed: `at most ${MAX_EXECUTION_TIMEOUT_S} s in all (SageMaker MaximumExecutionTimeoutInSeconds); a longer rollout is stopped and rolled back`,
        fix: 'shorten the bakes or use fewer, larger steps',
      });
    }
    const bgProblems = [...bg.list(), ...bgResolution.problems];

    if (props.mode) {
      this.mode = props.mode;
      this.modeReason = `chosen: mode ${props.mode.name}`;
    } else if (props.canaryInstanceCount !== undefined) {
      this.mode = SageMakerRolloutMode.BLUE_GREEN;
      this.modeReason = 'canaryInstanceCount sizes a blue/green canary';
    } else if (bgProblems.length === 0) {
      this.mode = SageMakerRolloutMode.BLUE_GREEN;
      this.modeReason = `the policy fits SageMaker's blue/green at minReplicas ${floor}`;
    } else {
      this.mode = SageMakerRolloutMode.EXACT_WEIGHTS;
      const first = bgProblems[0];
      this.modeReason = `blue/green cannot run it (${first.field}: ${first.given}; allowed: ${first.allowed}), so exact weights`;
    }
    this.node.addMetadata('model-serving:rollout-mode', `${this.mode.name}: ${this.modeReason}`);

    const c = new ProblemCollector();
    checkEndpointSupportsGuardrails(endpoint, c, this.mode);
    const oneRollout = oneRolloutProblem(endpoint, 'or a hand-written cfnEndpoint.deploymentConfig');
    if (oneRollout) c.add(oneRollout);
    if (props.alarms && !(props.alarms.length >= 1 && props.alarms.length <= MAX_ROLLBACK_ALARMS)) {
      c.add({ field: 'alarms', given: `${props.alarms.length} alarms`, allowed: `1 to ${MAX_ROLLBACK_ALARMS} (SageMaker AutoRollbackConfiguration)`, fix: 'leave alarms out to get the default error-rate and latency alarms' });
    }

    let exactTimeout = 0;
    if (this.mode === SageMakerRolloutMode.BLUE_GREEN) {
      c.addAll(bg.list());
      this.rollout = bgResolution.reportIfInvalid(this, owner, c);
      this.warnings = [...bgResolution.warnings];
    } else {
      if (props.canaryInstanceCount !== undefined) {
        c.add({ field: 'canaryInstanceCount', given: describe(props.canaryInstanceCount), allowed: 'only with mode BLUE_GREEN (exact weights size the canary in proportion to its share)', fix: 'remove canaryInstanceCount' });
      }
      const resolution = SpecResolver.rollout(policy, SAGEMAKER_EXACT_WEIGHT_CAPABILITIES, context);
      const allowance = props.provisioningAllowance ?? Duration.minutes(20);
      const shadowSeconds = policy.shadowDuration?.toSeconds() ?? 0;
      const fleets = policy.shadowTrafficPercent !== undefined ? 3 : 2;
      exactTimeout = Math.ceil(policy.totalBake.toSeconds() + shadowSeconds + fleets * allowance.toSeconds());
      // The stack waits for the deadline, then for the worst-case rollback, then for the last signal.
      const poll = (policy.guardrails?.evaluationPeriod ?? endpoint.serving.guardrails.evaluationPeriod).toSeconds();
      const afterDeadline = rollbackWorstCaseSeconds(allowance.toSeconds(), poll) + WAIT_SIGNAL_MARGIN_SECONDS;
      if (exactTimeout + afterDeadline > MAX_CONTROLLED_ROLLOUT_S) {
        c.add({
          field: 'policy',
          given: `bakes of ${policy.totalBake.toSeconds()} s${shadowSeconds ? `, a ${shadowSeconds} s shadow` : ''} and ${fleets} x ${allowance.toSeconds()} s to provision = ${exactTimeout} s, plus ${afterDeadline} s for a rollback at the deadline (two fleets and retries)`,
          allowed: `on SageMaker (exact-weight controller): at most ${MAX_CONTROLLED_ROLLOUT_S} s in all (CloudFormation waits at most 12 h for the rollout), so at most ${MAX_CONTROLLED_ROLLOUT_S - afterDeadline} s before the deadline`,
          fix: 'shorten the bakes or the shadow, use fewer steps, or lower provisioningAllowance',
        });
      }
      this.rollout = resolution.reportIfInvalid(this, owner, c);
      this.warnings = [...resolution.warnings];
    }
    addIdWarnings(cdk.Annotations.of(this), this.warnings);
    const g = this.rollout.guardrails;

    if (props.alarms) {
      this.rollbackAlarms = [...props.alarms];
    } else if (this.rollout.reusesEndpointGuardrails) {
      // Same signals, same thresholds: the endpoint's alarms roll the update back, no copies.
      this.errorRateAlarm = endpoint.errorRateAlarm;
      this.latencyAlarm = endpoint.latencyAlarm;
      this.rollbackAlarms = [endpoint.errorRateAlarm, endpoint.latencyAlarm];
    } else {
      const period = alarmPeriod(g.evaluationPeriod);
      // During a blue/green update both fleets report under the same EndpointName/VariantName, so these
      // alarms see the canary's traffic as soon as it takes any.
      const alarms = buildGuardrailAlarms(this, g, {
        errorRate: endpoint.metricErrorRate({ period }),
        latency: endpoint.metricModelLatency({ period, statistic: g.latencyPercentile.name }),
        errorRateDescription: `Rolls back an update of ${endpoint.endpointName}: more than ${g.maxErrorRatePercent}% of invocations answered 5XX`,
        latencyDescription: `Rolls back an update of ${endpoint.endpointName}: ${g.latencyPercentile.name} ModelLatency above ${g.maxLatency.toString()}`,
        ids: ['ErrorRateAlarm', 'LatencyAlarm'],
      });
      this.errorRateAlarm = alarms.errorRateAlarm;
      this.latencyAlarm = alarms.latencyAlarm;
      this.rollbackAlarms = [this.errorRateAlarm, this.latencyAlarm];
    }

    const cfn = endpoint.cfnEndpoint;
    if (this.mode === SageMakerRolloutMode.BLUE_GREEN) {
      // No routing only with problems reported (synth fails and writes nothing): a placeholder keeps the tree whole.
      const traffic = routing ?? { type: 'ALL_AT_ONCE', waitIntervalInSeconds: 0 };
      this.trafficRoutingType = traffic.type;
      this.canaryAlarms = [];
      this.deploymentConfig = {
        blueGreenUpdatePolicy: {
          trafficRoutingConfiguration: traffic,
          terminationWaitInSeconds: finalBake.toSeconds(),
          maximumExecutionTimeoutInSeconds: bgTimeout,
        },
        autoRollbackConfiguration: { alarms: this.rollbackAlarms.map((a) => ({ alarmName: a.alarmName })) },
      };
    } else {
      this.trafficRoutingType = 'EXACT_WEIGHTS';
      const canaryVariant = canaryVariantNameFor(endpoint.variantName);
      this.canaryAlarms = canaryVariantAlarms(this, endpoint, canaryVariant, g);
      this.controller = new ExactWeightController(this, 'Controller', {
        endpoint,
        steps: policy.steps,
        canaryAlarms: this.canaryAlarms,
        promotionAlarms: this.rollbackAlarms,
        pollInterval: g.evaluationPeriod,
        timeout: Duration.seconds(exactTimeout),
        provisioningAllowance: props.provisioningAllowance ?? Duration.minutes(20),
        shadow: policy.shadowTrafficPercent !== undefined ? { trafficPercent: policy.shadowTrafficPercent, duration: policy.shadowDuration! } : undefined,
      });
      // When the controller has promoted, CloudFormation points the endpoint at its own new config, which
      // serves the same model: a swap with no traffic shift to make, still guarded by the alarms.
      this.deploymentConfig = {
        blueGreenUpdatePolicy: {
          trafficRoutingConfiguration: { type: 'ALL_AT_ONCE', waitIntervalInSeconds: 0 },
          terminationWaitInSeconds: 0,
          maximumExecutionTimeoutInSeconds: Math.max(MIN_EXECUTION_TIMEOUT_S, (props.provisioningAllowance ?? Duration.minutes(20)).toSeconds() + 600),
        },
        autoRollbackConfiguration: { alarms: this.rollbackAlarms.map((a) => ({ alarmName: a.alarmName })) },
      };
    }
    cfn.deploymentConfig = this.deploymentConfig;
    // Without this, every update deploys the new config's InitialInstanceCount and weight, so a fleet that
    // autoscaling grew to 8 instances drops to the floor mid-rollout. Retaining keeps DesiredInstanceCount and
    // DesiredWeight (a single variant: always 1) as they are; the model, image and instance type still come
    // from the new endpoint config, because those are not "variant properties" in SageMaker's sense.
    // DataCaptureConfig is the one retained property that code should be able to change, so it is excluded.
    cfn.retainAllVariantProperties = true;
    cfn.excludeRetainedVariantProperties = [{ variantPropertyType: 'DataCaptureConfig' }];
    // The rollout is only as stable as the variant name: a new name is a new variant, not an update of this one.
    cfn.addMetadata(ROLLOUT_VARIANT_METADATA, this.variantName);
    // Same cost-allocation tags as the endpoint: the controller and its alarms are part of serving this model.
    for (const [key, value] of Object.entries(endpoint.serving.tags)) cdk.Tags.of(this).add(key, value);
    for (const alarm of this.rollbackAlarms) {
      if (alarm instanceof cloudwatch.Alarm) cfn.node.addDependency(alarm);
    }
  }
}

/** Error-rate and latency alarms on one variant's own metrics (the canary, which is also the shadow). */
function canaryVariantAlarms(scope: Construct, endpoint: ModelEndpoint, variantName: string, g: ResolvedGuardrails): cloudwatch.Alarm[] {
  const period = alarmPeriod(g.evaluationPeriod);
  const metric = (metricName: string, statistic: string) => new cloudwatch.Metric({
    namespace: 'AWS/SageMaker', metricName, statistic, period,
    dimensionsMap: { EndpointName: endpoint.endpointName, VariantName: variantName },
  });
  const errors = new cloudwatch.MathExpression({
    expression: 'IF(invocations > 0, 100 * FILL(errors, 0) / invocations, 0)',
    usingMetrics: { invocations: metric('Invocations', 'Sum'), errors: metric('Invocation5XXErrors', 'Sum') },
    label: `${endpoint.endpointName} ${variantName} 5XX error rate (%)`,
    period,
  });
  const alarms = buildGuardrailAlarms(scope, g, {
    errorRate: errors,
    latency: metric('ModelLatency', g.latencyPercentile.name),
    errorRateDescription: `Rolls back a rollout of ${endpoint.endpointName}: more than ${g.maxErrorRatePercent}% of the new model's invocations (variant ${variantName}) answered 5XX`,
    latencyDescription: `Rolls back a rollout of ${endpoint.endpointName}: ${g.latencyPercentile.name} ModelLatency of the new model (variant ${variantName}) above ${g.maxLatency.toString()}`,
    ids: ['CanaryErrorRateAlarm', 'CanaryLatencyAlarm'],
  });
  return [alarms.errorRateAlarm, alarms.latencyAlarm];
}

function checkEndpointSupportsGuardrails(endpoint: ModelEndpoint, c: ProblemCollector, mode: SageMakerRolloutMode): void {
  const variants = endpoint.cfnEndpointConfig.productionVariants;
  if (!Array.isArray(variants)) return;
  const list = variants as sagemaker.CfnEndpointConfig.ProductionVariantProperty[];
  if (list.length !== 1) {
    c.add({ field: 'endpoint', given: `an endpoint config with ${list.length} production variants`, allowed: 'exactly one variant (SageMaker refuses guardrails on multi-variant endpoints)', fix: 'use one variant per endpoint, and shift traffic between models with this rollout' });
  }
  for (const v of list) {
    if (cdk.Token.isUnresolved(v)) continue;
    if (v.serverlessConfig) {
      c.add({ field: 'endpoint', given: `serverless variant ${describe(v.variantName)}`, allowed: 'instance-backed variants (serverless endpoints cannot use blue/green or rolling policies)', fix: 'give the endpoint an instanceType, or drop the CanaryRollout' });
    }
    if (v.acceleratorType) {
      c.add({ field: 'endpoint', given: `Elastic Inference accelerator ${describe(v.acceleratorType)}`, allowed: 'no Elastic Inference (SageMaker falls back to all-at-once)', fix: 'remove acceleratorType, or use a GPU instance type' });
    }
    if (typeof v.variantName === 'string' && !isUnresolved(v.variantName) && v.variantName !== endpoint.variantName) {
      c.add({ field: 'endpoint', given: `variant ${describe(v.variantName)} while the endpoint reports ${describe(endpoint.variantName)}`, allowed: 'the same name', fix: 'do not rename the variant through the L1 config' });
    }
  }
  const family = endpoint.instance?.family;
  if (family && NO_GUARDRAIL_FAMILIES.has(family) && mode === SageMakerRolloutMode.BLUE_GREEN) {
    c.add({ field: 'endpoint.instanceType', given: describe(endpoint.instance!.instanceType), allowed: 'an instance family other than Inf1 (SageMaker ignores the guardrails there and shifts all traffic at once)', fix: 'use ml.inf2.* or a GPU instance type' });
  }
}

function mapTraffic(
  policy: RolloutPolicy,
  floor: number,
  canaryInstanceCount: number | undefined,
  c: ProblemCollector,
): sagemaker.CfnEndpoint.TrafficRoutingConfigProperty | undefined {
  const shifting = policy.steps.slice(0, -1);
  if (shifting.length === 0) {
    c.add({ field: 'policy.steps', given: 'a single step at 100%', allowed: 'at least one step below 100% (else SageMaker shifts everything at once)', fix: 'use RolloutPolicy.canary() or RolloutPolicy.linear()' });
    return undefined;
  }
  // A single-step canary needs a fleet that can be split: at least one instance on each side.
  if (floor < 2) {
    c.add({ field: 'endpoint scaling.minReplicas', given: describe(floor), allowed: 'at least 2 (SageMaker sizes a canary or linear step at most 50% of the fleet, in whole instances)', fix: 'set scaling.minReplicas: 2 or more' });
  }
  const bake = shifting[0].bake;
  // Bakes, the largest step and the step shape are refused by the shared resolver (SAGEMAKER_CAPABILITIES).
  if (policy.shape === RolloutStepShape.ANY_STEPS) return undefined;
  const kind: 'CANARY' | 'LINEAR' = policy.shape === RolloutStepShape.ONE_STEP ? 'CANARY' : 'LINEAR';
  if (canaryInstanceCount !== undefined && kind !== 'CANARY') {
    c.add({ field: 'canaryInstanceCount', given: `${canaryInstanceCount} with a ${kind} policy`, allowed: 'only with a CANARY policy', fix: 'remove canaryInstanceCount' });
  }

  const pct = shifting[0].trafficPercent;
  let size: sagemaker.CfnEndpoint.CapacitySizeProperty;
  if (kind === 'CANARY' && canaryInstanceCount !== undefined) {
    const maxCount = Math.floor(floor / 2);
    if (!(Number.isInteger(canaryInstanceCount) && canaryInstanceCount >= 1 && canaryInstanceCount <= maxCount)) {
      c.add({ field: 'canaryInstanceCount', given: `${describe(canaryInstanceCount)} with minReplicas ${floor}`, allowed: `an integer from 1 to ${maxCount} (at most 50% of the smallest fleet)`, fix: 'lower the count, or raise scaling.minReplicas' });
    }
    size = { type: 'INSTANCE_COUNT', value: canaryInstanceCount };
  } else {
    if (kind === 'LINEAR' && pct < 10) {
      c.add({ field: 'policy stepPercent', given: `${pct}%`, allowed: 'from 10% to 50% (SageMaker LinearStepSize)', fix: 'use RolloutPolicy.linear({ stepPercent: 10 }) or more' });
    }
    // SageMaker splits the fleet in whole instances; a share below one instance at the floor is not a canary.
    if (floor >= 2 && (pct * floor) / 100 < 1) {
      c.add({
        field: 'policy trafficPercent',
        given: `${pct}% of ${floor} instances = ${((pct * floor) / 100).toFixed(2)} instances`,
        allowed: 'at least one whole instance at minReplicas',
        // SageMaker takes at most 50% per step (CanarySize / LinearStepSize), so the hint names a range up to it.
        fix: `${Math.ceil(100 / floor) >= 50 ? 'raise the percent to 50' : `raise the percent to between ${Math.ceil(100 / floor)} and 50`}, set canaryInstanceCount: 1, or raise scaling.minReplicas to ${Math.ceil(100 / pct)}`,
      });
    }
    size = { type: 'CAPACITY_PERCENT', value: pct };
  }
  return kind === 'CANARY'
    ? { type: 'CANARY', canarySize: size, waitIntervalInSeconds: bake.toSeconds() }
    : { type: 'LINEAR', linearStepSize: size, waitIntervalInSeconds: bake.toSeconds() };
}
