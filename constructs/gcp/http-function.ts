import { CloudRunV2ServiceIamMember } from '@cdktf/provider-google/lib/cloud-run-v2-service-iam-member';
import { Cloudfunctions2Function } from '@cdktf/provider-google/lib/cloudfunctions2-function';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';
import { Construct } from 'constructs';
import { buildFromSource, handlerShortName, runAsAccount } from './pubsub-function';

export interface HttpFunctionProps {
  readonly project: string;
  readonly region: string;
  /** Handler folder under dist/handlers/gcp, e.g. `gateway-relay`. */
  readonly handler: string;
  /** Function name (also its Cloud Run service name): lower-case letters, digits and `-`, at most 63. */
  readonly functionName: string;
  readonly environment: Record<string, string>;
  readonly description: string;
  readonly labels: Record<string, string>;
  /** Seed for the service account ids (6 characters are used). */
  readonly idSeed: string;
  /** Bucket for the zipped source. */
  readonly sourceBucketName: string;
  /** The one principal (`serviceAccount:...`) that may invoke it (`roles/run.invoker` on its service). */
  readonly invoker: string;
  /** Most instances. @default 10 */
  readonly maxInstances?: number;
  /** Requests one instance serves at once. @default 80 */
  readonly concurrency?: number;
}

/**
 * A Cloud Function (2nd gen, Node.js 22) answering HTTP with one of this package's pre-bundled handlers, as its
 * own service account (no roles: the caller grants exactly what it needs), built like PubsubFunction
 * (`buildFromSource`). Only `invoker` may call it: Cloud Run checks the caller's Google-signed token for
 * `run.routes.invoke` before the handler runs (Cloud Run, "Authenticating service-to-service"), and no
 * `allUsers` binding exists. Ingress stays open to the internet because its caller (API Gateway) is not in a VPC.
 */
export class HttpFunction extends Construct {
  public readonly function: Cloudfunctions2Function;
  /** The identity the handler runs as. */
  public readonly serviceAccount: ServiceAccount;
  public readonly buildAccount: ServiceAccount;
  public readonly sourceBucket: StorageBucket;
  /** The Cloud Run service URL (`https://<service>-<hash>-<region>.a.run.app`), also the ID-token audience. */
  public readonly uri: string;
  public readonly invokerBinding: CloudRunV2ServiceIamMember;

  constructor(scope: Construct, id: string, props: HttpFunctionProps) {
    super(scope, id);
    const short = handlerShortName(props.handler);
    this.serviceAccount = runAsAccount(this, props, short);
    const build = buildFromSource(this, props, short);
    this.sourceBucket = build.sourceBucket;
    this.buildAccount = build.buildAccount;
    this.function = new Cloudfunctions2Function(this, 'Resource', {
      dependsOn: build.grants,
      project: props.project,
      location: props.region,
      name: props.functionName,
      description: props.description,
      labels: props.labels,
      buildConfig: build.config,
      serviceConfig: {
        serviceAccountEmail: this.serviceAccount.email,
        environmentVariables: props.environment,
        ingressSettings: 'ALLOW_ALL',
        availableMemory: '256M',
        timeoutSeconds: 60,
        minInstanceCount: 0,
        maxInstanceCount: props.maxInstances ?? 10,
        maxInstanceRequestConcurrency: props.concurrency ?? 80,
        // Concurrency above 1 needs at least one vCPU (Cloud Run functions, "Configure concurrency").
        availableCpu: '1',
        allTrafficOnLatestRevision: true,
      },
    });
    this.uri = this.function.serviceConfig.uri;
    this.invokerBinding = new CloudRunV2ServiceIamMember(this, 'Invoker', {
      project: props.project,
      location: props.region,
      name: this.function.name,
      role: 'roles/run.invoker',
      member: props.invoker,
    });
  }
}
