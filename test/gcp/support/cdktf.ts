import { Testing } from 'cdktf';
import { setupJest } from 'cdktf/lib/testing/adapters/jest';
import { synthScopeValidated } from '../../support/cdktf-scope';

setupJest();

export type Synthesized = { resource: Record<string, Record<string, Record<string, unknown>>>; data?: Record<string, Record<string, Record<string, unknown>>> };

/**
 * Synthesizes `build` in a test stack with the construct validations run (as App.synth runs them: a refused
 * value fails here with cdktf's "Validation failed" error); returns the JSON text (for the cdktf matchers)
 * and the parsed object.
 */
export function synth(build: Parameters<typeof Testing.synthScope>[0]): { out: string; json: Synthesized } {
  const out = synthScopeValidated(build);
  return { out, json: JSON.parse(out) as Synthesized };
}

/** The only resource of a type, by its Terraform type name. */
export function only(json: Synthesized, type: string): Record<string, unknown> {
  const all = Object.values(json.resource[type] ?? {});
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0];
}
