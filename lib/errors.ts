import { IConstruct } from 'constructs';

/**
 * One problem with a value: what was given, what is allowed, how to fix it.
 * Constructs collect every problem of theirs and report them together as a construct validation
 * (`reportProblems`), so one synth lists every construct's problems and a user fixes an app in one pass.
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
  /**
   * The path of the construct that has the problem; set by `collectSpecProblems`, which gathers problems from a
   * whole tree.
   * @default - the owner named in the error's first line
   */
  readonly construct?: string;
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
      (p, i) => `  ${i + 1}. ${p.construct === undefined ? '' : `[${p.construct}] `}${p.field}: got ${p.given}; allowed: ${p.allowed}. Fix: ${p.fix}`,
    );
    super(`${owner} has ${problems.length} invalid setting${problems.length === 1 ? '' : 's'}:\n${lines.join('\n')}`);
    this.name = 'SpecValidationError';
    this.problems = problems;
  }
}

/**
 * Collects problems; `reportTo(scope, owner)` reports them all at synth (a construct's usual way),
 * `throwIfAny(owner)` throws them at once (for values other code needs immediately).
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

  /**
   * Reports the problems collected so far as `scope`'s construct validation (see `reportProblems`). True when
   * there were any: the constructor then skips what cannot be rendered from invalid values.
   */
  public reportTo(scope: IConstruct, owner: string): boolean {
    return reportProblems(scope, owner, this.list());
  }
}

type ProblemSource = () => readonly SpecProblem[];
const REPORTED = new WeakMap<IConstruct, { owner: string; problems: ProblemSource }[]>();

/**
 * Adds a construct validation (`scope.node.addValidation`) that reports `problems()` as one
 * `SpecValidationError` message. aws-cdk (`App.synth`, and so `Template.fromStack`), cdk8s (`App.synth`,
 * `synthYaml`, `Chart.toJson`, `Testing.synth`) and cdktf (`App.synth`, `Testing.synth(stack, true)`) run
 * every construct's validations before they write anything and throw one error listing them all, each line
 * `[<construct path>] <message>`. `problems` is called at synth, so it may look at the whole tree
 * (cross-object checks). `collectSpecProblems` reads the same problems as structured data.
 */
export function addSpecValidation(scope: IConstruct, owner: string, problems: ProblemSource): void {
  const list = REPORTED.get(scope) ?? [];
  list.push({ owner, problems });
  REPORTED.set(scope, list);
  scope.node.addValidation({
    validate: () => {
      const found = problems();
      return found.length === 0 ? [] : [new SpecValidationError(owner, found).message];
    },
  });
}

/**
 * A constructor's problems, reported at synth (see `addSpecValidation`) instead of thrown, so one synth lists
 * the problems of every construct. True when `problems` is not empty: the constructor then renders nothing
 * that would fail on the invalid values (synth fails anyway).
 */
export function reportProblems(scope: IConstruct, owner: string, problems: readonly SpecProblem[]): boolean {
  if (problems.length === 0) return false;
  const list = [...problems];
  addSpecValidation(scope, owner, () => list);
  return true;
}

/**
 * Every problem reported under `scope` (with `reportProblems`/`addSpecValidation`), each carrying its
 * construct path in `construct`, as one `SpecValidationError`; undefined when there are none. For programs
 * and tests that want `.problems` rather than the toolkit's validation message.
 */
export function collectSpecProblems(scope: IConstruct): SpecValidationError | undefined {
  const problems: SpecProblem[] = [];
  let constructs = 0;
  for (const c of scope.node.findAll()) {
    let found = false;
    for (const r of REPORTED.get(c) ?? []) {
      const list = r.problems();
      if (list.length > 0) found = true;
      problems.push(...list.map((p) => ({ ...p, construct: c.node.path })));
    }
    if (found) constructs++;
  }
  if (problems.length === 0) return undefined;
  return new SpecValidationError(`${scope.node.path === '' ? 'The app' : scope.node.path} (${constructs} construct${constructs === 1 ? '' : 's'})`, problems);
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
