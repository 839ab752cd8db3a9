// Synth-time problem assertions, the same for every toolkit. Constructs report their problems as construct
// validations (lib/errors.ts reportProblems -> node.addValidation), and each toolkit's own synth runs every
// validation of the tree and throws one error listing them, each line "[<construct path>] <message>":
// - aws-cdk-lib 2.276.0 core/lib/private/synthesis.js validateTree (App.synth; assertions' Template.fromStack
//   calls stage.synth()): "Validation failed with the following errors:\n  [path] message";
// - cdk8s 2.70.106 lib/app.js validate() (App.synth, App.synthYaml, and Chart.toJson via App._synthChart, so
//   Testing.synth too): the same text;
// - cdktf 0.21.0 lib/terraform-stack.js runAllValidations (App.synth through lib/synthesize/synthesizer.js,
//   and Testing.synth(stack, true); Testing.synthScope runs none): the same text plus a skipValidation hint.
import { IConstruct } from 'constructs';
import { SpecProblem, collectSpecProblems } from '../../lib';

const HEADER = /^Validation failed with the following errors:\n/;

interface Synthesizable { synth(): unknown }
interface YamlSynthesizable { synthYaml(): unknown }

/** Runs the toolkit's own synth on the app that holds `scope`; returns the error it threw, or undefined. */
export function synthError(scope: IConstruct): Error | undefined {
  const root = scope.node.root as unknown as Partial<Synthesizable & YamlSynthesizable>;
  try {
    // cdk8s: synthYaml validates like synth and writes no files.
    if (typeof root.synthYaml === 'function') root.synthYaml();
    else if (typeof root.synth === 'function') root.synth();
    else throw new Error(`expectSynthProblems: the root of ${scope.node.path} is no toolkit App`);
  } catch (e) {
    return e as Error;
  }
  return undefined;
}

/**
 * GIVEN constructs already built under `scope`'s app (their constructors did not throw), WHEN the toolkit
 * synthesizes the app, THEN synth fails with its validation error and the message matches every pattern.
 * Returns the message for further checks.
 */
export function expectSynthProblems(scope: IConstruct, patterns: RegExp | readonly RegExp[]): string {
  const list = patterns instanceof RegExp ? [patterns] : patterns;
  const error = synthError(scope);
  if (error === undefined) throw new Error(`expected synth of ${scope.node.root.node.path || 'the app'} to fail with ${list.map(String).join(', ')}; it succeeded`);
  expect(error.message).toMatch(HEADER);
  for (const p of list) expect(error.message).toMatch(p);
  return error.message;
}

/** Synth of `scope`'s app succeeds: no construct reported a problem. */
export function expectNoSynthProblems(scope: IConstruct): void {
  const error = synthError(scope);
  expect(error?.message).toBeUndefined();
  expect(collectSpecProblems(scope.node.root)).toBeUndefined();
}

function constructIn(value: unknown, depth = 0): IConstruct | undefined {
  if (typeof value !== 'object' || value === null || depth > 2) return undefined;
  if ('node' in value && typeof (value as { node?: { root?: unknown } }).node?.root === 'object') return value as IConstruct;
  for (const v of Object.values(value)) {
    const found = constructIn(v, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * GIVEN `build` constructs something (and returns a construct, or an object holding one), THEN the app fails
 * at synth with the toolkit's validation error matching every pattern. A `build` that synthesizes itself
 * (Template.fromStack, Testing.synth, Chart.toJson) may throw that validation error directly. Either way a
 * constructor that throws fails the test (no "Validation failed" header), and so does a build that
 * synthesizes cleanly.
 */
export function expectProblems(build: () => unknown, patterns: RegExp | readonly RegExp[]): string {
  const list = patterns instanceof RegExp ? [patterns] : patterns;
  let built: unknown;
  try {
    built = build();
  } catch (e) {
    const message = (e as Error).message;
    expect(message).toMatch(HEADER);
    for (const p of list) expect(message).toMatch(p);
    return message;
  }
  const scope = constructIn(built);
  if (scope === undefined) throw new Error('expectProblems: build() returned no construct to synthesize; return the stack/chart or a construct in it');
  return expectSynthProblems(scope, list);
}

/**
 * For tests that read `.problems` (the conformance table, the honest-spec tests): throws the structured
 * `SpecValidationError` of every problem reported under `scope`'s app (`collectSpecProblems`), as a program
 * would before calling the toolkit's synth. Nothing when no construct reported one.
 */
export function throwReportedProblems(scope: IConstruct): void {
  const error = collectSpecProblems(scope.node.root);
  if (error) throw error;
}

/** The structured problems reported under the construct `build` returns (or one in the object it returns); fails when there are none. */
export function reportedProblems(build: () => unknown): readonly SpecProblem[] {
  const scope = constructIn(build());
  if (scope === undefined) throw new Error('reportedProblems: build() returned no construct');
  const error = collectSpecProblems(scope.node.root);
  if (error === undefined) throw new Error('expected reported problems; there were none');
  // The toolkit's synth fails on the same problems.
  expect(synthError(scope)?.message).toMatch(HEADER);
  return error.problems;
}

/**
 * GIVEN `build` constructs something valid, THEN nothing reports a problem and the toolkit's synth succeeds
 * (a build that synthesizes itself must not throw; one that returns a construct is synthesized here).
 */
export function expectNoProblems(build: () => unknown): void {
  const scope = constructIn(build());
  if (scope !== undefined) expectNoSynthProblems(scope);
}
