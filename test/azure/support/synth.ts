import { setupJest } from 'cdktf/lib/testing/adapters/jest';
import { Construct } from 'constructs';
import { BicepTypes } from './bicep-types';
import { synthScopeValidated } from '../../support/cdktf-scope';

// cdktf's matchers (toHaveResourceWithProperties, ...) for every Azure test that synthesizes.
if (typeof expect !== 'undefined') setupJest();

/** The synthesized Terraform JSON of a scope, parsed. */
export interface TfJson {
  readonly resource: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly terraform?: { required_providers?: Record<string, { source: string; version: string }> };
}

/**
 * Synthesizes `fn`'s constructs in a test stack with the construct validations run (as App.synth runs them);
 * returns the JSON string (for cdktf matchers) and the parsed form.
 */
export function synth(fn: (scope: Construct) => void): { json: string; tf: TfJson } {
  // cdktf asset folders are named by a 32-hex content hash; mask it so snapshots survive a model rebuild.
  // The Functions' package blobs are named by their content hash: mask it so snapshots survive a handler change.
  const json = synthScopeValidated((scope) => fn(scope)).replace(/\/[0-9A-F]{32}\//g, '/<asset-hash>/').replace(/-[0-9a-f]{16}\.zip"/g, '-<package-hash>.zip"');
  return { json, tf: JSON.parse(json) as TfJson };
}

/** Resources of one type, by their Terraform name. */
export function resourcesOf(tf: TfJson, type: string): Record<string, Record<string, any>> {
  return tf.resource?.[type] ?? {};
}

export function only(tf: TfJson, type: string): Record<string, unknown> {
  const all = Object.values(resourcesOf(tf, type));
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0];
}

let types: BicepTypes | undefined;
export function azureTypes(): BicepTypes {
  types ??= BicepTypes.load();
  return types;
}

/**
 * Checks every azapi body in synthesized Terraform against the type graph, as azapi would at plan time:
 * `azapi_resource` bodies merged with name/location/tags/identity; `azapi_update_resource` bodies merged into
 * the body of the `azapi_resource` they reference; `azapi_resource_action` PUTs as full deployment bodies.
 * Returns the problems, prefixed with the Terraform address; an empty list passes.
 */
export function schemaProblems(tf: TfJson): string[] {
  const problems: string[] = [];
  const resources = resourcesOf(tf, 'azapi_resource');
  const full = (r: Record<string, unknown>) => ({
    ...(r.body as Record<string, unknown>),
    name: r.name,
    ...(r.location !== undefined ? { location: r.location } : {}),
    ...(r.tags !== undefined ? { tags: r.tags } : {}),
    // `identity` is a list block in azapi 2.x; ARM takes the one object.
    ...(r.identity !== undefined ? { identity: Array.isArray(r.identity) ? r.identity[0] : r.identity } : {}),
  });
  for (const [name, r] of Object.entries(resources)) {
    problems.push(...azureTypes().validate(String(r.type), full(r)).map((p) => `azapi_resource.${name}: ${p}`));
  }
  for (const [name, r] of Object.entries(resourcesOf(tf, 'azapi_update_resource'))) {
    const target = /^\$\{azapi_resource\.([^.]+)\.id\}$/.exec(String(r.resource_id))?.[1];
    const base = target ? resources[target] : undefined;
    if (!base) {
      problems.push(`azapi_update_resource.${name}: resource_id ${String(r.resource_id)} is not an azapi_resource in this stack`);
      continue;
    }
    const b = full(base) as { properties?: Record<string, unknown> };
    const body = r.body as { properties?: Record<string, unknown> };
    const merged = { ...b, ...body, properties: { ...(b.properties ?? {}), ...(body.properties ?? {}) } };
    problems.push(...azureTypes().validate(String(r.type), merged).map((p) => `azapi_update_resource.${name}: ${p}`));
  }
  for (const [name, r] of Object.entries(resourcesOf(tf, 'azapi_resource_action'))) {
    if (r.method !== 'PUT') continue;
    const deploymentName = String(r.resource_id).split('/').pop();
    problems.push(...azureTypes().validate(String(r.type), { ...(r.body as object), name: deploymentName }).map((p) => `azapi_resource_action.${name}: ${p}`));
  }
  return problems;
}
