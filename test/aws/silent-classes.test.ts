/**
 * Mistakes of issue 17's silent classes that a hidden probe found accepted (or crashing) on AWS, each refused at
 * synth with the field, the value, what is allowed and the fix (values differ from the probe's and the other tests').
 * Receivers' rules:
 * - Regions: aws-cdk-lib 2.276.0 region-info RegionInfo.regions (its AWS_REGIONS fact table), with the context
 *   key model-serving-constructs:aws:extraRegions as the explicit escape hatch.
 * - SageMaker CreateEndpoint EndpointName: "The name must be unique within an AWS Region in your AWS account"
 *   (docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpoint.html).
 * - SNS CreateTopic Name: 1-256 ASCII letters, digits, "_" and "-" (".fifo" suffix for FIFO topics)
 *   (botocore 1.43.11 data/sns/2010-03-31/service-2.json, CreateTopicInput.Name).
 * - EKS ClusterName: ^[0-9A-Za-z][A-Za-z0-9\-_]*, 1-100 (botocore 1.43.11 data/eks/2017-11-01/service-2.json).
 * - CloudWatch PutMetricAlarm Period: 10, 30 or a multiple of 60 seconds; aws-cdk-lib throws
 *   PeriodMustBeValidInterval for others (aws-cloudwatch lib/metric.js).
 */
import * as cdk from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Accelerator, BudgetAction, Duration, ModelArtifact, ServingImage, collectSpecProblems } from '../../lib';
import { AlertRouting, BudgetGuard, BudgetGuardProps, CanaryRollout, CanaryRolloutProps, GpuNodePool, ModelEndpoint, ModelEndpointProps } from '../../constructs/aws';
import { DEMO_MODEL_PATH } from '../../scripts/generate-models';
import { expectNoSynthProblems, expectProblems, expectSynthProblems } from '../support/expect-problems';

const model = ModelArtifact.fromFile(DEMO_MODEL_PATH);
const image = ServingImage.fromRegistry('123456789012.dkr.ecr.eu-west-1.amazonaws.com/model-server:1.0.0');

function stack(region = 'eu-west-1', context: Record<string, unknown> = {}, app = new cdk.App({ builtinCloudFormationValidation: false, context } as cdk.AppProps), id = 'Serving'): cdk.Stack {
  return new cdk.Stack(app, id, { env: { account: '123456789012', region } });
}
function endpoint(s: cdk.Stack, extra: Partial<ModelEndpointProps> = {}, id = 'Endpoint'): ModelEndpoint {
  return new ModelEndpoint(s, id, { model, image, metadata: { name: 'churn', version: '2.1.0', owner: 'growth-ml' }, instanceType: 'ml.m5.large', ...extra });
}

