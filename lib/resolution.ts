import { BackendCapabilities } from './capabilities';
import { IConstruct } from 'constructs';
import { ProblemCollector, SpecProblem, SpecValidationError, SpecWarning, reportProblems } from './errors';

/**
 * A problem raised because `backend` cannot honour a field that is valid in the spec. The message says
 * `allowed: on <backend>: ...`, and `SpecProblem.backend` carries the backend for tests and tools.
 */
export function refusal(caps: Pick<BackendCapabilities, 'backend'>, field: string, given: string, allowed: string, fix: string): SpecProblem {
  return { field, given, allowed: `on ${caps.backend}: ${allowed}`, fix, backend: caps.backend };
}

/** Dotted paths of the fields set in `props` (one level into the objects named in `nested`). */
export function explicitFieldsOf(props: object, nested: readonly string[]): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined) continue;
    if (nested.includes(key) && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const inner = Object.entries(value).filter(([, v]) => v !== undefined).map(([k]) => `${key}.${k}`);
      out.push(key, ...inner);
    } else {
      out.push(key);
    }
  }
  return out;
}

/**
 * What a resolver returns: which fields the user set, every problem (spec problems and the backend's
 * refusals) and advice, next to the values after defaults (`resolved` on each subclass). Nothing is reported
 * until `reportIfInvalid` (a construct: at synth) or `throwIfInvalid` (at once).
 *
 * TypeScript-only (a backend author's helper; lib/README.md "jsii and Python").
 * @jsii ignore
 */
export abstract class Resolution {
  protected constructor(
    /** Dotted paths of the fields the user set, e.g. `scaling.minReplicas`. */
    public readonly explicitFields: readonly string[],
    /** Every problem: invalid values and refusals (those carry `backend`). */
    public readonly problems: readonly SpecProblem[],
    /** Advice that must not fail a build; constructs emit it as Annotations warnings. */
    public readonly warnings: readonly SpecWarning[],
  ) {}

  /** True when the user set `field` (a dotted path), false when a default filled it. */
  public isExplicit(field: string): boolean {
    return this.explicitFields.includes(field);
  }

  /** The refusals only. */
  public get refusals(): readonly SpecProblem[] {
    return this.problems.filter((p) => p.backend !== undefined);
  }

  /**
   * Adds this resolution's problems after the ones already in `collector` (the backend's own) and throws one
   * `SpecValidationError` listing them all.
   */
  protected check(owner: string, collector: ProblemCollector): void {
    collector.addAll(this.problems);
    if (collector.count > 0) throw new SpecValidationError(owner, collector.list());
  }

  /**
   * Adds this resolution's problems after the ones already in `collector` (the backend's own) and reports them
   * all as `scope`'s construct validation (`reportProblems`): synth fails listing them, with every other
   * construct's. Afterwards `collector.count > 0` tells the constructor to skip what the invalid values
   * cannot render.
   */
  protected report(scope: IConstruct, owner: string, collector: ProblemCollector): void {
    collector.addAll(this.problems);
    reportProblems(scope, owner, collector.list());
  }
}
