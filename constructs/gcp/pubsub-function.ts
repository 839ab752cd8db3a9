import { ArtifactRegistryRepository } from '@cdktf/provider-google/lib/artifact-registry-repository';
import { ArtifactRegistryRepositoryIamMember } from '@cdktf/provider-google/lib/artifact-registry-repository-iam-member';
import { CloudRunV2ServiceIamMember } from '@cdktf/provider-google/lib/cloud-run-v2-service-iam-member';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { Cloudfunctions2Function, Cloudfunctions2FunctionBuildConfig } from '@cdktf/provider-google/lib/cloudfunctions2-function';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member';
import { StorageBucketObject } from '@cdktf/provider-google/lib/storage-bucket-object';
import { AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import { handlerBundleDirectory } from '../../lib/internal/package-layout';

export interface PubsubFunctionProps {
  readonly project: string;
  readonly region: string;
  /** Handler folder under dist/handlers/gcp, e.g. `rollout-controller`. */
  readonly handler: string;
  /** Function name (also its Cloud Run service name): lower-case letters, digits and `-`, at most 63. */
  readonly functionName: string;
  /** `projects/<p>/topics/<t>` that triggers it. */
  readonly topic: string;
  readonly environment: Record<string, string>;
  readonly description: string;
  readonly labels: Record<string, string>;
  /** Seed for the service account ids (6 characters are used). */
  readonly idSeed: string;
  /** Bucket for the zipped source. */
  readonly sourceBucketName: string;
  /** One invocation at a time (the rollout controller); otherwise up to 3 instances. @default false */
  readonly serial?: boolean;
}

/**
 * A Cloud Function (2nd gen, Node.js 22) running one of this package's pre-bundled handlers on every message
 * of a Pub/Sub topic, as its own service account (no roles: the caller grants exactly what it needs), with a
 * separate trigger account that may only invoke it. Failed invocations are retried by Pub/Sub.
 *
 * The build runs as a service account of its own (`build_config.service_account`): since July 2024 new
 * projects, and organisations that disable the default service accounts' automatic grants, give the default
 * build account too little to build a function (Cloud Run functions, "Custom Service Account for Cloud
 * Build"). It gets what that page lists for a build account and no more, scoped where the resource is ours:
 * `roles/logging.logWriter` on the project (build logs), `roles/artifactregistry.writer` on a Docker
 * repository of this function's own (`build_config.docker_repository`, so the build cannot write to any other
 * repository), and `roles/storage.objectViewer` on the source bucket and on Cloud Functions' own
 * `gcf-v2-sources-*` buckets (the function's source).
 */
export class PubsubFunction extends Construct {
  public readonly function: Cloudfunctions2Function;
  /** The identity the handler runs as. */
  public readonly serviceAccount: ServiceAccount;
  public readonly triggerAccount: ServiceAccount;
  /** The identity Cloud Build builds the function as. */
  public readonly buildAccount: ServiceAccount;
  /** Where the build stores the function's image. */
  public readonly buildRepository: ArtifactRegistryRepository;
  public readonly sourceBucket: StorageBucket;

  constructor(scope: Construct, id: string, props: PubsubFunctionProps) {
    super(scope, id);
    const short = handlerShortName(props.handler);
    this.serviceAccount = runAsAccount(this, props, short);
    this.triggerAccount = new ServiceAccount(this, 'Trigger', {
      project: props.project,
      accountId: `${short}-t-${props.idSeed.slice(0, 6)}`,
      displayName: `Pub/Sub trigger of ${props.functionName}`,
      description: `May only invoke ${props.functionName}`,
    });
    const build = buildFromSource(this, props, short);
    this.sourceBucket = build.sourceBucket;
    this.buildAccount = build.buildAccount;
    this.buildRepository = build.buildRepository;
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
        ingressSettings: 'ALLOW_INTERNAL_ONLY',
        availableMemory: '256M',
        timeoutSeconds: 540,
        minInstanceCount: 0,
        maxInstanceCount: props.serial ? 1 : 3,
        maxInstanceRequestConcurrency: 1,
        allTrafficOnLatestRevision: true,
      },
      eventTrigger: {
        eventType: 'google.cloud.pubsub.topic.v1.messagePublished',
        pubsubTopic: props.topic,
        triggerRegion: props.region,
        retryPolicy: 'RETRY_POLICY_RETRY',
        serviceAccountEmail: this.triggerAccount.email,
      },
    });
    // A 2nd gen function is a Cloud Run service: the trigger's account needs run.invoker on it, nothing else.
    new CloudRunV2ServiceIamMember(this, 'TriggerInvokes', {
      project: props.project,
      location: props.region,
      name: this.function.name,
      role: 'roles/run.invoker',
      member: `serviceAccount:${this.triggerAccount.email}`,
    });
  }
}

