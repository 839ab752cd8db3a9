import { IConstruct } from 'constructs';
import { APPROXIMATION_TOLERANCE_PERCENT, BackendCapabilities, RolloutStepShape, TrafficSplitting } from './capabilities';
import { ProblemCollector, SpecProblem, SpecWarning, describe, isUnresolved } from './errors';
import { ResolvedGuardrails, sameGuardrails } from './guardrails';
import { guardrailRefusals } from './resolve-serving';
import { Resolution, refusal } from './resolution';
import { HeaderRoute, RolloutPolicy } from './rollout';
import { Duration } from './units';

/** What a rollout is resolved against besides the policy: the endpoint it updates and what the user accepts. */
export interface RolloutContext {
  /** The endpoint's fewest replicas; approximated traffic shares are computed at this size. */
  readonly minReplicas: number;
  /** The endpoint's guardrails; a policy without its own uses these. */
  readonly endpointGuardrails: ResolvedGuardrails;
  /**
   * The user accepts traffic shares approximated with replica counts beyond the tolerance.
   * @default false
   */
  readonly acceptApproximateTraffic?: boolean;
  /**
   * The user accepts a rollout that nothing rolls back automatically (promotion and rollback by hand).
   * @default false
   */
  readonly acceptManualPromotion?: boolean;
}

/** One step after resolution, with the share the platform will really serve. */
export interface ResolvedRolloutStep {
  readonly trafficPercent: number;
  readonly bake: Duration;
  /**
   * The share the new version really gets at minReplicas: equal to trafficPercent where traffic is split
   * exactly, canary pods / all pods where it is approximated (rounded to one decimal).
   */
  readonly effectivePercent: number;
}

export interface ResolvedRollout {
  readonly steps: ResolvedRolloutStep[];
  readonly shape: RolloutStepShape;
  /** The guardrails that roll back: the policy's own, or the endpoint's. */
  readonly guardrails: ResolvedGuardrails;
  /** True when the guardrails equal the endpoint's, so the endpoint's alarms can serve the rollout. */
  readonly reusesEndpointGuardrails: boolean;
  /** Bake at 100% before the old version goes. */
  readonly finalBake: Duration;
  /** Whether the platform rolls back on its own (false only where the user accepted manual promotion). */
  readonly automaticRollback: boolean;
  readonly shadowTrafficPercent?: number;
  /** How long the shadow phase runs (set with shadowTrafficPercent). */
  readonly shadowDuration?: Duration;
  /** Requests with this header go to the new version during the rollout. */
  readonly headerRoute?: HeaderRoute;
}

/**
 * A rollout policy resolved for one backend.
 *
 * TypeScript-only (a backend author's helper; lib/README.md "jsii and Python").
 * @jsii ignore
 */
