import * as cdk from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ModelArtifact, RolloutPolicy, ServingImage, estimateCost, DASHBOARD_WIDGETS } from '../../lib';
import { AlertRouting, CanaryRollout, ModelEndpoint, ModelEndpointProps, SageMakerRolloutMode } from '../../constructs/aws';
import { DEMO_MODEL_PATH } from '../../scripts/generate-models';
import { SAGEMAKER_DIMENSIONS, SAGEMAKER_METRICS } from '../fixtures/platform-metrics';
import { expectProblems } from '../support/expect-problems';

const ECR_IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/model-server:1.0.0';

function build(extra: Partial<ModelEndpointProps> = {}) {
  const app = new cdk.App({ builtinCloudFormationValidation: false });
  const stack = new cdk.Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const endpoint = new ModelEndpoint(stack, 'Endpoint', {
    model: ModelArtifact.fromFile(DEMO_MODEL_PATH),
    metadata: { name: 'digits', version: '1.0.0', owner: 'ml-platform' },
    instanceType: 'ml.c5.xlarge',
    image: ServingImage.fromRegistry(ECR_IMAGE),
    ...extra,
  });
  return { app, stack, endpoint };
}

/** The dashboard body as JSON (tokens such as the region replaced by a placeholder). */
function dashboardBody(t: Template): { widgets: { type: string; properties: Record<string, unknown> }[] } {
  const [d] = Object.values(t.findResources('AWS::CloudWatch::Dashboard')) as { Properties: { DashboardBody: unknown } }[];
  const body = d.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] } | string;
  const text = typeof body === 'string' ? body : body['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('');
  return JSON.parse(text);
}

describe('CloudWatch dashboard', () => {
  test('one widget per neutral widget; every metric is a SageMaker metric with its own namespace and dimensions', () => {
    const { stack } = build({ dashboard: true });
    const body = dashboardBody(Template.fromStack(stack));
    // CPU endpoint: every neutral widget whose server metrics exist, except the GPU ones.
    const expected = DASHBOARD_WIDGETS.filter((w) => w.when !== 'gpu' && w.serverMetrics.every((k) => k in require('../../lib').SERVER_METRICS));
    expect(body.widgets).toHaveLength(expected.length);
    let metricsSeen = 0;
    for (const w of body.widgets) {
      if (w.type !== 'metric') continue;
      for (const m of w.properties.metrics as unknown[][]) {
        if (typeof m[0] === 'object') continue; // a math expression; its inputs are listed as their own rows
        const [namespace, name, ...rest] = m as string[];
        const dims = rest.filter((x) => typeof x === 'string');
        expect(SAGEMAKER_METRICS[name]).toBeDefined();
        expect(namespace).toBe(SAGEMAKER_METRICS[name].namespace);
        for (let i = 0; i < dims.length; i += 2) expect(SAGEMAKER_DIMENSIONS).toContain(dims[i]);
        metricsSeen++;
      }
    }
    expect(metricsSeen).toBeGreaterThan(8);
    const texts = body.widgets.filter((w) => w.type === 'text').map((w) => w.properties.markdown as string);
    expect(texts.some((t) => /Queue depth.*SageMaker publishes no queue metric/.test(t))).toBe(true);
    // ModelLatency is in microseconds: the latency widget converts to seconds.
    const latency = body.widgets.find((w) => w.properties.title === 'Latency p50 / p95 / p99')!;
    expect(JSON.stringify(latency.properties.metrics)).toContain('latp95 / 1000000');
    expect(JSON.stringify(latency.properties.metrics)).toContain('"stat":"p95"');
  });

  test('GPU instances get the GPU widgets', () => {
    const { stack } = build({ dashboard: true, instanceType: 'ml.g5.xlarge', accelerator: require('../../lib').Accelerator.NVIDIA_A10G });
    const text = JSON.stringify(dashboardBody(Template.fromStack(stack)));
    expect(text).toContain('"GPUUtilization"');
    expect(text).toContain('"GPUMemoryUtilization"');
  });

  test('no dashboard unless asked', () => {
    const { stack, endpoint } = build();
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(endpoint.dashboard).toBeUndefined();
  });
});

