/**
 * The AWS example: the demo digits classifier on a SageMaker real-time endpoint, checked by cdk-nag.
 * `npm run synth` (or `npx cdk synth`) writes it to cdk.out/.
 */
import { join } from 'node:path';
import * as cdk from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Duration, ModelArtifact, ScalingTarget } from '../../lib';
import { ModelEndpoint } from '../../constructs/aws';

export const DEMO_MODEL = join(__dirname, '..', 'models', 'digits-classifier', '1', 'model.onnx');

export function buildAwsApp(outdir = 'cdk.out'): cdk.App {
  const app = new cdk.App({ outdir });
  cdk.Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

  const stack = new cdk.Stack(app, 'DigitsServing', {
    env: { account: process.env.CDK_DEFAULT_ACCOUNT ?? '111111111111', region: process.env.CDK_DEFAULT_REGION ?? 'eu-west-1' },
    description: 'Demo digits classifier served by model-serving-constructs',
  });

  new ModelEndpoint(stack, 'Classifier', {
    model: ModelArtifact.fromFile(DEMO_MODEL),
    metadata: { name: 'digits-classifier', version: '1.0.0', owner: 'ml-platform', framework: 'onnx-builder', trainedOn: '2026-11-01' },
    instanceType: 'ml.c5.xlarge',
    scaling: { minReplicas: 1, maxReplicas: 4, target: ScalingTarget.invocationsPerReplicaPerSecond(50) },
    server: { maxBatchSize: 16, maxQueueDelayMs: 2, warmupRuns: 5 },
    alarms: { maxP99Latency: Duration.millis(250) },
  });
  return app;
}

if (require.main === module) {
  buildAwsApp(process.env.CDK_OUTDIR).synth();
}
