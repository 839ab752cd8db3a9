import * as cdk from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { ArtifactLayout, ArtifactStorage, ModelArtifact } from '../../lib';

/** Where SageMaker finds the model, and the role's read access to exactly that object or prefix. */
export interface BoundModelData {
  readonly modelDataUri: string;
  readonly modelDataSource?: sagemaker.CfnModel.ModelDataSourceProperty;
  /** `ModelDataUrl`, for `.tar.gz` archives only. */
  readonly modelDataUrl?: string;
}

/** Uploads a local model as an asset (id `ModelData` under `scope`) or points at the S3 URI, and grants `role` read access. */
export function bindModelData(scope: Construct, model: ModelArtifact, role: iam.IRole): BoundModelData {
  const stack = cdk.Stack.of(scope);
  let modelDataUri: string;
  let modelDataSource: sagemaker.CfnModel.ModelDataSourceProperty | undefined;
  let modelDataUrl: string | undefined;
  if (model.storage === ArtifactStorage.LOCAL_FILE) {
    const asset = new s3assets.Asset(scope, 'ModelData', { path: model.localPath! });
    modelDataUri = asset.s3ObjectUrl;
    modelDataSource = { s3DataSource: { s3Uri: asset.s3ObjectUrl, s3DataType: 'S3Object', compressionType: 'None' } };
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadModelObject',
      actions: ['s3:GetObject'],
      resources: [`arn:${stack.partition}:s3:::${asset.s3BucketName}/${asset.s3ObjectKey}`],
    }));
  } else {
    const loc = model.location!;
    modelDataUri = model.uri!;
    const objectArn = `arn:${stack.partition}:s3:::${loc.bucket}/${loc.key}`;
    if (model.layout === ArtifactLayout.ARCHIVE) {
      modelDataUrl = model.uri;
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadModelObject', actions: ['s3:GetObject'], resources: [objectArn] }));
    } else if (model.layout === ArtifactLayout.SINGLE_FILE) {
      modelDataSource = { s3DataSource: { s3Uri: model.uri!, s3DataType: 'S3Object', compressionType: 'None' } };
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadModelObject', actions: ['s3:GetObject'], resources: [objectArn] }));
    } else {
      modelDataSource = { s3DataSource: { s3Uri: model.uri!, s3DataType: 'S3Prefix', compressionType: 'None' } };
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadModelPrefix', actions: ['s3:GetObject'], resources: [`${objectArn}*`] }));
      // The objects under a model folder (model.onnx, fallback.json, warmup/) have no fixed list: the grant is
      // read-only and bounded by the folder's own prefix.
      cdk.Validations.of(role).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${loc.bucket}/${loc.key}*]`,
        reason: 'SageMaker copies every object under the model folder (S3Prefix); s3:GetObject is limited to that folder\'s prefix.',
      });
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'ListModelPrefix',
        actions: ['s3:ListBucket'],
        resources: [`arn:${stack.partition}:s3:::${loc.bucket}`],
        conditions: { StringLike: { 's3:prefix': [`${loc.key}*`] } },
      }));
    }
  }
  return { modelDataUri, modelDataSource, modelDataUrl };
}
