/**
 * Receiver rule: IAM Conditions on resource attributes (`resource.name`, `resource.type`, `resource.service`)
 * only work for the services Google lists; "Other services and resource types do not recognize resource
 * attributes" (Google Cloud IAM, "Resource attributes for IAM Conditions",
 * https://cloud.google.com/iam/docs/conditions-resource-attributes, "Resource service values", read
 * 2026-12-06). The list below is that table's resource service values. `aiplatform.googleapis.com` is not in
 * it (alphabetically it would sit between agentregistry and apigee), so a condition on `resource.name` on a
 * Vertex AI permission never matches and the binding grants nothing.
 *
 * Vertex AI endpoint IAM policies exist only in v1beta1 (googleapis/googleapis
 * google/cloud/aiplatform/v1beta1/aiplatform_v1beta1.yaml at f8291d2b89f0017ab078a4c7378069bae5686f6f lists
 * `/v1beta1/{resource=projects/*\/locations/*\/endpoints/*}:setIamPolicy`; the v1 yaml does not), and the
 * Terraform Google provider in use (@cdktf/provider-google 16.12.1, google 6.50.0) has no
 * google_vertex_ai_endpoint_iam_* resource, so the grants are project-level custom roles.
 */
import { BudgetAction, Duration, ModelArtifact, RolloutPolicy } from '../../lib';
import { BudgetGuard, CanaryRollout, ModelEndpoint } from '../../constructs/gcp';
import { endpointProps } from './fixtures';
import { Synthesized, synth } from './support/cdktf';

const RESOURCE_ATTRIBUTE_SERVICES = [
  'agentregistry', 'apigee', 'apihub', 'backupdr', 'bigquery', 'bigqueryreservation', 'bigtableadmin', 'binaryauthorization',
  'ces', 'clouddeploy', 'cloudkms', 'cloudresourcemanager', 'compute', 'connectors', 'container', 'dataform', 'firestore',
  'iap', 'integrations', 'logging', 'pubsublite', 'secretmanager', 'spanner', 'sqladmin', 'storage',
].map((s) => `${s}.googleapis.com`);

/** The service a permission (`aiplatform.endpoints.get`) or a predefined role (`roles/storage.objectViewer`) belongs to. */
function servicesOf(json: Synthesized, role: string): string[] {
  const custom = /^\$\{google_project_iam_custom_role\.([^.]+)\.name\}$/.exec(role);
  if (custom) {
    const permissions = json.resource.google_project_iam_custom_role[custom[1]].permissions as string[];
    return [...new Set(permissions.map((p) => `${p.split('.')[0]}.googleapis.com`))];
  }
  return [`${role.replace(/^roles\//, '').split('.')[0]}.googleapis.com`];
}

/** Every IAM binding in the stack whose condition reads a resource attribute, with the services its role covers. */
function resourceConditions(json: Synthesized): { address: string; services: string[]; expression: string }[] {
  const out = [];
  for (const [type, resources] of Object.entries(json.resource)) {
    if (!/_iam_(member|binding)$/.test(type)) continue;
    for (const [name, r] of Object.entries(resources)) {
      const expression = (r.condition as { expression?: string } | undefined)?.expression;
      if (expression && /\bresource\.(name|type|service)\b/.test(expression)) out.push({ address: `${type}.${name}`, services: servicesOf(json, r.role as string), expression });
    }
  }
  return out;
}

function everything() {
  return synth((scope) => {
    const e = new ModelEndpoint(scope, 'Endpoint', endpointProps({ scaling: { minReplicas: 2, maxReplicas: 4 } }));
    e.grantPredict('serviceAccount:app@acme-ml.iam.gserviceaccount.com');
    new CanaryRollout(scope, 'Rollout', { endpoint: e, policy: RolloutPolicy.canary({ trafficPercent: 10, bake: Duration.minutes(30) }) });
    new BudgetGuard(scope, 'Budget', { endpoints: [e], budget: { monthlyLimitUsd: 500, action: BudgetAction.SCALE_TO_FLOOR }, billingAccount: '01D4EE-079462-DFD6EC' });
    const other = new ModelEndpoint(scope, 'Other', endpointProps({ metadata: { name: 'other', version: '1', owner: 'x' } }));
    new BudgetGuard(scope, 'Delete', { endpoints: [other], budget: { monthlyLimitUsd: 500, action: BudgetAction.DELETE }, billingAccount: '01D4EE-079462-DFD6EC' });
  });
}

describe('IAM conditions only where the service recognises resource attributes', () => {
  test('no binding conditions a permission of a service outside Google\'s list (aiplatform in particular)', () => {
    const { json } = everything();
    const bad = resourceConditions(json).filter((c) => c.services.some((s) => !RESOURCE_ATTRIBUTE_SERVICES.includes(s)));
    expect(bad).toEqual([]);
    expect(RESOURCE_ATTRIBUTE_SERVICES).not.toContain('aiplatform.googleapis.com');
  });

  test('the Vertex AI grants are project bindings of custom roles with exactly the permissions each caller uses', () => {
    const { json } = everything();
    const grants = Object.entries(json.resource.google_project_iam_member).filter(([, m]) => String(m.role).startsWith('${google_project_iam_custom_role.'));
    const byRole = Object.fromEntries(grants.map(([, m]) => {
      const role = /custom_role\.([^.]+)\.name/.exec(String(m.role))![1];
      return [role.replace(/_[0-9A-F]{8}$/, ''), { member: m.member, condition: m.condition, permissions: json.resource.google_project_iam_custom_role[role].permissions }];
    }));
    expect(byRole).toEqual({
      Endpoint_PredictGrant_Role: { member: 'serviceAccount:app@acme-ml.iam.gserviceaccount.com', condition: undefined, permissions: ['aiplatform.endpoints.predict'] },
      Rollout_ControllerGrant_Role: { member: expect.stringMatching(/^serviceAccount:\$\{google_service_account\.Rollout_Controller_RunAs_/), condition: undefined, permissions: ['aiplatform.endpoints.get', 'aiplatform.endpoints.undeploy', 'aiplatform.endpoints.update'] },
      Budget_EnforcerGrant_Role: { member: expect.stringMatching(/Budget_Enforcer_RunAs_/), condition: undefined, permissions: ['aiplatform.endpoints.deploy', 'aiplatform.endpoints.get'] },
      Delete_EnforcerGrant_Role: { member: expect.stringMatching(/Delete_Enforcer_RunAs_/), condition: undefined, permissions: ['aiplatform.endpoints.get', 'aiplatform.endpoints.undeploy'] },
    });
  });

  test('the one resource.name condition left is on Cloud Storage, which is on the list', () => {
    const { json } = synth((scope) => new ModelEndpoint(scope, 'E', endpointProps({ model: ModelArtifact.fromUri('gs://acme-models/digits/1.0.0/') })));
    const conditions = resourceConditions(json);
    expect(conditions.map((c) => c.services)).toEqual([['storage.googleapis.com']]);
  });
});
