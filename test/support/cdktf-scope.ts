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

/**
 * `Testing.synthScope` with the constructs' validations run first, as App.synth runs them (cdktf 0.21.0
 * lib/terraform-stack.js runAllValidations: every node's `node.validate()`, one error
 * "Validation failed with the following errors:\n  [path] message"). The unit tests declare no provider, so
 * the two provider checks are left out: cdktf's provider-presence check (on the stack node) and the Azure
 * Function's azurerm `storage_use_azuread` check (test/azure/function-app.test.ts tests that one through
 * App.synth). The toolkit's full path (App.synth with providers) is tested in test/lib/synth-validation.test.ts.
 */
const PROVIDER_CHECK = /: the azurerm provider: given storage_use_azuread /;

export function synthScopeValidated(fn: (scope: Construct) => void): string {
  const stack = buildScope(fn);
  const errors = stack.node.findAll()
    .filter((c) => c !== stack)
    .flatMap((c) => c.node.validate().filter((m) => !PROVIDER_CHECK.test(m)).map((message) => `[${c.node.path}] ${message}`));
  if (errors.length > 0) throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
  return Testing.synth(stack);
}
