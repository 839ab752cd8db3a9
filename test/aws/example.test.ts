import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAwsApp } from '../../examples/aws/main';

// The whole example, as `npm run synth` builds it: cdk-nag's AwsSolutions pack as a validation plugin. Synth
// throws on any unacknowledged cdk-nag finding. aws-cdk-lib's built-in CloudFormation validation also runs in
// `npm run test:all`; under jest (NODE_ENV=test) it only reports its errors as warnings (aws-cdk-lib 2.276.0
// core/lib/private/synthesis-validation.js, downgradeCfnValidateErrorsToWarnings, unless the app sets
// @aws-cdk/core:validateAgainstDefaultRules), so `npm test` turns it off (CDK_VALIDATION=false): seconds per
// synth that could not fail a test. cfn-lint (test/aws/cfn-lint.test.ts, test:all) checks this template.
describe('examples/aws', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'aws-example-'));
  let resources: Record<string, { Type: string; Properties?: Record<string, any> }>;
  beforeAll(() => {
    const assembly = buildAwsApp(outdir).synth();
    resources = JSON.parse(readFileSync(join(assembly.directory, 'DigitsServing.template.json'), 'utf8')).Resources;
  }, 60_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  const ofType = (type: string) => Object.values(resources).filter((r) => r.Type === type);

  test('synthesizes with cdk-nag reporting no unacknowledged errors', () => {
    // beforeAll would have thrown "Validation failed" otherwise.
    expect(Object.keys(resources).length).toBeGreaterThan(0);
  });

  test('a 5% canary at two instances: exact weights by the controller, and the stack waits for it', () => {
    const [endpoint] = ofType('AWS::SageMaker::Endpoint');
    // CloudFormation's own swap, after the controller promoted, is same-model and alarm-guarded.
    expect(endpoint.Properties!.DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration).toEqual({ Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 0 });
    expect(endpoint.Properties!.RetainAllVariantProperties).toBe(true);
    const [waitId] = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::CloudFormation::WaitCondition').map(([id]) => id);
    expect((endpoint as { DependsOn?: string[] }).DependsOn).toEqual(expect.arrayContaining([waitId]));
    expect(ofType('AWS::StepFunctions::StateMachine')).toHaveLength(1);
    const [rollout] = ofType('Custom::ModelRollout');
    const input = JSON.stringify(rollout.Properties!.Rollout);
    expect(input).toContain('\\"steps\\":[{\\"percent\\":5,\\"bakeSeconds\\":3600},{\\"percent\\":100,\\"bakeSeconds\\":600}]');
  });

  test('two signals, four alarms: the canary variant\'s own, and the endpoint\'s for promotion and CloudFormation\'s swap', () => {
    // The fifth alarm is the cost alarm (costPer1000PredictionsAbove).
    const alarms = ofType('AWS::CloudWatch::Alarm').filter((a) => !/Cost per 1000/.test(a.Properties!.AlarmDescription));
    expect(alarms).toHaveLength(4);
    expect(alarms.map((a) => a.Properties!.ExtendedStatistic).filter(Boolean)).toEqual(['p95', 'p95']);
    const variants = alarms.map((a) => JSON.stringify(a.Properties).match(/"VariantName","Value":"([^"]+)"/)![1]).sort();
    expect(variants).toEqual(['AllTraffic', 'AllTraffic', 'AllTraffic-canary', 'AllTraffic-canary']);
    const [endpoint] = ofType('AWS::SageMaker::Endpoint');
    const names = endpoint.Properties!.DeploymentConfig.AutoRollbackConfiguration.Alarms.map((a: any) => a.AlarmName.Ref);
    expect(names.map((n: string) => n.replace(/[0-9A-F]{8}$/, ''))).toEqual(['ClassifierErrorRateAlarm', 'ClassifierLatencyAlarm']);
  });

  test('the budget, its topic and the enforcement function are there, beside the rollout\'s controller and trigger', () => {
    expect(ofType('AWS::Budgets::Budget')).toHaveLength(1);
    expect(ofType('AWS::SNS::Topic')).toHaveLength(1);
    expect(ofType('AWS::Lambda::Function').map((f) => f.Properties!.Handler).sort()).toEqual(['index.handler', 'index.handler', 'index.trigger']);
  });

  test('a dashboard, a cost alarm, and every alarm notifies the on-call topic (AlertRouting)', () => {
    expect(ofType('AWS::CloudWatch::Dashboard')).toHaveLength(1);
    const alarms = ofType('AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(5);
    const [topic] = Object.keys(resources).filter((id) => resources[id].Type === 'AWS::SNS::Topic');
    for (const a of alarms) expect(a.Properties!.AlarmActions).toEqual([{ Ref: topic }]);
  });

  test('the GPU node group is there', () => {
    const [ng] = ofType('AWS::EKS::Nodegroup');
    expect(ng.Properties).toMatchObject({ AmiType: 'AL2023_x86_64_NVIDIA', CapacityType: 'SPOT', InstanceTypes: ['g5.xlarge', 'g5.2xlarge'] });
  });
});
