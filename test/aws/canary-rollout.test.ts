import * as cdk from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Accelerator, Duration, LatencyPercentile, ModelArtifact, RolloutPolicy, ServingImage } from '../../lib';
import { CanaryRollout, CanaryRolloutProps, ModelEndpoint, ModelEndpointProps, ROLLOUT_VARIANT_METADATA, SageMakerRolloutMode } from '../../constructs/aws';
import { DEMO_MODEL_PATH } from '../../scripts/generate-models';
import { expectNoProblems, expectProblems } from '../support/expect-problems';

const ECR_IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/model-server:1.0.0';

function setup(minReplicas: number, endpointExtra: Partial<ModelEndpointProps> = {}) {
  // Built-in CloudFormation schema validation is off for speed; the example tests keep it on in `npm run test:all`.
  const app = new cdk.App({ builtinCloudFormationValidation: false });
  const stack = new cdk.Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const endpoint = new ModelEndpoint(stack, 'Endpoint', {
    model: ModelArtifact.fromFile(DEMO_MODEL_PATH),
    metadata: { name: 'digits', version: '1.0.0', owner: 'ml-platform' },
    instanceType: 'ml.c5.xlarge',
    image: ServingImage.fromRegistry(ECR_IMAGE),
    endpointName: 'digits-prod',
    scaling: { minReplicas, maxReplicas: Math.max(minReplicas, 2) * 2 },
    ...endpointExtra,
  });
  return { stack, endpoint };
}

function rollout(minReplicas: number, props: Partial<CanaryRolloutProps> = {}) {
  const { stack, endpoint } = setup(minReplicas);
  const r = new CanaryRollout(stack, 'Rollout', { endpoint, policy: RolloutPolicy.canary(), ...props });
  return { stack, endpoint, rollout: r, template: Template.fromStack(stack) };
}

function deploymentConfig(t: Template): Record<string, any> {
  const endpoints = Object.values(t.findResources('AWS::SageMaker::Endpoint'));
  expect(endpoints).toHaveLength(1);
  return endpoints[0].Properties.DeploymentConfig;
}

describe('CanaryRollout defaults', () => {
  test('snapshot', () => {
    expect(rollout(20).template.toJSON()).toMatchSnapshot();
  });

  test('a 5% canary baking 1 h maps to CANARY / CAPACITY_PERCENT with a final bake and a timeout', () => {
    const bg = deploymentConfig(rollout(20).template).BlueGreenUpdatePolicy;
    expect(bg).toEqual({
      TrafficRoutingConfiguration: { Type: 'CANARY', CanarySize: { Type: 'CAPACITY_PERCENT', Value: 5 }, WaitIntervalInSeconds: 3600 },
      TerminationWaitInSeconds: 600,
      // 1 h bake + 10 min final bake + 30 min to provision the new fleet.
      MaximumExecutionTimeoutInSeconds: 6000,
    });
  });

  test('without guardrails of its own the rollout reuses the endpoint\'s two alarms: two alarms in all, not four', () => {
    const { template: t, rollout: r, endpoint } = rollout(20);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    expect(r.rollout.reusesEndpointGuardrails).toBe(true);
    expect(r.rollbackAlarms).toEqual([endpoint.errorRateAlarm, endpoint.latencyAlarm]);
    expect(deploymentConfig(t).AutoRollbackConfiguration).toEqual({
      Alarms: [{ AlarmName: { Ref: expect.stringMatching(/^EndpointErrorRateAlarm/) } }, { AlarmName: { Ref: expect.stringMatching(/^EndpointLatencyAlarm/) } }],
    });
  });

  test('guardrails equal to the endpoint\'s also reuse its alarms', () => {
    const { template: t } = rollout(20, { policy: RolloutPolicy.canary({ guardrails: { maxErrorRatePercent: 1, breachingPeriods: 3 } }) });
    t.resourceCountIs('AWS::CloudWatch::Alarm', 2);
  });

  test('different guardrails get their own rollback alarms, referenced by name (p95 here)', () => {
    const { template: t } = rollout(20, { policy: RolloutPolicy.canary({ guardrails: { maxErrorRatePercent: 2, maxLatency: Duration.millis(250), latencyPercentile: LatencyPercentile.P95, breachingPeriods: 3 } }) });
    t.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    t.hasResourceProperties('AWS::SageMaker::Endpoint', {
      DeploymentConfig: {
        AutoRollbackConfiguration: {
          Alarms: [{ AlarmName: { Ref: Match.stringLikeRegexp('^RolloutErrorRateAlarm') } }, { AlarmName: { Ref: Match.stringLikeRegexp('^RolloutLatencyAlarm') } }],
        },
      },
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('^Rolls back an update of digits-prod: more than 2%'),
      Threshold: 2,
      EvaluationPeriods: 3,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'IF(invocations > 0, 100 * FILL(errors, 0) / invocations, 0)' })]),
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('^Rolls back an update of digits-prod: p95 ModelLatency'),
      MetricName: 'ModelLatency',
      Namespace: 'AWS/SageMaker',
      ExtendedStatistic: 'p95',
      Period: 60,
      // microseconds
      Threshold: 250_000,
      EvaluationPeriods: 3,
      Dimensions: Match.arrayWith([{ Name: 'EndpointName', Value: 'digits-prod' }, { Name: 'VariantName', Value: 'AllTraffic' }]),
    });
  });

  test('the endpoint retains the variant properties autoscaling changes, except data capture', () => {
    const t = rollout(20).template;
    t.hasResourceProperties('AWS::SageMaker::Endpoint', {
      RetainAllVariantProperties: true,
      ExcludeRetainedVariantProperties: [{ VariantPropertyType: 'DataCaptureConfig' }],
    });
  });

  test('the variant name is recorded on the endpoint and exposed', () => {
    const { template: t, rollout: r } = rollout(20);
    expect(r.variantName).toBe('AllTraffic');
    t.hasResource('AWS::SageMaker::Endpoint', { Metadata: { [ROLLOUT_VARIANT_METADATA]: 'AllTraffic' } });
  });

  test('the endpoint depends on its rollback alarms', () => {
    const t = rollout(20, { policy: RolloutPolicy.canary({ guardrails: { maxErrorRatePercent: 2 } }) }).template;
    t.hasResource('AWS::SageMaker::Endpoint', { DependsOn: Match.arrayWith([Match.stringLikeRegexp('^RolloutErrorRateAlarm'), Match.stringLikeRegexp('^RolloutLatencyAlarm')]) });
  });
});

