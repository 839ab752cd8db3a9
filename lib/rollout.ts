import { ProblemCollector, SpecProblem, SpecValidationError, describe } from './errors';
import { GuardrailOptions, ResolvedGuardrails, resolveGuardrails } from './guardrails';
import { RolloutStepShape } from './capabilities';
import { guardrailShapes, shapeProblems } from './prop-shapes';
import { Duration } from './units';

/** One step of a progressive rollout: send this share of traffic to the new version, then wait. */
export interface RolloutStep {
  /** Percent of traffic on the new version during this step (1-100). */
  readonly trafficPercent: number;
  /** How long to hold this step while the guardrails watch. */
  readonly bake: Duration;
}

/**
 * Requests that carry this header with this exact value go to the new version from the first traffic step
 * until the rollout ends, e.g. `canary: true` for testers, whatever the step's share.
 */
export interface HeaderRoute {
  /** Header name, e.g. `x-canary` (matched case-insensitively, as HTTP does). */
  readonly headerName: string;
  /** The exact value that selects the new version, e.g. `true`. */
  readonly headerValue: string;
}

/** Settings every rollout shape shares. */
export interface RolloutOptions {
  /**
   * What rolls the rollout back. A backend reuses the endpoint's alarms when these equal the endpoint's.
   * @default - the endpoint's guardrails
   */
  readonly guardrails?: GuardrailOptions;
  /**
   * Copy this percent of live traffic to the new version (responses discarded) before shifting any.
   * Only backends with shadow traffic accept it.
   * @default - no shadow traffic
   */
  readonly shadowTrafficPercent?: number;
  /**
   * How long the shadow phase runs before the first traffic step, while the guardrails watch the new
   * version's answers to the copied requests. Only with shadowTrafficPercent.
   * @default Duration.hours(1) when shadowTrafficPercent is set
   */
  readonly shadowDuration?: Duration;
  /**
   * Route requests carrying this header to the new version during the rollout. Only backends with header
   * routing accept it.
   * @default - no header route
   */
  readonly headerRoute?: HeaderRoute;
}

export interface CanaryOptions extends RolloutOptions {
  /** Share of traffic on the canary. @default 5 */
  readonly trafficPercent?: number;
  /** How long the canary bakes before everything moves. @default Duration.hours(1) */
  readonly bake?: Duration;
  /** Keep the old version around after 100% so a late alarm can still roll back. @default Duration.minutes(10) */
  readonly finalBake?: Duration;
}

export interface LinearOptions extends RolloutOptions {
  /** Share of traffic moved per step. @default 10 */
  readonly stepPercent?: number;
  /** Wait between steps. @default Duration.minutes(10) */
  readonly interval?: Duration;
  /** Keep the old version around after 100% so a late alarm can still roll back. @default Duration.minutes(10) */
  readonly finalBake?: Duration;
}

/**
 * How a new model version replaces the old one. Shared by every backend; each backend's rollout construct
 * resolves it against its capabilities (`RolloutResolution`), which refuses what the platform cannot run.
 */
export class RolloutPolicy {
  /** One step at `trafficPercent`, then everything. */
  public static canary(options: CanaryOptions = {}): RolloutPolicy {
    const pct = options.trafficPercent ?? 5;
    const bake = options.bake ?? Duration.hours(1);
    return new RolloutPolicy([{ trafficPercent: pct, bake }, { trafficPercent: 100, bake: options.finalBake ?? Duration.minutes(10) }], options, 'trafficPercent');
  }

