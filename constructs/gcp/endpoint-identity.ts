import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { SecretManagerSecretIamMember } from '@cdktf/provider-google/lib/secret-manager-secret-iam-member';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { Construct } from 'constructs';
import { ModelMetadata, ResolvedServing, SecretSource } from '../../lib';

/** The endpoint's serving account and the grants it runs with. */
export interface ServingIdentity {
  readonly serviceAccount: ServiceAccount;
  /** `serviceAccount:<email>`. */
  readonly member: string;
  /** Its project grants (logs, metrics) and secret grants, for the deployment to wait on. */
  readonly grants: (ProjectIamMember | SecretManagerSecretIamMember)[];
}

/**
 * A dedicated serving account for the endpoint: it writes logs and metrics, and reads exactly the Secret
 * Manager secrets of `server` (MODEL_SERVER_SECRET_REFS: the server reads them as this account).
 */
export function createServingIdentity(scope: Construct, project: string, metadata: ModelMetadata, endpointId: string, pathHash: string, serving: ResolvedServing): ServingIdentity {
  const name = metadata.name;
  const serviceAccount = new ServiceAccount(scope, 'ServingAccount', {
    project,
    accountId: `${name.slice(0, 19)}-srv-${pathHash.slice(0, 6)}`,
    displayName: `Vertex AI serving: ${name} ${metadata.version}`,
    description: `Runs ${name} on Vertex AI endpoint ${endpointId}: reads its model artifact, writes its logs and metrics`,
  });
  const member = `serviceAccount:${serviceAccount.email}`;
  const grants: (ProjectIamMember | SecretManagerSecretIamMember)[] = ['roles/logging.logWriter', 'roles/monitoring.metricWriter'].map((role) =>
    new ProjectIamMember(scope, role === 'roles/logging.logWriter' ? 'WriteLogs' : 'WriteMetrics', { project, role, member }));
  const secretNames = [...new Set(serving.secretEnvironment.filter((s) => s.secret.source === SecretSource.GCP_SECRET_MANAGER).map((s) => s.secret.name))];
  secretNames.forEach((secretName, i) => {
    const id = i === 0 ? 'SecretRead' : `SecretRead${i}`;
    const role = 'roles/secretmanager.secretAccessor';
    const [, secretProject, , secretId] = secretName.split('/');
    grants.push(new SecretManagerSecretIamMember(scope, id, { project: secretProject!, secretId: secretId!, role, member }));
  });
  return { serviceAccount, member, grants };
}
