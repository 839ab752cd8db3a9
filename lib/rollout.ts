import { ProblemCollector, describe } from './errors';
import { Duration } from './units';

/** One step of a progressive rollout: send this share of traffic to the new version, then wait. */
export interface RolloutStep {
  /** Percent of traffic on the new version during this step (1-100). */
  readonly trafficPercent: number;
  /** How long to hold this step while the guardrails watch. */
  readonly bake: Duration;
}

/** What makes a rollout roll back, with no human involved. */
export interface RolloutGuardrails {
  /** Roll back when the new version's 5XX error rate exceeds this percent. @default 1 */
  readonly maxErrorRatePercent?: number;
  /** Roll back when the new version's p99 latency exceeds this. @default Duration.seconds(1) */
  readonly maxP99Latency?: Duration;
  /** Length of one evaluation window. @default Duration.minutes(1) */
  readonly evaluationPeriod?: Duration;
  /** Consecutive breaching windows that trigger a rollback. @default 2 */
  readonly breachingPeriods?: number;
  /** Keep the old version around after 100% so a late alarm can still roll back. @default Duration.minutes(10) */
  readonly finalBake?: Duration;
}

export enum RolloutKind {
  /** One canary step, then everything. */
  CANARY = 'CANARY',
  /** Equal steps at a fixed interval. */
  LINEAR = 'LINEAR',
  /** Any ascending steps ending at 100%. */
  STEPS = 'STEPS',
}

export interface CanaryOptions extends RolloutGuardrails {
  /** Share of traffic on the canary. @default 5 */
  readonly trafficPercent?: number;
  /** How long the canary bakes before everything moves. @default Duration.hours(1) */
  readonly bake?: Duration;
}

export interface LinearOptions extends RolloutGuardrails {
  /** Share of traffic moved per step. @default 10 */
  readonly stepPercent?: number;
  /** Wait between steps. @default Duration.minutes(10) */
  readonly interval?: Duration;
}

/**
 * How a new model version replaces the old one. Shared by every backend: SageMaker deployment
 * guardrails, Argo Rollouts canary steps, KServe `canaryTrafficPercent`, Vertex AI traffic splits.
 */
export class RolloutPolicy {
  public static canary(options: CanaryOptions = {}): RolloutPolicy {
    const pct = options.trafficPercent ?? 5;
    const bake = options.bake ?? Duration.hours(1);
    return new RolloutPolicy(RolloutKind.CANARY, [{ trafficPercent: pct, bake }, { trafficPercent: 100, bake: options.finalBake ?? Duration.minutes(10) }], options);
  }

  public static linear(options: LinearOptions = {}): RolloutPolicy {
    const step = options.stepPercent ?? 10;
    const interval = options.interval ?? Duration.minutes(10);
    const steps: RolloutStep[] = [];
    if (Number.isFinite(step) && step > 0 && step <= 100) {
      for (let p = step; p < 100; p += step) steps.push({ trafficPercent: p, bake: interval });
    }
    steps.push({ trafficPercent: 100, bake: options.finalBake ?? Duration.minutes(10) });
    const policy = new RolloutPolicy(RolloutKind.LINEAR, steps, options);
    if (!(Number.isInteger(step) && step >= 1 && step <= 50)) {
      policy.fail('stepPercent', describe(step), 'an integer from 1 to 50', 'e.g. 10 moves 10% every interval');
    }
    return policy;
  }

  /** Explicit steps, e.g. 5% for an hour, 25% for an hour, then 100%. The last must be 100%. */
  public static steps(steps: RolloutStep[], guardrails: RolloutGuardrails = {}): RolloutPolicy {
    return new RolloutPolicy(RolloutKind.STEPS, steps, guardrails);
  }

  public readonly steps: readonly RolloutStep[];
  public readonly maxErrorRatePercent: number;
  public readonly maxP99Latency: Duration;
  public readonly evaluationPeriod: Duration;
  public readonly breachingPeriods: number;