describe('cost per 1000 predictions', () => {
  test('metric math from the snapshot price of ml.c5.xlarge, and an alarm on it', () => {
    const { stack, endpoint } = build({ costPer1000PredictionsAbove: 0.05 });
    expect(endpoint.price).toEqual({ hourlyUsd: 0.204, source: 'snapshot 2026-12-06 (us-east-1)' });
    const t = Template.fromStack(stack);
    const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm')) as { Properties: Record<string, any> }[];
    const cost = alarms.find((a) => /Cost per 1000/.test(a.Properties.AlarmDescription))!;
    expect(cost.Properties.Threshold).toBe(0.05);
    const expr = cost.Properties.Metrics.find((m: any) => m.Expression).Expression;
    expect(expr).toBe('IF(perInstance > 0, 1000 * 0.204 * PERIOD(perInstance) / 3600 / perInstance)');
    const input = cost.Properties.Metrics.find((m: any) => m.MetricStat).MetricStat;
    expect(input.Metric.MetricName).toBe('InvocationsPerInstance');
    expect(input.Metric.Namespace).toBe(SAGEMAKER_METRICS.InvocationsPerInstance.namespace);
    expect(input.Stat).toBe('Sum');
  });

  test('the user price wins over the snapshot', () => {
    const { endpoint } = build({ hourlyPriceUsd: 0.5 });
    expect(endpoint.price).toEqual({ hourlyUsd: 0.5, source: 'user' });
  });

  test('the metric math equals the synth-time figure', () => {
    // 2 instances at 0.204 USD/h answering 10 req/s each: 72000 predictions per hour, 0.408 USD per hour.
    const e = estimateCost(0.204, 2, 10);
    expect(e.hourlyUsd).toBeCloseTo(0.408, 10);
    expect(e.predictionsPerHour).toBe(72_000);
    expect(e.usdPer1000Predictions).toBeCloseTo(0.408 / 72, 10);
    // The expression with PERIOD = 300 s and InvocationsPerInstance = 10 req/s x 300 s per instance.
    expect((1000 * 0.204 * 300) / 3600 / (10 * 300)).toBeCloseTo(e.usdPer1000Predictions, 10);
  });

  test('a cost alarm without a price, and a bad price, are refused together', () => {
    expectProblems(() => build({ instanceType: 'ml.m5.large', costPer1000PredictionsAbove: 0.1 }), /costPer1000PredictionsAbove.*no price for instance type ml\.m5\.large.*hourlyPriceUsd/s);
    expectProblems(() => build({ hourlyPriceUsd: -1, costPer1000PredictionsAbove: 0 }), /hourlyPriceUsd[\s\S]*costPer1000PredictionsAbove/);
  });
});

describe('AlertRouting', () => {
  test('every alarm in the stack notifies the topic named once, including alarms created after it', () => {
    const { stack, endpoint } = build({ costPer1000PredictionsAbove: 0.05 });
    const topic = new sns.Topic(stack, 'Oncall');
    new AlertRouting(stack, 'Alerts', { alertTarget: topic });
    new CanaryRollout(stack, 'Rollout', { endpoint, policy: RolloutPolicy.canary(), mode: SageMakerRolloutMode.EXACT_WEIGHTS });
    new cloudwatch.Alarm(stack, 'Mine', { metric: endpoint.metricInvocations(), threshold: 1, evaluationPeriods: 1 });
    const t = Template.fromStack(stack);
    const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm')) as { Properties: Record<string, any> }[];
    expect(alarms.length).toBeGreaterThanOrEqual(6);
    const topicRef = { Ref: stack.getLogicalId(topic.node.defaultChild as cdk.CfnElement) };
    for (const a of alarms) {
      expect(a.Properties.AlarmActions).toEqual([topicRef]);
      expect(a.Properties.OKActions).toEqual([topicRef]);
    }
  });

  test('an SSE-KMS topic: CloudWatch may use its key (SNS docs: compatibility with AWS services and encrypted topics)', () => {
    const { stack } = build();
    const key = new kms.Key(stack, 'TopicKey', { enableKeyRotation: true });
    new AlertRouting(stack, 'Alerts', { alertTarget: new sns.Topic(stack, 'Oncall', { masterKey: key }) });
    const [k] = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key', { Properties: { EnableKeyRotation: true, Description: Match.absent() } })) as any[];
    const st = k.Properties.KeyPolicy.Statement.find((x: any) => x.Sid === 'CloudWatchAlarmsPublishToEncryptedTopic');
    expect(st).toMatchObject({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } });
  });

  test('without AlertRouting, alarms notify nobody', () => {
    const { stack } = build();
    const alarms = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')) as { Properties: Record<string, any> }[];
    for (const a of alarms) expect(a.Properties.AlarmActions).toBeUndefined();
  });
});
