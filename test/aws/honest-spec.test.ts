/**
 * Issue 9, "Why", on AWS: advice as Annotations warnings, latency at a chosen percentile, one set of alarms
 * for two signals, and the spec's refusals naming SageMaker and the field.
 */
import * as cdk from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Duration, LatencyPercentile, ModelArtifact, RolloutPolicy, ServingImage } from '../../lib';
import { reportedProblems } from '../support/expect-problems';
import { BudgetGuard, CanaryRollout, ModelEndpoint, ModelEndpointProps } from '../../constructs/aws';
import { DEMO_MODEL_PATH } from '../../scripts/generate-models';

const ECR_IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/model-server:1.0.0';
const model = ModelArtifact.fromFile(DEMO_MODEL_PATH);

function stackWith(extra: Partial<ModelEndpointProps> = {}) {
  const app = new cdk.App({ builtinCloudFormationValidation: false });
  const stack = new cdk.Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const endpoint = new ModelEndpoint(stack, 'Endpoint', {
    model, metadata: { name: 'digits', version: '1.0.0', owner: 'ml-platform' }, instanceType: 'ml.c5.xlarge',
    image: ServingImage.fromRegistry(ECR_IMAGE), endpointName: 'digits-prod', scaling: { minReplicas: 2, maxReplicas: 4 }, ...extra,
  });
  return { stack, endpoint };
}

test('ModelArtifact.fromUri without a signature: an Annotations warning, not an error', () => {
  const { stack } = stackWith({ model: ModelArtifact.fromUri('s3://acme-models/digits/model.onnx') });
  Annotations.fromStack(stack).hasWarning('/Test/Endpoint', Match.stringLikeRegexp('has no signature: the server cannot check requests'));
  const signed = stackWith({ model: ModelArtifact.fromUri('s3://acme-models/digits/model.onnx', { signature: model.signature }) }).stack;
  Annotations.fromStack(signed).hasNoWarning('/Test/Endpoint', Match.stringLikeRegexp('has no signature'));
});

test('BudgetGuard: the cost-allocation tag must be activated, said as a warning', () => {
  const { stack, endpoint } = stackWith();
  new BudgetGuard(stack, 'Budget', { endpoints: [endpoint], budget: { monthlyLimitUsd: 500 } });
  Annotations.fromStack(stack).hasWarning('/Test/Budget', Match.stringLikeRegexp('cost-allocation tag "model-name".*until then the budget sees no cost'));
});

test('p95 latency: the endpoint alarm watches ModelLatency p95', () => {
  const { stack } = stackWith({ guardrails: { latencyPercentile: LatencyPercentile.P95, maxLatency: Duration.millis(200) } });
  Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ModelLatency', ExtendedStatistic: 'p95', Threshold: 200_000 });
});

test('p99.9 latency is expressible too', () => {
  const { stack } = stackWith({ guardrails: { latencyPercentile: LatencyPercentile.P99_9 } });
  Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ModelLatency', ExtendedStatistic: 'p99.9' });
});

test('two signals, two alarms: the rollout rolls back on the endpoint\'s alarms', () => {
  const { stack, endpoint } = stackWith({ guardrails: { latencyPercentile: LatencyPercentile.P95, maxLatency: Duration.millis(250) } });
  new CanaryRollout(stack, 'Rollout', { endpoint, policy: RolloutPolicy.canary({ trafficPercent: 50, bake: Duration.minutes(30) }) });
  Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Alarm', 2);
});

test('refusals name SageMaker and the field', () => {
  const problems = reportedProblems(() => stackWith({ model: ModelArtifact.fromUri('gs://acme-models/digits/model.onnx'), scaling: { minReplicas: 0 }, server: { requestTimeout: Duration.minutes(2) } }));
  expect(problems.map((p) => [p.field, p.backend, p.construct])).toEqual([
    ['model', 'SageMaker', 'Test/Endpoint'], ['scaling.minReplicas', 'SageMaker', 'Test/Endpoint'], ['server.requestTimeout', 'SageMaker', 'Test/Endpoint'],
  ]);
});