describe('the stack\'s region against aws-cdk-lib\'s region table', () => {
  test('"eu-central1" is refused with the near code; the endpoint and the EKS pool both say so', () => {
    expectProblems(() => {
      const s = stack('eu-central1');
      endpoint(s);
      const vpc = ec2.Vpc.fromVpcAttributes(s, 'Vpc', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-central-1a'], privateSubnetIds: ['subnet-0123456789abcdef0'] });
      new GpuNodePool(s, 'Pool', { clusterName: 'serving', vpc, accelerator: Accelerator.NVIDIA_T4, maxNodes: 2 });
      return s;
    }, [
      /ModelEndpoint Serving\/Endpoint has 1 invalid setting:\s+1\. stack region \(env\.region\): got "eu-central1"; allowed: an AWS region code \(aws-cdk-lib region-info.*Fix: did you mean "eu-central-1"/,
      /GpuNodePool Serving\/Pool has 1 invalid setting:\s+1\. stack region \(env\.region\): got "eu-central1"/,
    ]);
  });
  test('a region newer than the table passes when the context lists it; an env-agnostic stack is not checked', () => {
    const s = stack('xx-future-1', { 'model-serving-constructs:aws:extraRegions': ['xx-future-1'] });
    endpoint(s);
    expectNoSynthProblems(s);
    const agnostic = new cdk.Stack(new cdk.App({ builtinCloudFormationValidation: false } as cdk.AppProps), 'Agnostic');
    endpoint(agnostic);
    expectNoSynthProblems(agnostic);
  });
});

describe('SageMaker endpoint names are unique per account and region, across the app\'s stacks', () => {
  test('two stacks of one environment: both endpoints are named', () => {
    const app = new cdk.App({ builtinCloudFormationValidation: false } as cdk.AppProps);
    const blue = stack('us-west-2', {}, app, 'Blue');
    const green = stack('us-west-2', {}, app, 'Green');
    endpoint(blue, { endpointName: 'churn-live' });
    endpoint(green, { endpointName: 'Churn-Live' });
    expectSynthProblems(blue, /endpointName: got "churn-live", also used by ModelEndpoint Green\/Endpoint \(stack Green, same account and region\); allowed: one SageMaker endpoint per name in an account and region\. Fix: give one of them another endpointName/);
    expect(collectSpecProblems(app)?.problems.map((p) => p.construct)).toEqual(['Blue/Endpoint', 'Green/Endpoint']);
  });
  test('the same name in another region, and generated names in one stack, pass', () => {
    const app = new cdk.App({ builtinCloudFormationValidation: false } as cdk.AppProps);
    const a = stack('us-west-2', {}, app, 'A');
    endpoint(a, { endpointName: 'churn-live' });
    endpoint(stack('ap-southeast-2', {}, app, 'B'), { endpointName: 'churn-live' });
    endpoint(a, {}, 'Other1');
    endpoint(a, {}, 'Other2');
    expect(collectSpecProblems(app)).toBeUndefined();
  });
});

test('AlertRouting: an SNS topic ARN with a space in the name and an 11-digit account is refused', () => {
  expectProblems(() => {
    const s = stack();
    endpoint(s);
    new AlertRouting(s, 'Alerts', { alertTarget: sns.Topic.fromTopicArn(s, 'Topic', 'arn:aws:sns:eu-west-1:12345678901:ops alerts') });
    return s;
  }, /AlertRouting Serving\/Alerts has 1 invalid setting:\s+1\. alertTarget \(topicArn\): got "arn:aws:sns:eu-west-1:12345678901:ops alerts"; allowed: an SNS topic ARN/);
});

test('EKS names: a cluster name with a dot and a node group name starting with "_"', () => {
  expectProblems(() => {
    const s = stack();
    const vpc = ec2.Vpc.fromVpcAttributes(s, 'Vpc', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-0123456789abcdef0'] });
    return new GpuNodePool(s, 'Pool', { clusterName: 'ml.serving', nodegroupName: '_l4-nodes', vpc, accelerator: Accelerator.NVIDIA_L4, maxNodes: 2 });
  }, [
    /clusterName: got "ml\.serving"; allowed: 1-100 letters, digits, "-" and "_", starting with a letter or digit \(EKS\)\. Fix: e\.g\. "ml-serving"/,
    /nodegroupName: got "_l4-nodes"; allowed: 1-63 letters, digits/,
  ]);
});

test('guardrails.evaluationPeriod of 90 s is reported by field at synth, not thrown by aws-cdk-lib', () => {
  expectProblems(() => endpoint(stack(), { guardrails: { maxErrorRatePercent: 2, evaluationPeriod: Duration.seconds(90) } }),
    /guardrails\.evaluationPeriod: got 90s/);
});

describe('JavaScript callers: props of the wrong kind on rollouts and budget guards are named, not a TypeError', () => {
  test('a CanaryRollout without policy', () => {
    const s = stack();
    const e = endpoint(s);
    expect(() => new CanaryRollout(s, 'Rollout', { endpoint: e } as unknown as CanaryRolloutProps))
      .toThrow(/CanaryRollout Serving\/Rollout has 1 invalid setting:\s+1\. policy: got nothing \(the prop is missing\); allowed: a RolloutPolicy\. Fix: set policy, e\.g\. RolloutPolicy\.canary/);
  });
  test('a BudgetGuard given one endpoint where a list goes', () => {
    const s = stack();
    const e = endpoint(s);
    expect(() => new BudgetGuard(s, 'Budget', { endpoints: e, budget: { monthlyLimitUsd: 300, action: BudgetAction.NOTIFY, emails: ['ml@example.com'] } } as unknown as BudgetGuardProps))
      .toThrow(/endpoints: got a ModelEndpoint; allowed: an array of ModelEndpoint values/);
  });
});
