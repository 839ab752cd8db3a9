/**
 * `node index.js apply|retire|teardown`: the program the Terraform stack of a ModelEndpoint runs (local-exec)
 * to upload and deploy the model, because the Google provider has no resource for either. The plan comes
 * as JSON in VERTEX_DEPLOYMENT_PLAN (or VERTEX_TEARDOWN_PLAN); credentials are the ones the Terraform
 * provider uses (GOOGLE_OAUTH_ACCESS_TOKEN, GOOGLE_CREDENTIALS, or Application Default Credentials).
 * MODEL_SERVING_GOOGLE_API_ROOT sends the calls through a proxy (`<root>/<host>/<path>`).
 * Shipped pre-bundled in dist/handlers/gcp/vertex-deployer/index.js.
 */
import { GoogleRest, applicationDefaultToken } from '../rest/client';
import { DeploymentPlan, TeardownPlan } from '../vertex/plan';
import { apply, retire, teardown } from './deployer';

function readPlan<T>(env: NodeJS.ProcessEnv, name: string): T {
  const raw = env[name];
  if (!raw) throw new Error(`${name} is not set: this program is run by the Terraform stack a ModelEndpoint synthesizes`);
  try {
    return JSON.parse(raw) as T;
  } catch (e) {
    throw new Error(`${name} is not JSON: ${(e as Error).message}`);
  }
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, rest?: GoogleRest): Promise<unknown> {
  const client = rest ?? new GoogleRest({ token: applicationDefaultToken(env), apiRoot: env.MODEL_SERVING_GOOGLE_API_ROOT });
  const command = argv[0];
  switch (command) {
    case 'apply':
      return apply(client, readPlan<DeploymentPlan>(env, 'VERTEX_DEPLOYMENT_PLAN'));
    case 'retire':
      return retire(client, readPlan<DeploymentPlan>(env, 'VERTEX_DEPLOYMENT_PLAN'));
    case 'teardown':
      return teardown(client, readPlan<TeardownPlan>(env, 'VERTEX_TEARDOWN_PLAN'));
    default:
      throw new Error(`unknown command ${JSON.stringify(command)}: expected apply, retire or teardown`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (result) => console.log(JSON.stringify({ source: 'vertex-deployer', event: 'done', result })),
    (e: Error) => {
      console.error(`vertex-deployer ${process.argv[2] ?? ''} failed: ${e.message}`);
      process.exit(1);
    },
  );
}
