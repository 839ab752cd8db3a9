import * as cdk from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { DockerImageAsset, Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ResolvedServing } from '../../lib';
import { RUNTIME_FILES, runtimeDirectory } from '../../lib/internal/package-layout';

/**
 * The image URI the model runs: the bundled server built as a Docker image asset (id `ServerImage`), or the
 * ECR image given; `role` may pull exactly that repository.
 */
export function bindServerImage(scope: Construct, serving: ResolvedServing, role: iam.IRole): string {
  const stack = cdk.Stack.of(scope);
  let imageUri: string;
  if (serving.image.isBundled) {
    const asset = new DockerImageAsset(scope, 'ServerImage', {
      directory: runtimeDirectory(serving.accelerator !== undefined),
      file: serving.accelerator ? RUNTIME_FILES.gpuDockerfile : RUNTIME_FILES.cpuDockerfile,
      platform: Platform.LINUX_AMD64,
      exclude: ['node_modules', 'test', 'bench', '**/*.md'],
    });
    imageUri = asset.imageUri;
    asset.repository.grantPull(role);
  } else {
    imageUri = serving.image.registryUri!;
    const repoName = /\.amazonaws\.com(?:\.cn)?\/([^:@]+)/.exec(imageUri)?.[1];
    const region = /\.dkr\.ecr\.([a-z0-9-]+)\./.exec(imageUri)?.[1];
    const account = /^(\d{12})\./.exec(imageUri)?.[1];
    if (repoName && region && account) {
      ecr.Repository.fromRepositoryAttributes(scope, 'ServerRepository', {
        repositoryName: repoName,
        repositoryArn: `arn:${stack.partition}:ecr:${region}:${account}:repository/${repoName}`,
      }).grantPull(role);
    }
  }
  return imageUri;
}