  /** Equal steps of `stepPercent` every `interval`, then everything. */
  public static linear(options: LinearOptions = {}): RolloutPolicy {
    const step = options.stepPercent ?? 10;
    const interval = options.interval ?? Duration.minutes(10);
    const steps: RolloutStep[] = [];
    if (Number.isFinite(step) && step > 0 && step <= 100) {
      for (let p = step; p < 100; p += step) steps.push({ trafficPercent: p, bake: interval });
    }
    steps.push({ trafficPercent: 100, bake: options.finalBake ?? Duration.minutes(10) });
    if (!(Number.isInteger(step) && step >= 1 && step <= 50)) {
      const c = new ProblemCollector();
      c.add({ field: 'stepPercent', given: describe(step), allowed: 'an integer from 1 to 50', fix: 'e.g. 10 moves 10% every interval' });
      c.throwIfAny('RolloutPolicy');
    }
    return new RolloutPolicy(steps, options);
  }

  /**
   * Explicit steps, e.g. 5% for an hour, 25% for an hour, then 100%. The last must be 100%.
   *
   * TypeScript-only (jsii refuses a static and an instance member of one name; other languages use `fromSteps`; lib/README.md "jsii and Python").
   * @jsii ignore
   */
  public static steps(steps: RolloutStep[], options: RolloutOptions = {}): RolloutPolicy {
    return new RolloutPolicy(steps, options);
  }

  /** Explicit steps (the same as `RolloutPolicy.steps`, under a name every jsii language can use). The last must be 100%. */
  public static fromSteps(steps: RolloutStep[], options: RolloutOptions = {}): RolloutPolicy {
    return RolloutPolicy.steps(steps, options);
  }

  public readonly steps: RolloutStep[];
  /** The shape of the steps, whichever factory made them. */
  public readonly shape: RolloutStepShape;
  /** The policy's own guardrails after defaults; undefined when it uses the endpoint's. */
  public readonly guardrails?: ResolvedGuardrails;
  /** Share of live traffic mirrored before the first step; undefined for none. */
  public readonly shadowTrafficPercent?: number;
  /** How long the shadow phase runs; undefined without one. */
  public readonly shadowDuration?: Duration;
  /** Requests with this header go to the new version; undefined for none. */
  public readonly headerRoute?: HeaderRoute;

