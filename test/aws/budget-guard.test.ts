import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as cdk from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { BudgetAction, BudgetSpec, ModelArtifact, ServingImage } from '../../lib';
import { BudgetGuard, BudgetGuardProps, ModelEndpoint } from '../../constructs/aws';
import { readConfig } from '../../constructs/aws/budget-enforcer/handler';
import { ENFORCER_ENV } from '../../constructs/aws/budget-enforcer/environment';
import { DEMO_MODEL_PATH } from '../../scripts/generate-models';
import { expectProblems } from '../support/expect-problems';

const ECR_IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/model-server:1.0.0';

/** `extra` mixes the budget spec and the construct's own props (budgetName, encryptionKey), for short tests. */
function setup(extra: Partial<BudgetSpec> & Partial<Omit<BudgetGuardProps, 'budget'>> = {}, endpointCount = 1) {
  const { budgetName, encryptionKey, endpoints: _e, ...budget } = { budgetName: 'digits-monthly', ...extra };
  const app = new cdk.App({ builtinCloudFormationValidation: false });
  const stack = new cdk.Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const endpoints = Array.from({ length: endpointCount }, (_, i) => new ModelEndpoint(stack, `Endpoint${i}`, {
    model: ModelArtifact.fromFile(DEMO_MODEL_PATH),
    metadata: { name: `digits-${i}`, version: '1.0.0', owner: 'ml-platform' },
    instanceType: 'ml.c5.xlarge',
    image: ServingImage.fromRegistry(ECR_IMAGE),
    endpointName: `digits-${i}-prod`,
    scaling: { minReplicas: i + 1, maxReplicas: 6 },
  }));
  const guard = new BudgetGuard(stack, 'Budget', { endpoints, budgetName, encryptionKey, budget: { monthlyLimitUsd: 1000, ...budget } });
  return { stack, guard, endpoints, template: () => Template.fromStack(stack) };
}

function statements(t: Template, roleLogicalIdPrefix: string): Record<string, any>[] {
  return Object.entries(t.findResources('AWS::IAM::Policy'))
    .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleLogicalIdPrefix))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
}

/** GUARDED_ENDPOINTS after deploy, with each endpoint config name shown as `<LogicalId>`. */
function guardedEndpoints(t: Template): unknown {
  const fn = Object.values(t.findResources('AWS::Lambda::Function'))[0];
  const value = fn.Properties.Environment.Variables.GUARDED_ENDPOINTS;
  const parts: unknown[] = value['Fn::Join'][1];
  return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : `<${(p as any)['Fn::GetAtt'][0].replace(/[0-9A-F]{8}$/, '')}>`)).join(''));
}