describe('CanaryRollout props', () => {
  test('canaryInstanceCount sizes the canary in instances', () => {
    const bg = deploymentConfig(rollout(4, { canaryInstanceCount: 2 }).template).BlueGreenUpdatePolicy;
    expect(bg.TrafficRoutingConfiguration.CanarySize).toEqual({ Type: 'INSTANCE_COUNT', Value: 2 });
  });

  test('a linear policy maps to LINEAR with the step and the interval', () => {
    const bg = deploymentConfig(rollout(10, { policy: RolloutPolicy.linear({ stepPercent: 10, interval: Duration.minutes(5) }) }).template).BlueGreenUpdatePolicy;
    expect(bg.TrafficRoutingConfiguration).toEqual({ Type: 'LINEAR', LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 10 }, WaitIntervalInSeconds: 300 });
    // 9 steps of 5 min + 10 min final bake + 30 min allowance.
    expect(bg.MaximumExecutionTimeoutInSeconds).toBe(9 * 300 + 600 + 1800);
  });

  test('STEPS with equal increments and one bake map to LINEAR', () => {
    const bake = Duration.minutes(10);
    const policy = RolloutPolicy.steps([{ trafficPercent: 25, bake }, { trafficPercent: 50, bake }, { trafficPercent: 75, bake }, { trafficPercent: 100, bake: Duration.minutes(5) }]);
    const bg = deploymentConfig(rollout(4, { policy }).template).BlueGreenUpdatePolicy;
    expect(bg.TrafficRoutingConfiguration).toEqual({ Type: 'LINEAR', LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 25 }, WaitIntervalInSeconds: 600 });
    expect(bg.TerminationWaitInSeconds).toBe(300);
  });

  test('STEPS with one step below 100% map to CANARY', () => {
    const policy = RolloutPolicy.steps([{ trafficPercent: 50, bake: Duration.minutes(20) }, { trafficPercent: 100, bake: Duration.minutes(0) }]);
    const bg = deploymentConfig(rollout(2, { policy }).template).BlueGreenUpdatePolicy;
    expect(bg.TrafficRoutingConfiguration).toEqual({ Type: 'CANARY', CanarySize: { Type: 'CAPACITY_PERCENT', Value: 50 }, WaitIntervalInSeconds: 1200 });
  });

  test('provisioningAllowance changes the timeout, and the timeout is at least SageMaker\'s 600 s', () => {
    const policy = RolloutPolicy.canary({ trafficPercent: 50, bake: Duration.minutes(3), finalBake: Duration.minutes(1) });
    expect(deploymentConfig(rollout(2, { policy, provisioningAllowance: Duration.minutes(60) }).template).BlueGreenUpdatePolicy.MaximumExecutionTimeoutInSeconds).toBe(180 + 60 + 3600);
    expect(deploymentConfig(rollout(2, { policy, provisioningAllowance: Duration.minutes(0) }).template).BlueGreenUpdatePolicy.MaximumExecutionTimeoutInSeconds).toBe(600);
  });

  test('your own alarms replace the default ones', () => {
    const { stack, endpoint } = setup(20);
    const mine = cloudwatch.Alarm.fromAlarmName(stack, 'Mine', 'team-slo-burn');
    const r = new CanaryRollout(stack, 'Rollout', { endpoint, policy: RolloutPolicy.canary(), alarms: [mine] });
    const t = Template.fromStack(stack);
    expect(r.errorRateAlarm).toBeUndefined();
    expect(deploymentConfig(t).AutoRollbackConfiguration).toEqual({ Alarms: [{ AlarmName: 'team-slo-burn' }] });
    // Only the endpoint's own two alarms remain.
    t.resourceCountIs('AWS::CloudWatch::Alarm', 2);
  });

  test('the evaluation period sets the alarm period', () => {
    const t = rollout(20, { policy: RolloutPolicy.canary({ guardrails: { evaluationPeriod: Duration.minutes(5) } }) }).template;
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ModelLatency', Period: 300, AlarmDescription: Match.stringLikeRegexp('^Rolls back') });
  });
});