  private constructor(steps: RolloutStep[], options: RolloutOptions, firstStepField?: string) {
    // Shapes first (plain JavaScript callers): the checks below read the values as typed.
    const shapes = shapeProblems({ ...options, steps }, [
      { field: 'steps', kind: 'object', array: true, required: true, example: '{ trafficPercent: 5, bake: Duration.hours(1) }' },
      ...guardrailShapes('guardrails'),
      { field: 'shadowDuration', kind: Duration, example: 'Duration.hours(24)' },
      { field: 'headerRoute', kind: 'object', example: "{ headerName: 'x-canary', headerValue: 'true' }" },
    ]);
    if (Array.isArray(steps)) {
      steps.forEach((s, i) => shapes.push(...shapeProblems(s, [{ field: 'bake', kind: Duration, required: true, example: 'Duration.hours(1)' }]).map((p) => ({ ...p, field: `steps[${i}].${p.field}` }))));
    }
    if (shapes.length > 0) throw new SpecValidationError('RolloutPolicy', shapes);
    this.steps = [...steps];
    const c = new ProblemCollector();
    if (options.guardrails !== undefined) {
      const problems: SpecProblem[] = [];
      this.guardrails = resolveGuardrails(options.guardrails, 'guardrails', problems);
      c.addAll(problems);
    }
    this.shadowTrafficPercent = options.shadowTrafficPercent;
    if (this.shadowTrafficPercent !== undefined && !(Number.isInteger(this.shadowTrafficPercent) && this.shadowTrafficPercent >= 1 && this.shadowTrafficPercent <= 100)) {
      c.add({ field: 'shadowTrafficPercent', given: describe(this.shadowTrafficPercent), allowed: 'an integer from 1 to 100', fix: 'e.g. 10' });
    }
    if (options.shadowDuration !== undefined && this.shadowTrafficPercent === undefined) {
      c.add({ field: 'shadowDuration', given: options.shadowDuration.toString(), allowed: 'only with shadowTrafficPercent', fix: 'set shadowTrafficPercent (e.g. 10), or remove shadowDuration' });
    }
    if (this.shadowTrafficPercent !== undefined) {
      this.shadowDuration = options.shadowDuration ?? Duration.hours(1);
      const s = this.shadowDuration.toSeconds();
      if (!(Number.isInteger(s) && s >= 60 && s <= 24 * 3600)) {
        c.add({ field: 'shadowDuration', given: this.shadowDuration.toString(), allowed: 'whole seconds from 1 minute to 24 hours', fix: 'long enough to see real traffic, e.g. Duration.hours(24)' });
      }
    }
    if (options.headerRoute !== undefined) {
      this.headerRoute = { ...options.headerRoute };
      const { headerName, headerValue } = options.headerRoute;
      // RFC 9110 token; pseudo-headers (":path") and Host are not routable request headers here.
      if (!(typeof headerName === 'string' && /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/.test(headerName)) || headerName.toLowerCase() === 'host') {
        c.add({ field: 'headerRoute.headerName', given: describe(headerName), allowed: 'an HTTP header name (letters, digits and !#$%&\'*+.^_`|~-, at most 100 characters), not Host', fix: 'e.g. "x-canary"' });
      }
      if (!(typeof headerValue === 'string' && /^[\x21-\x7e]([\x20-\x7e]{0,254}[\x21-\x7e])?$/.test(headerValue))) {
        c.add({ field: 'headerRoute.headerValue', given: describe(headerValue), allowed: 'visible ASCII, 1-256 characters, no leading or trailing space', fix: 'e.g. "true"' });
      }
    }
    if (this.steps.length === 0) {
      c.add({ field: 'steps', given: '[]', allowed: 'at least one step, the last at 100%', fix: 'e.g. [{trafficPercent: 5, bake: Duration.hours(1)}, {trafficPercent: 100, bake: Duration.minutes(10)}]' });
    }
    let previous = 0;
    this.steps.forEach((s, i) => {
      const field = i === 0 && firstStepField ? firstStepField : `steps[${i}].trafficPercent`;
      if (!(Number.isInteger(s.trafficPercent) && s.trafficPercent >= 1 && s.trafficPercent <= 100)) {
        c.add({ field, given: describe(s.trafficPercent), allowed: 'an integer from 1 to 100', fix: 'use whole percents' });
      } else if (s.trafficPercent <= previous) {
        c.add({ field, given: `${s.trafficPercent} after ${previous}`, allowed: 'strictly increasing percents', fix: 'order the steps from the smallest share to 100' });
      } else if (firstStepField && i === 0 && s.trafficPercent >= 100) {
        c.add({ field, given: describe(s.trafficPercent), allowed: 'from 1 to 99 (strictly increasing percents)', fix: 'a canary takes a share of traffic, e.g. 5' });
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
    c.throwIfAny('RolloutPolicy');
    this.shape = shapeOf(this.steps);
  }

  /** The bake at 100% before the old version goes. */
  public get finalBake(): Duration {
    return this.steps[this.steps.length - 1].bake;
  }

  /** Time the rollout takes if nothing breaches. */
  public get totalBake(): Duration {
    return Duration.seconds(this.steps.reduce((sum, s) => sum + s.bake.toSeconds(), 0));
  }
}

/** ONE_STEP for one share below 100%, EQUAL_STEPS for k, 2k, 3k... with one bake, else ANY_STEPS. */
function shapeOf(steps: readonly RolloutStep[]): RolloutStepShape {
  const shifting = steps.slice(0, -1);
  if (shifting.length <= 1) return RolloutStepShape.ONE_STEP;
  const step = shifting[0].trafficPercent;
  const bake = shifting[0].bake.toSeconds();
  const equal = shifting.every((s, i) => s.trafficPercent === step * (i + 1) && s.bake.toSeconds() === bake) &&
    100 - shifting[shifting.length - 1].trafficPercent <= step;
  return equal ? RolloutStepShape.EQUAL_STEPS : RolloutStepShape.ANY_STEPS;
}
