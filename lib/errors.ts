/**
 * One problem with a value: what was given, what is allowed, how to fix it.
 * Constructs collect every problem and throw them together, so a user fixes a stack in one pass.
 */
export interface SpecProblem {
  /** Dotted path of the field, e.g. `scaling.minReplicas`. */
  readonly field: string;
  readonly given: string;
  readonly allowed: string;
  readonly fix: string;
  /**
   * The backend that refuses the field, where the problem is a refusal (the value is valid in the spec but
   * this backend cannot honour it). Undefined for a value that is wrong everywhere.
   * @default - not a refusal
   */
  readonly backend?: string;
}

/** Advice that must not fail a build (a construct turns it into an `Annotations` warning). */
export interface SpecWarning {
  /** Dotted path of the field the advice is about. */
  readonly field: string;
  /** What the user should know, and what to do about it. */
  readonly message: string;
}

/**
 * TypeScript-only (extends Error, which jsii cannot model; other languages see the message of the error jsii raises; lib/README.md "jsii and Python").
 * @jsii ignore
 */
export class SpecValidationError extends Error {
  public readonly problems: readonly SpecProblem[];

  constructor(owner: string, problems: readonly SpecProblem[]) {
    const lines = problems.map(
      (p, i) => `  ${i + 1}. ${p.field}: got ${p.given}; allowed: ${p.allowed}. Fix: ${p.fix}`,
    );
    super(`${owner} has ${problems.length} invalid setting${problems.length === 1 ? '' : 's'}:\n${lines.join('\n')}`);
    this.name = 'SpecValidationError';
    this.problems = problems;
  }
}

/**
 * Collects problems; `throwIfAny` raises one error listing them all.
 *
 * TypeScript-only (a backend author's helper; lib/README.md "jsii and Python").
 * @jsii ignore
 */
export class ProblemCollector {
  private readonly problems: SpecProblem[] = [];

  public add(problem: SpecProblem): void {
    this.problems.push(problem);
  }

  public addAll(problems: readonly SpecProblem[]): void {
    this.problems.push(...problems);
  }

  public get count(): number {
    return this.problems.length;
  }

  public list(): readonly SpecProblem[] {
    return [...this.problems];
  }

  /** Refusals only: problems a backend raised for a field it cannot honour. */
  public refusals(): readonly SpecProblem[] {
    return this.problems.filter((p) => p.backend !== undefined);
  }

  public throwIfAny(owner: string): void {
    if (this.problems.length > 0) {
      throw new SpecValidationError(owner, this.problems);
    }
  }
}

/** True when a value is a deploy-time token (CDK `${Token[...]}`, Terraform `${...}`) that cannot be checked at synth. */
export function isUnresolved(value: unknown): boolean {
  if (typeof value === 'string') {
    return value.includes('${Token[') || value.includes('${TfToken[') || /\$\{[^}]*\}/.test(value);
  }
  if (typeof value === 'number') {
    // CDK and cdktf encode numeric tokens as very large negative doubles.
    return value <= -1.8881545897087e289;
  }
  return false;
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  return String(value);
}