describe('CanaryRollout validation (BLUE_GREEN chosen)', () => {
  const bgRollout = (n: number, props: Partial<CanaryRolloutProps> = {}) => rollout(n, { mode: SageMakerRolloutMode.BLUE_GREEN, ...props });
  const expectError = (fn: () => unknown, re: RegExp) => expectProblems(fn, re);

  test('multi-variant endpoint configs are refused', () => {
    const { stack, endpoint } = setup(4);
    const [v] = endpoint.cfnEndpointConfig.productionVariants as any[];
    endpoint.cfnEndpointConfig.productionVariants = [v, { ...v, variantName: 'Shadow' }];
    expectError(() => new CanaryRollout(stack, 'R', { endpoint, policy: RolloutPolicy.canary({ trafficPercent: 25 }) }), /2 production variants.*exactly one variant/);
  });

  test('serverless variants are refused', () => {
    const { stack, endpoint } = setup(4);
    const [v] = endpoint.cfnEndpointConfig.productionVariants as any[];
    endpoint.cfnEndpointConfig.productionVariants = [{ ...v, serverlessConfig: { maxConcurrency: 5, memorySizeInMb: 2048 } }];
    expectError(() => new CanaryRollout(stack, 'R', { endpoint, policy: RolloutPolicy.canary({ trafficPercent: 25 }) }), /serverless variant "AllTraffic".*cannot use blue\/green/);
  });

  test('Elastic Inference accelerators are refused (SageMaker would shift all at once)', () => {
    const { stack, endpoint } = setup(4);
    const [v] = endpoint.cfnEndpointConfig.productionVariants as any[];
    endpoint.cfnEndpointConfig.productionVariants = [{ ...v, acceleratorType: 'ml.eia2.medium' }];
    expectError(() => new CanaryRollout(stack, 'R', { endpoint, policy: RolloutPolicy.canary({ trafficPercent: 25 }) }), /Elastic Inference.*all-at-once/);
  });

  test('Inf1 instances are refused (SageMaker ignores the guardrails there)', () => {
    const { stack, endpoint } = setup(2, { instanceType: 'ml.inf1.xlarge', accelerator: Accelerator.of('AWS_INFERENTIA') });
    expectError(() => new CanaryRollout(stack, 'R', { endpoint, policy: RolloutPolicy.canary({ trafficPercent: 50 }) }), /"ml\.inf1\.xlarge".*other than Inf1/);
  });

  test('a variant renamed through the L1 config is refused', () => {
    const { stack, endpoint } = setup(4);
    const [v] = endpoint.cfnEndpointConfig.productionVariants as any[];
    endpoint.cfnEndpointConfig.productionVariants = [{ ...v, variantName: 'Blue' }];
    expectError(() => new CanaryRollout(stack, 'R', { endpoint, policy: RolloutPolicy.canary({ trafficPercent: 25 }) }), /variant "Blue" while the endpoint reports "AllTraffic"/);
  });

  test('a second rollout on the same endpoint is refused', () => {
    const { stack, endpoint } = setup(4);
    new CanaryRollout(stack, 'R1', { endpoint, policy: RolloutPolicy.canary({ trafficPercent: 25 }) });
    expectError(() => new CanaryRollout(stack, 'R2', { endpoint, policy: RolloutPolicy.canary({ trafficPercent: 25 }) }), /endpoint: got .*Endpoint, which already has a CanaryRollout \(or a hand-written cfnEndpoint.deploymentConfig\); allowed: one rollout per endpoint/);
  });

  test('one instance cannot be split into a canary', () => {
    expectError(() => bgRollout(1, { policy: RolloutPolicy.canary({ trafficPercent: 50 }) }), /minReplicas: got 1; allowed: at least 2/);
  });

  test('a percent that rounds to zero instances is refused', () => {
    expectError(() => bgRollout(2), /5% of 2 instances = 0\.10 instances.*at least one whole instance/);
  });

  test('the hint for a share below one instance stays within SageMaker\'s 50% step limit', () => {
    // CanarySize / LinearStepSize CAPACITY_PERCENT: at most 50 (AWS::SageMaker::Endpoint CapacitySize, CloudFormation docs).
    expectError(() => bgRollout(2), /Fix: raise the percent to 50, set canaryInstanceCount: 1, or raise scaling\.minReplicas to 20/);
    expectError(() => bgRollout(3), /Fix: raise the percent to between 34 and 50, set canaryInstanceCount: 1, or raise scaling\.minReplicas to 20/);
  });

  test('canaryInstanceCount above half the floor is refused', () => {
    expectError(() => bgRollout(4, { canaryInstanceCount: 3 }), /canaryInstanceCount: got 3 with minReplicas 4; allowed: an integer from 1 to 2/);
  });

  test('canaryInstanceCount with a linear policy is refused', () => {
    expectError(() => bgRollout(10, { policy: RolloutPolicy.linear({ stepPercent: 10 }), canaryInstanceCount: 1 }), /canaryInstanceCount: got 1 with a LINEAR policy/);
  });

  test('a canary above 50% is refused', () => {
    expectError(() => bgRollout(4, { policy: RolloutPolicy.canary({ trafficPercent: 60 }) }), /policy\.steps\[0\]\.trafficPercent: got 60%; allowed: on SageMaker: a first step of at most 50%/);
  });

  test('a linear step below 10% is refused', () => {
    expectError(() => bgRollout(40, { policy: RolloutPolicy.linear({ stepPercent: 5 }) }), /stepPercent: got 5%; allowed: from 10% to 50%/);
  });

  test('irregular STEPS are refused: SageMaker has no arbitrary steps', () => {
    const bake = Duration.minutes(10);
    const policy = RolloutPolicy.steps([{ trafficPercent: 5, bake }, { trafficPercent: 25, bake }, { trafficPercent: 100, bake }]);
    expectError(() => bgRollout(20, { policy }), /policy\.steps: got .*\(ANY_STEPS\); allowed: on SageMaker: step shapes ONE_STEP, EQUAL_STEPS/);
  });

  test('a policy with no step below 100% is refused (it would be all at once)', () => {
    const policy = RolloutPolicy.steps([{ trafficPercent: 100, bake: Duration.minutes(10) }]);
    expectError(() => bgRollout(2, { policy }), /single step at 100%.*shifts everything at once/);
  });

  test('a bake above one hour is refused', () => {
    expectError(() => bgRollout(2, { policy: RolloutPolicy.canary({ trafficPercent: 50, bake: Duration.hours(2) }) }), /policy\.steps\[0\]\.bake: got 2h; allowed: on SageMaker: bakes up to 1h/);
  });

  test('a final bake above one hour is refused', () => {
    expectError(() => bgRollout(2, { policy: RolloutPolicy.canary({ trafficPercent: 50, finalBake: Duration.minutes(90) }) }), /policy\.finalBake: got 90min; allowed: on SageMaker: a final bake up to 1h/);
  });

  test('a rollout longer than SageMaker\'s 8 h execution limit is refused', () => {
    expectError(() => bgRollout(10, { policy: RolloutPolicy.linear({ stepPercent: 10, interval: Duration.hours(1) }) }), /at most 28800 s in all/);
  });

  test('a sub-minute evaluation period is refused (SageMaker metrics are per minute)', () => {
    expectError(() => bgRollout(2, { policy: RolloutPolicy.canary({ trafficPercent: 50, guardrails: { evaluationPeriod: Duration.seconds(30) } }) }), /policy\.guardrails\.evaluationPeriod: got 30s; allowed: on SageMaker: multiples of 1min/);
  });

  test('more than 10 rollback alarms are refused', () => {
    const { stack, endpoint } = setup(2);
    const alarms = Array.from({ length: 11 }, (_, i) => cloudwatch.Alarm.fromAlarmName(stack, `A${i}`, `a${i}`));
    expectError(() => new CanaryRollout(stack, 'R', { endpoint, policy: RolloutPolicy.canary({ trafficPercent: 50 }), alarms }), /alarms: got 11 alarms; allowed: 1 to 10/);
  });

  test('all problems are reported together', () => {
    expectError(() => bgRollout(1, { policy: RolloutPolicy.canary({ trafficPercent: 60, bake: Duration.hours(2) }) }), /has 3 invalid settings/);
  });
});

