import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { StorageBlob } from '@cdktf/provider-azurerm/lib/storage-blob';
import { Annotations, AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import { ArtifactStorage, ResolvedServing } from '../../lib';
import { modelVersionBody } from './azapi/arm-bodies';
import { MlModelVersion } from './azapi/resources';
import type { ModelEndpointProps } from './model-endpoint';
import { ModelContainer } from './workspace';

/** The registered model version, what it holds, and the storage the endpoint's identity must read. */
export interface BoundModelData {
  readonly modelVersion: MlModelVersion;
  /** SHA-256 of the model file (or of its URI): part of the version name and of a controller deployment's name. */
  readonly contentHash: string;
  /** Blob container scopes the endpoint's identity gets Storage Blob Data Reader on. */
  readonly readScopes: string[];
}

/**
 * The model version: a local file uploaded to the model container (its SHA-256 in the blob path and the version
 * name), or the blob URI as given (read access granted on its container with `modelStorageAccountId`, otherwise
 * a warning).
 */
export function bindModelData(scope: Construct, props: ModelEndpointProps, serving: ResolvedServing, workspaceId: string,
  modelContainer: ModelContainer | undefined, tags: Record<string, string>): BoundModelData {
  let modelUri: string;
  let contentHash: string;
  const readScopes: string[] = [];
  if (props.model.storage === ArtifactStorage.LOCAL_FILE) {
    const bytes = readFileSync(props.model.localPath!);
    contentHash = createHash('sha256').update(bytes).digest('hex');
    const asset = new TerraformAsset(scope, 'ModelFile', { path: props.model.localPath!, type: AssetType.FILE });
    const blobName = `${serving.metadata.name}/${serving.metadata.version}/${contentHash.slice(0, 12)}/${props.model.fileName}`;
    // No container only with that problem reported (synth fails, nothing is written): placeholders keep the tree whole.
    const container = modelContainer ?? { storageAccountName: '', containerName: '', storageAccountId: '' };
    const blob = new StorageBlob(scope, 'ModelBlob', {
      name: blobName,
      storageAccountName: container.storageAccountName,
      storageContainerName: container.containerName,
      type: 'Block',
      source: asset.path,
    });
    modelUri = blob.url;
    readScopes.push(`${container.storageAccountId}/blobServices/default/containers/${container.containerName}`);
  } else {
    modelUri = props.model.uri!;
    contentHash = createHash('sha256').update(modelUri).digest('hex');
    const loc = props.model.location!;
    if (props.modelStorageAccountId) {
      readScopes.push(`${props.modelStorageAccountId}/blobServices/default/containers/${loc.bucket}`);
    } else {
      Annotations.of(scope).addWarning(
        `ModelEndpoint ${scope.node.path}: the endpoint's identity needs read access to ${modelUri}. Pass modelStorageAccountId ` +
          'to have the construct grant Storage Blob Data Reader on its container, or grant it yourself.',
      );
    }
  }
  const modelVersionName = `${serving.metadata.version}-${contentHash.slice(0, 8)}`;
  const modelVersion = new MlModelVersion(scope, 'ModelVersion', {
    name: modelVersionName,
    parentId: `${workspaceId}/models/${serving.metadata.name}`,
    body: modelVersionBody({
      modelUri,
      description: `${serving.metadata.name} ${serving.metadata.version}`,
      tags,
      properties: props.model.storage === ArtifactStorage.LOCAL_FILE ? { 'model-serving.dev/sha256': contentHash } : undefined,
    }),
  });
  return { modelVersion, contentHash, readScopes };
}