describe('BudgetGuard defaults', () => {
  test('snapshot', () => {
    expect(setup().template().toJSON()).toMatchSnapshot();
  });

  test('the handler ships pre-bundled (dist/handlers) as one file, the AWS SDK left to the runtime', () => {
    const { stack } = setup();
    const assembly = (stack.node.root as cdk.App).synth();
    const assets = JSON.parse(readFileSync(join(assembly.directory, 'Test.assets.json'), 'utf8'));
    const code = Object.values(assets.files as Record<string, { source: { path: string } }>)
      .map((f) => join(assembly.directory, f.source.path, 'index.js'))
      .filter((p) => existsSync(p));
    expect(code).toHaveLength(1);
    const js = readFileSync(code[0], 'utf8');
    expect(js).toMatch(/UpdateEndpointWeightsAndCapacitiesCommand/);
    expect(js).toMatch(/require\("@aws-sdk\/client-sagemaker"\)/);
  });

  test('a monthly COST budget filtered by the model-name cost-allocation tag', () => {
    setup().template().hasResourceProperties('AWS::Budgets::Budget', {
      Budget: {
        BudgetName: 'digits-monthly',
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: 1000, Unit: 'USD' },
        CostFilters: { TagKeyValue: ['user:model-name$digits-0'] },
      },
    });
  });

  test('actual notifications at 50/80/100% and a forecast at 100%, all to the topic', () => {
    const t = setup().template();
    const budget = Object.values(t.findResources('AWS::Budgets::Budget'))[0];
    const n = budget.Properties.NotificationsWithSubscribers as any[];
    expect(n.map((x) => [x.Notification.NotificationType, x.Notification.Threshold])).toEqual([['ACTUAL', 50], ['ACTUAL', 80], ['ACTUAL', 100], ['FORECASTED', 100]]);
    for (const x of n) {
      expect(x.Notification).toMatchObject({ ComparisonOperator: 'GREATER_THAN', ThresholdType: 'PERCENTAGE' });
      expect(x.Subscribers).toEqual([{ SubscriptionType: 'SNS', Address: { Ref: expect.stringMatching(/^BudgetTopic/) } }]);
    }
  });

  test('the topic is KMS-encrypted, TLS-only, and only AWS Budgets of this account may publish', () => {
    const t = setup().template();
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BudgetTopicKey'), 'Arn'] } });
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'budgets.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' }, ArnLike: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
    // Every other publisher is denied outright (an explicit Deny beats any identity policy that allows
    // sns:Publish: IAM policy evaluation logic); only AWS Budgets and the enforcer's role are exempt.
    const policy = Object.values(t.findResources('AWS::SNS::TopicPolicy'))[0].Properties.PolicyDocument.Statement;
    expect(policy.find((x: { Sid?: string }) => x.Sid === 'OnlyBudgetsAndTheEnforcerPublish')).toEqual({
      Sid: 'OnlyBudgetsAndTheEnforcerPublish',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'sns:Publish',
      Resource: { Ref: expect.stringMatching(/^BudgetTopic/) },
      Condition: {
        StringNotEquals: { 'aws:PrincipalServiceName': 'budgets.amazonaws.com' },
        ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [expect.stringMatching(/^BudgetEnforcerRole/), 'Arn'] } },
      },
    });
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Principal: { Service: 'budgets.amazonaws.com' },
          Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
        })]),
      },
    });
  });

  test('the enforcer is a bundled Node.js function with the guard\'s settings in its environment', () => {
    const t = setup().template();
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Environment: {
        Variables: {
          BUDGET_NAME: 'digits-monthly',
          BUDGET_ACCOUNT_ID: '123456789012',
          ACTION: 'SCALE_TO_FLOOR',
          ENFORCE_AT_USD: '1000',
          REPORT_TOPIC_ARN: { Ref: Match.stringLikeRegexp('^BudgetTopic') },
        },
      },
    });
    expect(guardedEndpoints(t)).toEqual([{ endpointName: 'digits-0-prod', variantName: 'AllTraffic', floor: 1, endpointConfigName: '<Endpoint0EndpointConfig>' }]);
  });

  test('the enforcer subscribes to the topic but skips its own reports', () => {
    setup().template().hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      FilterPolicy: { source: [{ exists: false }] },
    });
  });

  test('the enforcer role may scale exactly the guarded endpoints and nothing else in SageMaker', () => {
    const t = setup().template();
    const s = statements(t, 'BudgetEnforcerRole');
    const sm = s.filter((x) => JSON.stringify(x.Action).includes('sagemaker:'));
    expect(sm).toEqual([{ Sid: 'ScaleGuardedEndpoints', Effect: 'Allow', Action: ['sagemaker:UpdateEndpointWeightsAndCapacities', 'sagemaker:DescribeEndpoint'], Resource: { Ref: expect.stringMatching(/^Endpoint0/) } }]);
    expect(JSON.stringify(s)).not.toMatch(/"Resource":"\*"/);
    // Scalable target ARNs end in a generated id, so the resource is a pattern; the Service Authorization
    // Reference (docs.aws.amazon.com/service-authorization/latest/reference/list_awsapplicationautoscaling.html,
    // as carried in cfn-lint 1.51's data/AdditionalSpecs/Policies.json: RegisterScalableTarget -> scalable-target,
    // condition key aws:ResourceTag/${TagKey}) lets a tag condition narrow it to the guarded models' targets.
    const cap = s.find((x) => x.Sid === 'CapGuardedAutoscaling');
    expect(cap).toEqual({
      Sid: 'CapGuardedAutoscaling',
      Effect: 'Allow',
      Action: 'application-autoscaling:RegisterScalableTarget',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, expect.stringMatching(/^:application-autoscaling:.*:scalable-target\/\*$/)]] },
      Condition: { StringEquals: { 'aws:ResourceTag/model-name': ['digits-0'] } },
    });
    // ...and the endpoint's scalable target carries that tag.
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { Tags: Match.arrayWith([{ Key: 'model-name', Value: 'digits-0' }]) });
    // The budget's own spend is read from AWS Budgets, on this budget only.
    expect(s.find((x) => x.Sid === 'ReadThisBudgetsSpend')).toEqual({
      Sid: 'ReadThisBudgetsSpend',
      Effect: 'Allow',
      Action: 'budgets:ViewBudget',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':budgets::123456789012:budget/digits-monthly']] },
    });
    expect(s).toEqual(expect.arrayContaining([expect.objectContaining({ Action: 'sns:Publish' })]));
  });
});

