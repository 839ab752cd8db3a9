import * as cdk from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import validateAsl from 'asl-validator';
import { Duration, ModelArtifact, ServingImage } from '../../lib';
import { ExactWeightController, ModelEndpoint } from '../../constructs/aws';

const ECR_IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/model-server:1.0.0';

function build(modelUri = 's3://models/digits/v2/model.onnx') {
  const app = new cdk.App({ builtinCloudFormationValidation: false });
  const stack = new cdk.Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const endpoint = new ModelEndpoint(stack, 'Endpoint', {
    model: ModelArtifact.fromUri(modelUri),
    metadata: { name: 'digits', version: '2.0.0', owner: 'ml-platform' },
    instanceType: 'ml.c5.xlarge',
    image: ServingImage.fromRegistry(ECR_IMAGE),
    endpointName: 'digits-prod',
    scaling: { minReplicas: 2, maxReplicas: 4 },
  });
  const canaryAlarm = cloudwatch.Alarm.fromAlarmArn(stack, 'CanaryAlarm', 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:digits-canary-errors');
  const stableAlarm = cloudwatch.Alarm.fromAlarmArn(stack, 'StableAlarm', 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:digits-stable-errors');
  const controller = new ExactWeightController(stack, 'Controller', {
    endpoint,
    steps: [{ trafficPercent: 5, bake: Duration.hours(1) }, { trafficPercent: 100, bake: Duration.minutes(10) }],
    canaryAlarms: [canaryAlarm],
    promotionAlarms: [stableAlarm],
    pollInterval: Duration.minutes(1),
    timeout: Duration.minutes(130),
    shadow: { trafficPercent: 10, duration: Duration.hours(2) },
  });
  return { stack, endpoint, controller, template: Template.fromStack(stack) };
}

function statements(t: Template, roleLogicalIdPrefix: string): any[] {
  const policies = Object.values(t.findResources('AWS::IAM::Policy')).filter((p: any) => p.Properties.Roles.some((r: any) => r.Ref.startsWith(roleLogicalIdPrefix)));
  return policies.flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

describe('ExactWeightController', () => {
  test('the controller role acts on this endpoint, its own configs, this model\'s configs, the alarms and scaling', () => {
    const { template: t } = build();
    const bySid = Object.fromEntries(statements(t, 'ControllerControllerRole').map((s) => [s.Sid, s]));
    expect(bySid.ShiftThisEndpoint).toMatchObject({
      Action: ['sagemaker:DescribeEndpoint', 'sagemaker:UpdateEndpoint', 'sagemaker:UpdateEndpointWeightsAndCapacities'],
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:123456789012:endpoint/digits-prod']] },
    });
    expect(bySid.OwnRolloutConfigs.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:eu-west-1:123456789012:endpoint-config/digits-prod-ro-*']] });
    expect(bySid.ReadStackConfigsOfThisModel).toMatchObject({ Action: ['sagemaker:DescribeEndpointConfig', 'sagemaker:UpdateEndpoint'], Condition: { StringEquals: { 'aws:ResourceTag/model-name': 'digits' } } });
    // CloudWatch API reference, DescribeAlarms: "To use this operation and return information about composite
    // alarms, you must be signed on with the cloudwatch:DescribeAlarms permission that is scoped to *." The
    // controller reads its alarms of both kinds, so the (read-only) grant is "*".
    expect(bySid.ReadRolloutAlarms).toEqual({ Sid: 'ReadRolloutAlarms', Effect: 'Allow', Action: 'cloudwatch:DescribeAlarms', Resource: '*' });
    expect(bySid.FindEarlierRolloutConfigs).toEqual({ Sid: 'FindEarlierRolloutConfigs', Effect: 'Allow', Action: 'sagemaker:ListEndpointConfigs', Resource: '*' });
    // RegisterScalableTarget: scalable-target ARNs end in a generated id; the Service Authorization Reference
    // (list_awsapplicationautoscaling: RegisterScalableTarget -> scalable-target*, condition key
    // aws:ResourceTag/${TagKey}; as carried in cfn-lint 1.51's data/AdditionalSpecs/Policies.json) lets the tag narrow it.
    expect(bySid.HoldStableScaleIn).toEqual({
      Sid: 'HoldStableScaleIn',
      Effect: 'Allow',
      Action: 'application-autoscaling:RegisterScalableTarget',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':application-autoscaling:eu-west-1:123456789012:scalable-target/*']] },
      Condition: { StringEquals: { 'aws:ResourceTag/model-name': 'digits' } },
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { Tags: Match.arrayWith([{ Key: 'model-name', Value: 'digits' }]) });
    // No wildcard actions anywhere.
    const actions = Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat()));
    expect(actions.filter((a: string) => a.includes('*'))).toEqual([]);
    // The trigger may only look at the endpoint and start this state machine.
    const trigger = Object.fromEntries(statements(t, 'ControllerTriggerRole').map((s) => [s.Sid, s]));
    expect(trigger.SeeThisEndpoint.Action).toBe('sagemaker:DescribeEndpoint');
    expect(trigger.StartThisRollout).toMatchObject({ Action: ['states:StartExecution', 'states:ListExecutions'], });
    expect(trigger.StartThisRollout.Resource.Ref).toMatch(/^ControllerStateMachine/);
    // ...and stop and read this state machine's executions (a stack rollback while one runs), no other's.
    expect(trigger.StopAndReadThisRolloutsExecutions).toMatchObject({ Action: ['states:StopExecution', 'states:GetExecutionHistory'] });
    expect(JSON.stringify(trigger.StopAndReadThisRolloutsExecutions.Resource)).toMatch(/:states:eu-west-1:123456789012:execution:",\{"Fn::GetAtt":\["ControllerStateMachine[0-9A-F]+","Name"\]\},":\*"/);
  });

  test('the state machine definition is valid ASL once CloudFormation substitutes the function ARN', () => {
    const { template: t } = build();
    const [machine] = Object.values(t.findResources('AWS::StepFunctions::StateMachine')) as any[];
    const parts = machine.Properties.DefinitionString['Fn::Join'][1] as unknown[];
    const json = parts.map((p) => (typeof p === 'string' ? p : 'arn:aws:lambda:eu-west-1:123456789012:function:controller')).join('');
    const definition = JSON.parse(json);
    expect(definition.States.Tick.Resource).toBe('arn:aws:lambda:eu-west-1:123456789012:function:controller');
    // The rollout's 7800 s deadline is enforced by the controller; the execution gets the worst-case rollback
    // on top: 60 s poll + 2 x 1200 s fleets (default allowance) + 30 s + 5 x 30 s + 3 x (60 + 126) s = 3198 s.
    expect(definition.TimeoutSeconds).toBe(7800 + 3198);
    expect(definition.States.SignalControllerFailed.Resource).toBe('arn:aws:lambda:eu-west-1:123456789012:function:controller');
    expect(validateAsl(definition).errors).toEqual([]);
    expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(machine.Properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
  });

  test('the rollout input carries the steps, alarms, shadow and the stack\'s new config', () => {
    const { template: t, stack } = build();
    const [cr] = Object.values(t.findResources('Custom::ModelRollout')) as any[];
    const rollout = stack.resolve(cr.Properties.Rollout);
    const text = JSON.stringify(rollout);
    expect(text).toContain('\\"steps\\":[{\\"percent\\":5,\\"bakeSeconds\\":3600},{\\"percent\\":100,\\"bakeSeconds\\":600}]');
    expect(text).toContain('\\"canaryAlarmNames\\":[\\"digits-canary-errors\\"]');
    expect(text).toContain('\\"shadow\\":{\\"percent\\":10,\\"durationSeconds\\":7200}');
    expect(text).toContain('\\"canaryVariantName\\":\\"AllTraffic-canary\\"');
    expect(text).toContain('\\"deadlineSeconds\\":7800');
    expect(text).toMatch(/EndpointEndpointConfig[0-9A-F]+","EndpointConfigName"/);
  });

  test('the endpoint waits for the wait condition, which waits for the rollout to start', () => {
    const { template: t } = build();
    const [waitId] = Object.keys(t.findResources('AWS::CloudFormation::WaitCondition'));
    const [rolloutId] = Object.keys(t.findResources('Custom::ModelRollout'));
    t.hasResource('AWS::SageMaker::Endpoint', { DependsOn: Match.arrayWith([waitId]) });
    // The wait condition outlasts the execution (deadline + worst-case rollback) by the last signal's margin:
    // CloudFormation never gives up on a rollout that is still rolling back.
    t.hasResource('AWS::CloudFormation::WaitCondition', { DependsOn: Match.arrayWith([rolloutId]), Properties: { Count: 1, Timeout: String(7800 + 3198 + 300) } });
  });

  test('a new model gets a new wait condition (a condition is signalled once); the same model keeps it', () => {
    const ids = (uri: string) => Object.keys(build(uri).template.findResources('AWS::CloudFormation::WaitCondition'));
    const v2 = ids('s3://models/digits/v2/model.onnx');
    expect(v2[0]).toMatch(/^ControllerWait[0-9A-F]{8}[0-9a-f]{16}$/);
    expect(ids('s3://models/digits/v2/model.onnx')).toEqual(v2);
    expect(ids('s3://models/digits/v3/model.onnx')).not.toEqual(v2);
  });
});