/** What a pre-bundled handler's function is built from, and the grants its build needs first. */
export interface FunctionSource {
  readonly sourceBucket: StorageBucket;
  readonly buildAccount: ServiceAccount;
  readonly buildRepository: ArtifactRegistryRepository;
  readonly grants: (ProjectIamMember | ArtifactRegistryRepositoryIamMember | StorageBucketIamMember)[];
  /** `build_config` of the Cloudfunctions2Function (Node.js 22, entry point `handler`). */
  readonly config: Cloudfunctions2FunctionBuildConfig;
}

/** The short handler name service-account ids of a function start with (letters only, at most 10). */
export function handlerShortName(handler: string): string {
  return handler.replace(/[^a-z]/g, '').slice(0, 10);
}

/** The identity a function's handler runs as (id `RunAs` under `scope`, as every Cloud Function of this package). */
export function runAsAccount(scope: Construct, props: Pick<PubsubFunctionProps, 'project' | 'handler' | 'functionName' | 'description' | 'idSeed'>, short: string): ServiceAccount {
  return new ServiceAccount(scope, 'RunAs', {
    project: props.project,
    accountId: `${short}-${props.idSeed.slice(0, 6)}`,
    displayName: `${props.handler} (${props.functionName})`,
    description: props.description.slice(0, 256),
  });
}

/**
 * The source bucket, the zipped pre-bundled handler, the build account and its repository (see PubsubFunction's
 * documentation for why each grant), created in `scope` with the ids every Cloud Function of this package uses.
 */
export function buildFromSource(scope: Construct, props: Pick<PubsubFunctionProps, 'project' | 'region' | 'handler' | 'functionName' | 'labels' | 'idSeed' | 'sourceBucketName'>, short: string): FunctionSource {
  const sourceBucket = new StorageBucket(scope, 'SourceBucket', {
    project: props.project,
    name: props.sourceBucketName,
    location: props.region,
    uniformBucketLevelAccess: true,
    publicAccessPrevention: 'enforced',
    forceDestroy: true,
    labels: props.labels,
  });
  const asset = new TerraformAsset(scope, 'Source', { path: handlerBundleDirectory('gcp', props.handler), type: AssetType.ARCHIVE });
  const object = new StorageBucketObject(scope, 'SourceObject', {
    bucket: sourceBucket.name,
    // The content hash in the name makes a new handler build a new object, so the function is rebuilt.
    name: `${props.handler}/${asset.assetHash}.zip`,
    source: asset.path,
  });
  const buildAccount = new ServiceAccount(scope, 'Build', {
    project: props.project,
    accountId: `${short}-b-${props.idSeed.slice(0, 6)}`,
    displayName: `Cloud Build of ${props.functionName}`,
    description: `Builds ${props.functionName}: reads its source, writes its image and build logs`,
  });
  const builder = `serviceAccount:${buildAccount.email}`;
  const buildRepository = new ArtifactRegistryRepository(scope, 'BuildRepository', {
    project: props.project,
    location: props.region,
    repositoryId: `${props.functionName.slice(0, 56).replace(/-+$/, '')}-build`,
    format: 'DOCKER',
    description: `Images Cloud Build makes of ${props.functionName}`,
    labels: props.labels,
  });
  const grants = [
    new ProjectIamMember(scope, 'BuildWritesLogs', { project: props.project, role: 'roles/logging.logWriter', member: builder }),
    new ArtifactRegistryRepositoryIamMember(scope, 'BuildWritesImage', {
      project: props.project,
      location: props.region,
      repository: buildRepository.name,
      role: 'roles/artifactregistry.writer',
      member: builder,
    }),
    new StorageBucketIamMember(scope, 'BuildReadsSource', { bucket: sourceBucket.name, role: 'roles/storage.objectViewer', member: builder }),
    // Cloud Functions (2nd gen) may stage the source in its own gcf-v2-sources-<number>-<region> bucket, which
    // exists only after the first deploy: read there too, by a condition on the bucket name (Cloud Storage
    // supports resource attributes in IAM Conditions), instead of the project-wide storage role Google's page
    // lists.
    new ProjectIamMember(scope, 'BuildReadsStagedSource', {
      project: props.project,
      role: 'roles/storage.objectViewer',
      member: builder,
      condition: { title: 'only Cloud Functions source buckets', expression: 'resource.name.startsWith("projects/_/buckets/gcf-v2-sources-")' },
    }),
  ];
  return {
    sourceBucket,
    buildAccount,
    buildRepository,
    grants,
    config: {
      runtime: 'nodejs22',
      entryPoint: 'handler',
      serviceAccount: buildAccount.id,
      dockerRepository: buildRepository.id,
      source: { storageSource: { bucket: sourceBucket.name, object: object.name } },
    },
  };
}