describe('BudgetGuard props', () => {
  test('DELETE lets the role delete, and only delete, the guarded endpoints', () => {
    const { template } = setup({ action: BudgetAction.DELETE }, 2);
    const t = template();
    const sm = statements(t, 'BudgetEnforcerRole').filter((x) => JSON.stringify(x.Action).includes('sagemaker:'));
    expect(sm).toHaveLength(1);
    expect(sm[0].Action).toBe('sagemaker:DeleteEndpoint');
    expect(sm[0].Resource).toEqual([{ Ref: expect.stringMatching(/^Endpoint0/) }, { Ref: expect.stringMatching(/^Endpoint1/) }]);
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ ACTION: 'DELETE' }) } });
  });

  test('several endpoints: every model name in the filter, every endpoint and its floor in the enforcer', () => {
    const t = setup({}, 2).template();
    t.hasResourceProperties('AWS::Budgets::Budget', { Budget: Match.objectLike({ CostFilters: { TagKeyValue: ['user:model-name$digits-0', 'user:model-name$digits-1'] } }) });
    expect(guardedEndpoints(t)).toEqual([
      { endpointName: 'digits-0-prod', variantName: 'AllTraffic', floor: 1, endpointConfigName: '<Endpoint0EndpointConfig>' },
      { endpointName: 'digits-1-prod', variantName: 'AllTraffic', floor: 2, endpointConfigName: '<Endpoint1EndpointConfig>' },
    ]);
  });

  test('NOTIFY: no enforcer, and still only AWS Budgets may publish', () => {
    const t = setup({ action: BudgetAction.NOTIFY }).template();
    const policy = Object.values(t.findResources('AWS::SNS::TopicPolicy'))[0].Properties.PolicyDocument.Statement;
    expect(policy.find((x: { Sid?: string }) => x.Sid === 'OnlyBudgetsAndTheEnforcerPublish').Condition).toEqual({ StringNotEquals: { 'aws:PrincipalServiceName': 'budgets.amazonaws.com' } });
  });

  test('NOTIFY creates no function and no role', () => {
    const t = setup({ action: BudgetAction.NOTIFY }).template();
    t.resourceCountIs('AWS::Lambda::Function', 0);
    expect(Object.keys(t.findResources('AWS::IAM::Role')).some((k) => k.startsWith('BudgetEnforcer'))).toBe(false);
  });

  test('an enforcement threshold that is not an alert threshold gets its own ACTUAL notification', () => {
    const t = setup({ alertThresholdsPercent: [50, 80], enforceAtPercent: 90, forecastThresholdPercent: 120 }).template();
    const budget = Object.values(t.findResources('AWS::Budgets::Budget'))[0];
    expect((budget.Properties.NotificationsWithSubscribers as any[]).map((x) => [x.Notification.NotificationType, x.Notification.Threshold]))
      .toEqual([['ACTUAL', 50], ['ACTUAL', 80], ['ACTUAL', 90], ['FORECASTED', 120]]);
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ ENFORCE_AT_USD: '900' }) } });
  });

  test('e-mail addresses subscribe to the topic', () => {
    const t = setup({ emails: ['ml-oncall@example.com', 'finops@example.com'] }).template();
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ml-oncall@example.com' });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'finops@example.com' });
  });

  test('the default budget name is stable and derived from the construct path', () => {
    const { guard } = setup({ budgetName: undefined });
    expect(guard.budgetName).toMatch(/^model-serving-[0-9a-f]{12}$/);
    expect(setup({ budgetName: undefined }).guard.budgetName).toBe(guard.budgetName);
  });
});

describe('BudgetGuard validation', () => {
  test('no endpoints', () => {
    expectProblems(() => setup({}, 0), /endpoints: got \[\]; allowed: at least one ModelEndpoint/);
  });

  test('a budget name with ":"', () => {
    expectProblems(() => setup({ budgetName: 'team:digits' }), /budgetName: got "team:digits"/);
  });

  test('more than five notifications', () => {
    expectProblems(() => setup({ alertThresholdsPercent: [10, 20, 30, 40, 50] }), /at most 5 notifications per budget/);
  });

  test('the shared budget rules still apply', () => {
    expectProblems(() => setup({ monthlyLimitUsd: 0 }), /BudgetGuard Test\/Budget has 1 invalid setting:[\s\S]*budget\.monthlyLimitUsd: got 0/);
    expectProblems(() => setup({ emails: ['not-an-address'] }), /budget\.emails\[0\]: got "not-an-address"/);
  });
});

describe('BudgetGuard enforcer environment', () => {
  test('the handler parses back exactly what the construct renders (one table, ENFORCER_ENV)', () => {
    const fn = Object.values(setup().template().findResources('AWS::Lambda::Function'))[0] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    const vars = fn.Properties.Environment.Variables;
    expect(Object.keys(vars).sort()).toEqual(Object.values(ENFORCER_ENV).map((f) => f.name).sort());
    // Tokens (topic ARN, endpoint config names) stand in as plain strings; everything else is literal.
    const literal = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, typeof v === 'string' ? v : k === 'GUARDED_ENDPOINTS' ? JSON.stringify(guardedEndpoints(setup().template())) : 'arn:aws:sns:eu-west-1:123456789012:t']));
    const config = readConfig(literal as Record<string, string>);
    expect(config).toMatchObject({ budgetName: 'digits-monthly', action: 'SCALE_TO_FLOOR', enforceAtUsd: 1000 });
    expect(config.endpoints[0]).toMatchObject({ variantName: 'AllTraffic', floor: 1 });
  });
});
