import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAwsApp } from '../../examples/aws/main';

// The whole example, as `npm run synth` builds it: cdk-nag's AwsSolutions pack as a validation plugin and
// aws-cdk-lib's built-in CloudFormation validation left on. Synth throws on any unacknowledged finding.
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

  test('the endpoint carries the canary deployment config with auto-rollback alarms', () => {
    const [endpoint] = ofType('AWS::SageMaker::Endpoint');
    expect(endpoint.Properties!.DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration).toEqual({
      Type: 'CANARY', CanarySize: { Type: 'INSTANCE_COUNT', Value: 1 }, WaitIntervalInSeconds: 1800,
    });
    expect(endpoint.Properties!.DeploymentConfig.AutoRollbackConfiguration.Alarms).toHaveLength(2);
  });

  test('two signals, two alarms: the rollout rolls back on the endpoint\'s own error-rate and p95 alarms', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(2);
    expect(alarms.map((a) => a.Properties!.ExtendedStatistic).filter(Boolean)).toEqual(['p95']);
    const [endpoint] = ofType('AWS::SageMaker::Endpoint');
    const names = endpoint.Properties!.DeploymentConfig.AutoRollbackConfiguration.Alarms.map((a: any) => a.AlarmName.Ref);
    const ids = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm').map(([id]) => id);
    expect(names.sort()).toEqual(ids.sort());
    expect(endpoint.Properties!.RetainAllVariantProperties).toBe(true);
  });

  test('the budget, its topic and the enforcement function are there', () => {
    expect(ofType('AWS::Budgets::Budget')).toHaveLength(1);
    expect(ofType('AWS::SNS::Topic')).toHaveLength(1);
    expect(ofType('AWS::Lambda::Function')).toHaveLength(1);
  });

  test('the GPU node group is there', () => {
    const [ng] = ofType('AWS::EKS::Nodegroup');
    expect(ng.Properties).toMatchObject({ AmiType: 'AL2023_x86_64_NVIDIA', CapacityType: 'SPOT', InstanceTypes: ['g5.xlarge', 'g5.2xlarge'] });
  });
});