export class RolloutResolution extends Resolution {
  /** Resolves `policy` for the backend `caps` describes. Never throws: problems are collected. */
  public static of(policy: RolloutPolicy, caps: BackendCapabilities, context: RolloutContext): RolloutResolution {
    const problems: SpecProblem[] = [];
    const warnings: SpecWarning[] = [];
    const rc = caps.rollout;
    const shifting = policy.steps.slice(0, -1);

    if (rc.stepShapes.length === 0) {
      problems.push(refusal(caps, 'policy', `a rollout (${policy.shape})`, 'no progressive rollouts', `deploy new versions by replacing the endpoint, or use a ${caps.backend} mode that shifts traffic`));
    } else if (!rc.stepShapes.includes(policy.shape)) {
      problems.push(refusal(caps, 'policy.steps', describe(policy.steps.map((s) => `${s.trafficPercent}%/${s.bake.toString()}`)) + ` (${policy.shape})`,
        `step shapes ${rc.stepShapes.join(', ')}`,
        rc.stepShapes.includes(RolloutStepShape.EQUAL_STEPS) ? 'use RolloutPolicy.canary() or RolloutPolicy.linear(), or equal steps with one bake' : 'use RolloutPolicy.canary()'));
    }
    // A step's bake is the time its guardrails have to roll back before more traffic moves: at least one
    // controller tick, and at least the time the alarms need to fire (evaluation period x breaching periods).
    const guarding = policy.guardrails ?? context.endpointGuardrails;
    // (Without automatic rollback nothing acts on the alarms, so only the tick counts.)
    const alarmWindow = rc.automaticRollback ? guarding.evaluationPeriod.toSeconds() * guarding.breachingPeriods : 0;
    const tick = rc.controllerTick?.toSeconds() ?? 0;
    shifting.forEach((s, i) => {
      const bake = s.bake.toSeconds();
      if (rc.stepShapes.length > 0 && !isUnresolved(bake) && bake < Math.max(alarmWindow, tick, 1)) {
        const why = [`the guardrails need ${inLargestUnit(alarmWindow).toString()} to fire (evaluationPeriod ${guarding.evaluationPeriod.toString()} x breachingPeriods ${guarding.breachingPeriods})`];
        if (tick > alarmWindow) why.push(`the ${caps.backend} rollout controller ticks every ${rc.controllerTick!.toString()}`);
        const least = inLargestUnit(Math.max(alarmWindow, tick, 1));
        problems.push({
          field: `policy.steps[${i}].bake`,
          given: s.bake.toString(),
          allowed: `at least ${least.toString()} on ${caps.backend}: ${why.join(', and ')}; a shorter bake moves traffic on before anything can roll it back`,
          fix: `bake ${least.toString()} or longer, e.g. Duration.minutes(${Math.max(10, Math.ceil(least.toSeconds() / 60))}), or shorten the guardrails' evaluationPeriod / breachingPeriods`,
        });
      }
      if (s.bake.toSeconds() > rc.longestBake.toSeconds()) {
        problems.push(refusal(caps, `policy.steps[${i}].bake`, s.bake.toString(), `bakes up to ${rc.longestBake.toString()}`, `use ${rc.longestBake.toString()} or less per step, with more steps if you need longer`));
      }
    });
    const longestFinal = rc.longestFinalBake ?? rc.longestBake;
    if (policy.finalBake.toSeconds() > longestFinal.toSeconds()) {
      problems.push(refusal(caps, 'policy.finalBake', policy.finalBake.toString(), `a final bake up to ${longestFinal.toString()}`, `use ${longestFinal.toString()} or less`));
    }
    const maxStep = rc.maxStepPercent ?? 99;
    if (shifting.length > 0 && shifting[0].trafficPercent > maxStep) {
      problems.push(refusal(caps, 'policy.steps[0].trafficPercent', `${shifting[0].trafficPercent}%`, `a first step of at most ${maxStep}%`, 'use a smaller first step'));
    }
    if (policy.shadowTrafficPercent !== undefined) {
      if (!rc.shadowTraffic) {
        problems.push(refusal(caps, 'policy.shadowTrafficPercent', `${policy.shadowTrafficPercent}%`, 'no shadow traffic', 'remove shadowTrafficPercent'));
      } else if (rc.maxShadowPercent !== undefined && policy.shadowTrafficPercent > rc.maxShadowPercent) {
        problems.push(refusal(caps, 'policy.shadowTrafficPercent', `${policy.shadowTrafficPercent}%`, `at most ${rc.maxShadowPercent}%`, `mirror ${rc.maxShadowPercent}% or less`));
      }
    }

    if (policy.headerRoute !== undefined && !rc.headerRouting) {
      problems.push(refusal(caps, 'policy.headerRoute', `${policy.headerRoute.headerName}: ${policy.headerRoute.headerValue}`, 'no routing by request header',
        'remove headerRoute, or use a backend with header routing (Kubernetes with TrafficRouter.istio() or TrafficRouter.gatewayApi())'));
    }

    const guardrails = guarding;
    if (policy.guardrails) problems.push(...guardrailRefusals(policy.guardrails, 'policy.guardrails', caps));
    if (!rc.automaticRollback && !context.acceptManualPromotion) {
      problems.push(refusal(caps, 'policy.guardrails',
        `error rate <= ${guardrails.maxErrorRatePercent}%, ${guardrails.latencyPercentile.name} <= ${guardrails.maxLatency.toString()}`,
        'no automatic rollback: nothing would enforce the guardrails',
        'promote and roll back by hand and say so with acceptManualPromotion: true, or use a backend that rolls back on its own (e.g. the plain Kubernetes flavour with Argo Rollouts)'));
    }

    const steps = policy.steps.map((s, i): ResolvedRolloutStep => {
      if (rc.traffic === TrafficSplitting.EXACT || s.trafficPercent >= 100) return { ...s, effectivePercent: s.trafficPercent };
      const effective = approximatedShare(context.minReplicas, s.trafficPercent);
      const off = Math.abs(effective - s.trafficPercent);
      const field = `policy.steps[${i}].trafficPercent`;
      if (off > APPROXIMATION_TOLERANCE_PERCENT && !context.acceptApproximateTraffic) {
        problems.push(refusal(caps, field, `${s.trafficPercent}% at minReplicas ${context.minReplicas}, served as ${effective}%`,
          `shares within ${APPROXIMATION_TOLERANCE_PERCENT} points of what is asked (weights are approximated with whole pods)`,
          `raise scaling.minReplicas to ${replicasFor(s.trafficPercent)} or more, ask for about ${effective}%, add a traffic router, or accept it with acceptApproximateTraffic: true`));
      } else if (off > 0) {
        warnings.push({ field, message: `${s.trafficPercent}% is served as ${effective}% at minReplicas ${context.minReplicas} on ${caps.backend} (weights are approximated with whole pods).` });
      }
      return { ...s, effectivePercent: effective };
    });

    const resolved: ResolvedRollout = {
      steps,
      shape: policy.shape,
      guardrails,
      reusesEndpointGuardrails: sameGuardrails(guardrails, context.endpointGuardrails),
      finalBake: policy.finalBake,
      automaticRollback: rc.automaticRollback,
      shadowTrafficPercent: policy.shadowTrafficPercent,
      shadowDuration: policy.shadowDuration,
      headerRoute: policy.headerRoute,
    };
    const explicit = ['policy.steps', ...(policy.guardrails ? ['policy.guardrails'] : []), ...(policy.shadowTrafficPercent !== undefined ? ['policy.shadowTrafficPercent'] : []), ...(policy.headerRoute !== undefined ? ['policy.headerRoute'] : [])];
    return new RolloutResolution(resolved, explicit, problems, warnings);
  }

