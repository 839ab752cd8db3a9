/**
 * The AWS example: the demo digits classifier on a SageMaker real-time endpoint that updates as a canary
 * and rolls back on its own, a monthly budget that scales it to its floor when spend runs over, and a GPU
 * node pool for the same model on EKS. Checked by cdk-nag. `npm run synth` (or `npx cdk synth`) writes it
 * to cdk.out/.
 */
import { join } from 'node:path';
import * as cdk from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Accelerator, BudgetAction, CapacityType, Duration, LatencyPercentile, ModelArtifact, RolloutPolicy, ScalingTarget } from '../../lib';
import { AlertRouting, BudgetGuard, CanaryRollout, GpuNodePool, ModelEndpoint } from '../../constructs/aws';

export const DEMO_MODEL = join(__dirname, '..', 'models', 'digits-classifier', '1', 'model.onnx');

export function buildAwsApp(outdir = 'cdk.out'): cdk.App {
  const app = new cdk.App({ outdir });
  cdk.Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

  const env = { account: process.env.CDK_DEFAULT_ACCOUNT ?? '111111111111', region: process.env.CDK_DEFAULT_REGION ?? 'eu-west-1' };
  const stack = new cdk.Stack(app, 'DigitsServing', {
    env,
    description: 'Demo digits classifier served by model-serving-constructs',
  });

  const endpoint = new ModelEndpoint(stack, 'Classifier', {
    model: ModelArtifact.fromFile(DEMO_MODEL),
    metadata: { name: 'digits-classifier', version: '1.0.0', owner: 'ml-platform', framework: 'onnx-builder', trainedOn: '2026-11-01' },
    instanceType: 'ml.c5.xlarge',
    // Two instances at least, so a model update can send one of them the canary's traffic.
    scaling: { minReplicas: 2, maxReplicas: 4, targets: [ScalingTarget.invocationsPerReplicaPerSecond(50)] },
    server: { maxBatchSize: 16, maxQueueDelayMs: 2, warmupRuns: 5 },
    // One set of objectives: the endpoint's two alarms, which the rollout below reuses to roll back.
    guardrails: { maxErrorRatePercent: 1, maxLatency: Duration.millis(250), latencyPercentile: LatencyPercentile.P95 },
    // A CloudWatch dashboard, and an alarm when a prediction costs more than planned (price: lib/cost.ts snapshot).
    dashboard: true,
    costPer1000PredictionsAbove: 0.01,
  });

  // The next model version gets exactly 5% of requests for an hour (a second production variant beside the
  // two stable instances; SageMaker's blue/green could not go below 50% here), then all of them for 10
  // minutes, then takes over the stable variant. An alarm at any point sends everything back to the old
  // model and fails the stack update. The mode the default picked, and why, is in rollout.modeReason.
  new CanaryRollout(stack, 'ClassifierRollout', {
    endpoint,
    policy: RolloutPolicy.canary({ trafficPercent: 5, bake: Duration.hours(1) }),
  });

  const guard = new BudgetGuard(stack, 'ClassifierBudget', {
    endpoints: [endpoint],
    budget: {
      monthlyLimitUsd: 500,
      alertThresholdsPercent: [50, 80, 100],
      action: BudgetAction.SCALE_TO_FLOOR,
      emails: ['ml-oncall@example.com'],
    },
  });
  // Every alarm in the stack (the endpoint's, the rollout's, the cost alarm) notifies the on-call topic.
  new AlertRouting(stack, 'Alerts', { alertTarget: guard.topic });

  // The same model on EKS: a spot GPU pool on an existing cluster, imported so the example synthesizes offline.
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'ClusterVpc', {
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    availabilityZones: [`${env.region}a`, `${env.region}b`],
    privateSubnetIds: ['subnet-0a1b2c3d4e5f60711', 'subnet-0a1b2c3d4e5f60722'],
  });
  new GpuNodePool(stack, 'GpuNodes', {
    clusterName: 'inference',
    vpc,
    accelerator: Accelerator.NVIDIA_A10G,
    sizes: ['xlarge', '2xlarge'],
    capacityType: CapacityType.SPOT,
    minNodes: 0,
    maxNodes: 4,
  });
  return app;
}

if (require.main === module) {
  buildAwsApp(process.env.CDK_OUTDIR).synth();
}
