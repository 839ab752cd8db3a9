import { Testing, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';

/**
 * What `Testing.synthScope` builds (a `Testing.app()` with a stack named "stack"), returned unsynthesized so a
 * test can synthesize it with validations (`expectSynthProblems(stack, ...)`): synthScope runs none.
 */
export function buildScope(fn: (scope: Construct) => void): TerraformStack {
  const stack = new TerraformStack(Testing.app(), 'stack');
  fn(stack);
  return stack;
}

/** `Testing.synthScope` with the construct validations run (cdktf `Testing.synth(stack, true)`), as App.synth runs them. */
export function synthScopeValidated(fn: (scope: Construct) => void): string {
  return Testing.synth(buildScope(fn), true);
}