describe('CanaryRollout modes', () => {
  test('a 5% canary at two instances gets exact weights with automatic rollback, and says why', () => {
    const { rollout: r, template: t, stack } = rollout(2);
    expect(r.mode).toBe(SageMakerRolloutMode.EXACT_WEIGHTS);
    expect(r.modeReason).toMatch(/^blue\/green cannot run it \(policy trafficPercent: 5% of 2 instances = 0\.10 instances; allowed: at least one whole instance at minReplicas\), so exact weights$/);
    expect(r.trafficRoutingType).toBe('EXACT_WEIGHTS');
    // The controller's input: exact percentages, the canary alarms, the endpoint's alarms for promotion.
    const [cr] = Object.values(t.findResources('Custom::ModelRollout')) as any[];
    const input = JSON.stringify(stack.resolve(cr.Properties.Rollout));
    expect(input).toContain('\\"steps\\":[{\\"percent\\":5,\\"bakeSeconds\\":3600},{\\"percent\\":100,\\"bakeSeconds\\":600}]');
    expect(input).toMatch(/canaryAlarmNames\\":\[\\"",\{"Ref":"RolloutCanaryErrorRateAlarm[0-9A-F]+"\},"\\",\\"",\{"Ref":"RolloutCanaryLatencyAlarm/);
    expect(input).toMatch(/promotionAlarmNames\\":\[\\"",\{"Ref":"EndpointErrorRateAlarm/);
    // The canary alarms watch the canary variant alone.
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ModelLatency', ExtendedStatistic: 'p99', Threshold: 1_000_000,
      Dimensions: Match.arrayWith([{ Name: 'VariantName', Value: 'AllTraffic-canary' }]),
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('variant AllTraffic-canary\\) answered 5XX'),
      Metrics: Match.arrayWith([Match.objectLike({ MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'Invocation5XXErrors', Dimensions: Match.arrayWith([{ Name: 'VariantName', Value: 'AllTraffic-canary' }]) }) }) })]),
    });
    // CloudFormation's own swap after promotion is all at once (same model) and still alarm-guarded.
    const dc = deploymentConfig(t);
    expect(dc.BlueGreenUpdatePolicy).toEqual({ TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 0 }, TerminationWaitInSeconds: 0, MaximumExecutionTimeoutInSeconds: 1800 });
    expect(dc.AutoRollbackConfiguration.Alarms.map((a: { AlarmName: { Ref: string } }) => a.AlarmName.Ref)).toEqual([expect.stringMatching(/^EndpointErrorRateAlarm/), expect.stringMatching(/^EndpointLatencyAlarm/)]);
  });

  test('the same policy at twenty instances fits SageMaker\'s blue/green, which stays the default there', () => {
    const { rollout: r, template: t } = rollout(20);
    expect(r.mode).toBe(SageMakerRolloutMode.BLUE_GREEN);
    expect(r.modeReason).toBe('the policy fits SageMaker\'s blue/green at minReplicas 20');
    t.resourceCountIs('AWS::StepFunctions::StateMachine', 0);
    expect(deploymentConfig(t).BlueGreenUpdatePolicy.TrafficRoutingConfiguration.Type).toBe('CANARY');
  });

  test('exact weights can be chosen where blue/green would fit', () => {
    const { rollout: r, template: t } = rollout(20, { mode: SageMakerRolloutMode.EXACT_WEIGHTS });
    expect(r.modeReason).toBe('chosen: mode EXACT_WEIGHTS');
    t.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    t.resourceCountIs('AWS::CloudFormation::WaitCondition', 1);
  });

  test('irregular steps and bakes over an hour run with exact weights', () => {
    const policy = RolloutPolicy.steps([{ trafficPercent: 5, bake: Duration.hours(2) }, { trafficPercent: 25, bake: Duration.hours(1) }, { trafficPercent: 100, bake: Duration.minutes(30) }]);
    const { rollout: r, template: t } = rollout(2, { policy });
    expect(r.mode).toBe(SageMakerRolloutMode.EXACT_WEIGHTS);
    // 3.5 h of bakes + 2 fleets x 20 min, and 10 min of slack for the wait condition.
    // Bakes + two fleets, then the worst-case rollback after the deadline (3198 s) and the signal margin (300 s).
    t.hasResourceProperties('AWS::CloudFormation::WaitCondition', { Timeout: String(12_600 + 2400 + 3198 + 300) });
  });

  test('a shadow phase needs SageMaker shadow variants: exact weights by default, refused by name with blue/green', () => {
    const policy = RolloutPolicy.canary({ trafficPercent: 10, shadowTrafficPercent: 25, shadowDuration: Duration.hours(2) });
    const { rollout: r, template: t, stack } = rollout(20, { policy });
    expect(r.mode).toBe(SageMakerRolloutMode.EXACT_WEIGHTS);
    expect(r.modeReason).toMatch(/policy\.shadowTrafficPercent: 25%; allowed: on SageMaker: no shadow traffic/);
    const [cr] = Object.values(t.findResources('Custom::ModelRollout')) as any[];
    expect(JSON.stringify(stack.resolve(cr.Properties.Rollout))).toContain('\\"shadow\\":{\\"percent\\":25,\\"durationSeconds\\":7200}');
    expectProblems(() => rollout(20, { policy, mode: SageMakerRolloutMode.BLUE_GREEN }), /policy\.shadowTrafficPercent: got 25%; allowed: on SageMaker: no shadow traffic/);
  });

  test('a header route is refused by name in either mode', () => {
    const policy = RolloutPolicy.canary({ headerRoute: { headerName: 'x-canary', headerValue: 'true' } });
    expectProblems(() => rollout(2, { policy }), /policy\.headerRoute: got x-canary: true; allowed: on SageMaker \(exact-weight controller\): no routing by request header/);
  });

  test('a rollout CloudFormation cannot wait for (12 h) is refused', () => {
    const policy = RolloutPolicy.steps([{ trafficPercent: 5, bake: Duration.hours(11) }, { trafficPercent: 100, bake: Duration.hours(1) }]);
    expectProblems(() => rollout(2, { policy }), /policy: got bakes of 43200 s and 2 x 1200 s to provision = 45600 s, plus 3498 s for a rollback at the deadline \(two fleets and retries\); allowed: on SageMaker \(exact-weight controller\): at most 43200 s in all \(CloudFormation waits at most 12 h for the rollout\), so at most 39702 s before the deadline\. Fix: shorten the bakes or the shadow, use fewer steps, or lower provisioningAllowance/);
  });

  test('a rollout whose rollback after the deadline would outlast CloudFormation\'s 12 h is refused too', () => {
    // 39600 s of bakes + 2400 s of fleets = 42000 s fit 12 h; the rollback after that deadline would not.
    const policy = RolloutPolicy.steps([{ trafficPercent: 5, bake: Duration.hours(10) }, { trafficPercent: 100, bake: Duration.hours(1) }]);
    expectProblems(() => rollout(2, { policy }), /policy: got bakes of 39600 s and 2 x 1200 s to provision = 42000 s, plus 3498 s for a rollback/);
    // A shorter provisioning allowance makes room.
    expectNoProblems(() => rollout(2, { policy, provisioningAllowance: Duration.minutes(5) }));
  });

  test('canaryInstanceCount belongs to blue/green', () => {
    expectProblems(() => rollout(4, { mode: SageMakerRolloutMode.EXACT_WEIGHTS, canaryInstanceCount: 1 }), /canaryInstanceCount: got 1; allowed: only with mode BLUE_GREEN/);
    expect(rollout(4, { canaryInstanceCount: 1 }).rollout.mode).toBe(SageMakerRolloutMode.BLUE_GREEN);
  });
});
