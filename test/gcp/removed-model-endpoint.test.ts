import { ModelEndpoint, RemovedModelEndpoint } from '../../constructs/gcp';
import { endpointProps } from './fixtures';
import { synth } from './support/cdktf';

type Removed = { from: string; lifecycle: { destroy: boolean }; provisioner: { 'local-exec': { when: string; command: string; environment: Record<string, string> } }[] }[];

describe('RemovedModelEndpoint', () => {
  test('its removed blocks name exactly the addresses the ModelEndpoint of the same id had', () => {
    const live = synth((scope) => new ModelEndpoint(scope, 'Fraud', endpointProps())).json;
    const addresses = [
      ...Object.keys(live.resource.google_vertex_ai_endpoint).map((k) => `google_vertex_ai_endpoint.${k}`),
      ...Object.keys(live.resource.terraform_data).map((k) => `terraform_data.${k}`),
    ].sort();
    const { json } = synth((scope) => new RemovedModelEndpoint(scope, 'Fraud'));
    const removed = (json as unknown as { removed: Removed }).removed;
    expect(removed.map((r) => r.from).sort()).toEqual(addresses);
    expect(json.resource).toBeUndefined();
    for (const r of removed) {
      expect(r.lifecycle).toEqual({ destroy: true });
      expect(r.provisioner).toHaveLength(1);
      expect(r.provisioner[0]['local-exec']).toMatchObject({ when: 'destroy', command: expect.stringMatching(/^node "assets\/[^"]+\/index\.js" (retire|teardown)$/) });
    }
  });

  test('the endpoint\'s own block builds the teardown plan from the endpoint\'s recorded attributes', () => {
    const { json } = synth((scope) => new RemovedModelEndpoint(scope, 'Fraud'));
    const removed = (json as unknown as { removed: Removed }).removed;
    const endpoint = removed.find((r) => r.from.startsWith('google_vertex_ai_endpoint.'))!;
    expect(endpoint.provisioner[0]['local-exec'].command).toMatch(/ teardown$/);
    expect(endpoint.provisioner[0]['local-exec'].environment).toEqual({
      VERTEX_TEARDOWN_PLAN: '${jsonencode({ project = self.project, location = self.location, endpointId = self.name, modelLabelKey = "serving-endpoint", timeoutSeconds = 1800 })}',
    });
    const deployment = removed.find((r) => r.from.includes('_Deployment_'))!;
    expect(deployment.provisioner[0]['local-exec']).toMatchObject({ command: expect.stringMatching(/ retire$/), environment: { VERTEX_DEPLOYMENT_PLAN: '${jsonencode(self.input)}' } });
  });

  // Destroy-time provisioners inside `removed` blocks were added in Terraform v1.9.0 (hashicorp/terraform
  // CHANGELOG v1.9.0, PR #35230 closing issue #13549; https://developer.hashicorp.com/terraform/language/block/removed
  // lists `provisioner` among the block's arguments). Without a required_version an older Terraform reads the
  // stack and fails or skips the teardown; with one, Terraform itself refuses to run.
  test('a stack with RemovedModelEndpoint requires Terraform 1.9 or later', () => {
    const { json } = synth((scope) => new RemovedModelEndpoint(scope, 'Fraud'));
    expect((json as unknown as { terraform: { required_version?: string } }).terraform.required_version).toBe('>= 1.9.0');
    const live = synth((scope) => new ModelEndpoint(scope, 'Fraud', endpointProps())).json;
    expect((live as unknown as { terraform?: { required_version?: string } }).terraform?.required_version).toBeUndefined();
  });
});