  private constructor(public readonly resolved: ResolvedRollout, explicitFields: string[], problems: SpecProblem[], warnings: SpecWarning[]) {
    super(explicitFields, problems, warnings);
  }

  /**
   * The resolved values; the backend's problems (already in `collector`) and these are reported at synth as
   * `scope`'s construct validation. Partial where `collector.count > 0` afterwards.
   */
  public reportIfInvalid(scope: IConstruct, owner: string, collector: ProblemCollector): ResolvedRollout {
    this.report(scope, owner, collector);
    return this.resolved;
  }

  public throwIfInvalid(owner: string, collector: ProblemCollector = new ProblemCollector()): ResolvedRollout {
    this.check(owner, collector);
    return this.resolved;
  }
}

/**
 * The share Argo Rollouts serves the canary without a traffic router, at `replicas` pods with maxSurge 1:
 * Argo picks, among ceil/floor of replicas * weight and totals of replicas and replicas + 1, the canary/total
 * closest to the weight, never 0 canary pods for a weight of 1-99 (approximateWeightedCanaryStableReplicaCounts
 * in argo-rollouts utils/replicaset/canary.go). Percent, one decimal.
 */
export function approximatedShare(replicas: number, weight: number): number {
  if (replicas <= 0 || weight <= 0) return 0;
  if (weight >= 100) return 100;
  const tied = (n: number) => Math.abs(((n * weight) / 100) % 1 - 0.5) < 0.0001;
  const ceil = Math.ceil((replicas * weight) / 100);
  const floor = Math.floor((replicas * weight) / 100);
  const options: [number, number][] = [];
  if (ceil < replicas) options.push([ceil, replicas]);
  if (!tied(replicas) && floor !== 0) options.push([floor, replicas]);
  options.push([ceil, replicas + 1]);
  if (!tied(replicas + 1) && floor !== 0) options.push([floor, replicas + 1]);
  let best = options[0];
  for (const o of options) if (Math.abs(weight - (100 * o[0]) / o[1]) < Math.abs(weight - (100 * best[0]) / best[1])) best = o;
  return Math.round((1000 * best[0]) / best[1]) / 10;
}

/** `seconds` as a Duration in the largest unit that divides it, for messages (180 -> 3min). */
function inLargestUnit(seconds: number): Duration {
  if (seconds % 3600 === 0) return Duration.hours(seconds / 3600);
  if (seconds % 60 === 0) return Duration.minutes(seconds / 60);
  return Duration.seconds(seconds);
}

/** Fewest replicas at which the approximated share is within the tolerance of `weight`. */
function replicasFor(weight: number): number {
  for (let n = 1; n <= 1000; n++) if (Math.abs(approximatedShare(n, weight) - weight) <= APPROXIMATION_TOLERANCE_PERCENT) return n;
  return 1000;
}