  private constructor(public readonly kind: RolloutKind, steps: RolloutStep[], g: RolloutGuardrails) {
    this.steps = [...steps];
    this.maxErrorRatePercent = g.maxErrorRatePercent ?? 1;
    this.maxP99Latency = g.maxP99Latency ?? Duration.seconds(1);
    this.evaluationPeriod = g.evaluationPeriod ?? Duration.minutes(1);
    this.breachingPeriods = g.breachingPeriods ?? 2;

    const c = new ProblemCollector();
    if (this.steps.length === 0) {
      c.add({ field: 'steps', given: '[]', allowed: 'at least one step, the last at 100%', fix: 'e.g. [{trafficPercent: 5, bake: Duration.hours(1)}, {trafficPercent: 100, bake: Duration.minutes(10)}]' });
    }
    let previous = 0;
    this.steps.forEach((s, i) => {
      if (!(Number.isInteger(s.trafficPercent) && s.trafficPercent >= 1 && s.trafficPercent <= 100)) {
        c.add({ field: `steps[${i}].trafficPercent`, given: describe(s.trafficPercent), allowed: 'an integer from 1 to 100', fix: 'use whole percents' });
      } else if (s.trafficPercent <= previous) {
        c.add({ field: `steps[${i}].trafficPercent`, given: `${s.trafficPercent} after ${previous}`, allowed: 'strictly increasing percents', fix: 'order the steps from the smallest share to 100' });
      }
      previous = Math.max(previous, s.trafficPercent);
      if (s.bake.toSeconds() > 24 * 3600 || !Number.isInteger(s.bake.toSeconds())) {
        c.add({ field: `steps[${i}].bake`, given: s.bake.toString(), allowed: 'whole seconds up to 24 hours', fix: 'bake long enough to see real traffic, e.g. Duration.hours(1)' });
      }
    });
    const last = this.steps[this.steps.length - 1];
    if (last && last.trafficPercent !== 100) {
      c.add({ field: `steps[${this.steps.length - 1}].trafficPercent`, given: describe(last.trafficPercent), allowed: 'the last step at 100', fix: 'end the rollout with {trafficPercent: 100, ...}, or the new version never takes all traffic' });
    }
    if (this.kind === RolloutKind.CANARY && this.steps.length === 2 && this.steps[0].trafficPercent >= 100) {
      c.add({ field: 'trafficPercent', given: describe(this.steps[0].trafficPercent), allowed: 'from 1 to 99', fix: 'a canary takes a share of traffic, e.g. 5' });
    }
    if (!(this.maxErrorRatePercent > 0 && this.maxErrorRatePercent <= 100)) {
      c.add({ field: 'maxErrorRatePercent', given: describe(this.maxErrorRatePercent), allowed: 'above 0 and at most 100', fix: 'e.g. 1 rolls back above 1% errors' });
    }
    if (this.maxP99Latency.toMilliseconds() < 1) {
      c.add({ field: 'maxP99Latency', given: this.maxP99Latency.toString(), allowed: 'at least 1 ms', fix: 'set it above the model\'s normal p99, e.g. Duration.millis(500)' });
    }
    const period = this.evaluationPeriod.toSeconds();
    if (!(Number.isInteger(period) && (period === 10 || period === 30 || (period >= 60 && period % 60 === 0)))) {
      c.add({ field: 'evaluationPeriod', given: this.evaluationPeriod.toString(), allowed: '10 s, 30 s or a whole number of minutes', fix: 'use Duration.minutes(1)' });
    }
    if (!(Number.isInteger(this.breachingPeriods) && this.breachingPeriods >= 1 && this.breachingPeriods <= 10)) {
      c.add({ field: 'breachingPeriods', given: describe(this.breachingPeriods), allowed: 'an integer from 1 to 10', fix: 'use 2 to ride out one noisy window' });
    }
    c.throwIfAny('RolloutPolicy');
  }

  /** Time the rollout takes if nothing breaches. */
  public get totalBake(): Duration {
    return Duration.seconds(this.steps.reduce((sum, s) => sum + s.bake.toSeconds(), 0));
  }

  private fail(field: string, given: string, allowed: string, fix: string): never {
    const c = new ProblemCollector();
    c.add({ field, given, allowed, fix });
    c.throwIfAny('RolloutPolicy');
    throw new Error('unreachable');
  }
}
