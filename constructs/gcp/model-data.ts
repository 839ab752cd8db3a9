import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member';
import { StorageBucketObject } from '@cdktf/provider-google/lib/storage-bucket-object';
import { Annotations, AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import { ArtifactLayout, ArtifactStorage } from '../../lib';
import type { ModelEndpointProps } from './model-endpoint';

/** Where Vertex AI copies the model from, and what must exist before it does. */
export interface BoundModelData {
  /** The folder holding model.onnx (`artifactUri`). */
  readonly artifactUri: string;
  /** The bucket created for a local model file. */
  readonly artifactBucket?: StorageBucket;
  /** The uploaded object and the serving account's read grant. */
  readonly dependencies: (StorageBucketObject | StorageBucketIamMember)[];
}

/**
 * The model artifact: a folder holding model.onnx, because Vertex AI's artifactUri is a folder. A local file is
 * uploaded to a bucket of its own (uniform access, public access prevented, versioned, the KMS key when given);
 * the serving account `member` gets read access to exactly that folder.
 */
export function bindModelData(scope: Construct, props: ModelEndpointProps, member: string, pathHash: string, labels: Readonly<Record<string, string>>): BoundModelData {
  const name = props.metadata.name;
  const dependencies: (StorageBucketObject | StorageBucketIamMember)[] = [];
  if (props.model.storage === ArtifactStorage.LOCAL_FILE) {
    const digest = createHash('sha256').update(readFileSync(props.model.localPath!)).digest('hex');
    const artifactBucket = new StorageBucket(scope, 'ArtifactBucket', {
      project: props.project,
      name: props.artifactBucketName ?? `${name}-${pathHash.slice(0, 12)}`,
      location: props.region,
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      versioning: { enabled: true },
      encryption: props.kmsKeyName ? { defaultKmsKeyName: props.kmsKeyName } : undefined,
      labels,
    });
    const prefix = `${name}/${props.metadata.version}/${digest.slice(0, 12)}/`;
    const asset = new TerraformAsset(scope, 'ModelFile', { path: props.model.localPath!, type: AssetType.FILE });
    dependencies.push(new StorageBucketObject(scope, 'ModelObject', { bucket: artifactBucket.name, name: `${prefix}model.onnx`, source: asset.path, contentType: 'application/octet-stream' }));
    const artifactUri = `gs://${artifactBucket.name}/${prefix}`;
    dependencies.push(new StorageBucketIamMember(scope, 'ReadArtifact', { bucket: artifactBucket.name, role: 'roles/storage.objectViewer', member }));
    return { artifactUri, artifactBucket, dependencies };
  }
  const loc = props.model.location!;
  const folder = props.model.layout === ArtifactLayout.PREFIX ? loc.key : loc.key.slice(0, loc.key.lastIndexOf('/') + 1);
  const artifactUri = `gs://${loc.bucket}/${folder}`;
  if (props.model.layout !== ArtifactLayout.PREFIX) {
    Annotations.of(scope).addWarning(`model-serving:model: Vertex AI copies the whole folder ${artifactUri} (artifactUri is a folder), not only ${props.model.fileName}; keep that folder to this one model`);
  }
  dependencies.push(new StorageBucketIamMember(scope, 'ReadArtifact', {
    bucket: loc.bucket,
    role: 'roles/storage.objectViewer',
    member,
    condition: { title: 'only the model folder', expression: `resource.name.startsWith(${JSON.stringify(`projects/_/buckets/${loc.bucket}/objects/${folder}`)})` },
  }));
  return { artifactUri, dependencies };
}
