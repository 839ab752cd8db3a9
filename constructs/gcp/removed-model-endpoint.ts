import { AssetType, TerraformAsset, TerraformElement, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { handlerBundleDirectory } from '../../lib/internal/package-layout';
import { MODEL_ENDPOINT_LABEL } from './vertex/plan';

/** Terraform version constraint a stack with RemovedModelEndpoint needs (provisioners in `removed` blocks). */
const REMOVED_PROVISIONER_TERRAFORM_VERSION = '>= 1.9.0';

/** One Terraform `removed` block (Terraform 1.7+; destroy-time provisioners in it: 1.9+). */
class RemovedBlock extends TerraformElement {
  constructor(scope: Construct, id: string, private readonly block: Record<string, unknown>) {
    super(scope, id);
  }

  public override toTerraform(): Record<string, unknown> {
    // Arrays are concatenated when the stack merges its elements, so every RemovedBlock adds one entry.
    return { removed: [this.block] };
  }
}

/** The Terraform addresses a RemovedModelEndpoint's `removed` blocks name. */
export interface RemovedEndpointAddresses {
  /** The Vertex AI endpoint. */
  readonly endpoint: string;
  /** The deployment (the `terraform_data` that deploys the models). */
  readonly deployment: string;
  /** The teardown (the `terraform_data` that undeploys and deletes the models). */
  readonly teardown: string;
}

/**
 * Put in the place of a ModelEndpoint you delete from your code, with the same scope and id, for one
 * `terraform apply`; then delete this line too.
 *
 * Why: Terraform runs a destroy-time provisioner only while its resource block is in the configuration. A
 * ModelEndpoint removed from code takes its teardown with it, and Vertex AI refuses to delete an endpoint that
 * still has models deployed, so the apply fails at the endpoint with its models still deployed and billing.
 * This construct writes Terraform `removed` blocks for the endpoint's resources that carry the same
 * destroy-time commands: the deployment retires its models, the teardown undeploys whatever is left and deletes
 * the endpoint's models, and the endpoint itself runs the teardown again from its own recorded attributes just
 * before it is deleted (so it also works after a plain removal already failed once). Every other resource of
 * the endpoint is destroyed as usual. Needs Terraform 1.9 or later.
 */
export class RemovedModelEndpoint extends Construct {
  /** Terraform addresses the `removed` blocks name. */
  public readonly addresses: RemovedEndpointAddresses;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = TerraformStack.of(this);
    // Destroy-time provisioners in a `removed` block arrived in Terraform 1.9.0 (hashicorp/terraform#35230);
    // an older Terraform would reject the configuration or, worse, drop the teardown. Refuse older ones up front.
    stack.addOverride('terraform.required_version', REMOVED_PROVISIONER_TERRAFORM_VERSION);
    // The same paths as the ModelEndpoint's children, so the same logical ids.
    const logicalId = (child: string) => stack.getLogicalId(new Construct(this, child).node);
    this.addresses = {
      endpoint: `google_vertex_ai_endpoint.${logicalId('Resource')}`,
      deployment: `terraform_data.${logicalId('Deployment')}`,
      teardown: `terraform_data.${logicalId('Teardown')}`,
    };
    const deployer = new TerraformAsset(this, 'Deployer', { path: handlerBundleDirectory('gcp', 'vertex-deployer'), type: AssetType.DIRECTORY });
    const run = (command: string, variable: string, plan: string) => ({
      'local-exec': { when: 'destroy', command: `node "${deployer.path}/index.js" ${command}`, environment: { [variable]: plan } },
    });
    const removed = (blockId: string, from: string, provisioner: Record<string, unknown>) =>
      new RemovedBlock(this, blockId, { from, lifecycle: { destroy: true }, provisioner: [provisioner] });

    removed('RemovedDeployment', this.addresses.deployment, run('retire', 'VERTEX_DEPLOYMENT_PLAN', '${jsonencode(self.input)}'));
    removed('RemovedTeardown', this.addresses.teardown, run('teardown', 'VERTEX_TEARDOWN_PLAN', '${jsonencode(self.input)}'));
    // From the endpoint's own state: google_vertex_ai_endpoint records project, location and name (the id).
    removed('RemovedEndpoint', this.addresses.endpoint, run('teardown', 'VERTEX_TEARDOWN_PLAN',
      `\${jsonencode({ project = self.project, location = self.location, endpointId = self.name, modelLabelKey = "${MODEL_ENDPOINT_LABEL}", timeoutSeconds = 1800 })}`));
  }
}
