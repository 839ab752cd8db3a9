// ModelGateway on AWS (API Gateway REST + SageMaker integrations + Lambda JWT authorizer + WAF per-key limit):
// the synthesized template, property by property, and one test per refusal. cfn-lint checks the same
// template against CloudFormation's resource schemas (test/aws/cfn-lint.test.ts, "model gateway" stack).
// Receiver rules cited where asserted:
// - InvokeEndpoint: POST /endpoints/{EndpointName}/invocations on runtime.sagemaker (botocore
//   data/sagemaker-runtime/2017-05-13/service-2.json), the integration URI aws-cdk-lib's own
//   SagemakerIntegration builds (aws-apigateway/lib/integrations/sagemaker.ts);
// - WAF rate-based rules: EvaluationWindowSec one of 60/120/300/600, Limit at least 10, CUSTOM_KEYS with a
//   Header key ("Rate-based rule high-level settings in AWS WAF", AWS WAF developer guide; API_RateBasedStatement);
// - API Gateway TOKEN authorizers: IdentitySource method.request.header.<name>, result TTL 0-3600 s
//   (AWS::ApiGateway::Authorizer, CloudFormation user guide);
// - AWS/ApiGateway metrics Count, 5XXError, Latency (ms) with dimensions ApiName, Stage ("Amazon API Gateway
//   dimensions and metrics", API Gateway developer guide).
import * as cdk from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Duration, LatencyPercentile, ModelArtifact, ServingImage, Size, SpecValidationError, NotSupported } from '../../lib';
import { AlertRouting, ModelEndpoint, ModelGateway, ModelGatewayProps } from '../../constructs/aws';
import { DEMO_MODEL_PATH } from '../../scripts/generate-models';
import { expectProblems } from '../support/expect-problems';

const ECR_IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/model-server:1.0.0';
const JWT = { issuer: 'https://login.example.com/', audiences: ['https://models.example.com'], jwksUri: 'https://login.example.com/.well-known/jwks.json' };
/** The seeds' platform: three models, /api/v1/<model>, JWT + 100/min per key, p95 100 ms, errors 0.1%. */
const SEEDS: Omit<ModelGatewayProps, 'routes'> = {
  jwt: JWT,
  apiKeys: { requestsPerMinute: 100 },
  guardrails: { maxErrorRatePercent: 0.1, maxLatency: Duration.millis(100), latencyPercentile: LatencyPercentile.P95 },
};

function build(gateway: Partial<ModelGatewayProps> = {}, opts: { routes?: (e: ModelEndpoint[]) => ModelGatewayProps['routes']; endpointExtra?: object } = {}) {
  const app = new cdk.App({ builtinCloudFormationValidation: false });
  const stack = new cdk.Stack(app, 'Gw', { env: { account: '123456789012', region: 'eu-west-1' } });
  const endpoints = [['cnn', 'ml.c6i.xlarge'], ['fraud', 'ml.c6i.xlarge'], ['sentiment', 'ml.c6i.2xlarge']].map(([name, instanceType]) => new ModelEndpoint(stack, name, {
    model: ModelArtifact.fromFile(DEMO_MODEL_PATH),
    metadata: { name, version: '1.0.0', owner: 'ml-platform' },
    image: ServingImage.fromRegistry(ECR_IMAGE),
    instanceType,
    endpointName: `${name}-prod`,
    ...opts.endpointExtra,
  }));
  const make = () => new ModelGateway(stack, 'Gateway', { ...SEEDS, routes: opts.routes ? opts.routes(endpoints) : endpoints.map((endpoint) => ({ endpoint })), ...gateway });
  return { stack, endpoints, make };
}

function seeds(gateway: Partial<ModelGatewayProps> = {}) {
  const b = build(gateway);
  const gw = b.make();
  return { ...b, gw, template: Template.fromStack(b.stack) };
}

/** Fn::Join / Ref of pseudo parameters to a plain string (eu-west-1, aws, 123456789012). */
function flat(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (v.Ref === 'AWS::Partition') return 'aws';
  if (v.Ref === 'AWS::Region') return 'eu-west-1';
  if (v.Ref === 'AWS::URLSuffix') return 'amazonaws.com';
  if (v.Ref === 'AWS::AccountId') return '123456789012';
  if (typeof v.Ref === 'string') return `{${v.Ref}}`;
  if (Array.isArray(v['Fn::Join'])) return (v['Fn::Join'][1] as unknown[]).map(flat).join(v['Fn::Join'][0] as string);
  if (Array.isArray(v['Fn::GetAtt'])) return `{${(v['Fn::GetAtt'] as string[]).join('.')}}`;
  return JSON.stringify(value);
}

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

/** Each POST method as "path -> integration URI", with its auth settings. */
function routesOf(template: Template) {
  const resources = template.toJSON().Resources as Resources;
  const pathOf = (id: unknown): string => {
    const ref = (id as { Ref?: string }).Ref;
    if (!ref) return '';
    const r = resources[ref].Properties;
    return `${pathOf(r.ParentId)}/${r.PathPart as string}`;
  };
  return Object.values(resources).filter((r) => r.Type === 'AWS::ApiGateway::Method').map((m) => {
    const p = m.Properties as { HttpMethod: string; ResourceId: unknown; ApiKeyRequired?: boolean; AuthorizationType: string; AuthorizerId?: unknown; Integration: Record<string, unknown> };
    return { method: p.HttpMethod, path: pathOf(p.ResourceId), uri: flat(p.Integration.Uri), apiKeyRequired: p.ApiKeyRequired, auth: p.AuthorizationType, authorizer: p.AuthorizerId, integration: p.Integration };
  });
}

/** A prop-shape problem (JavaScript callers): thrown at once, as a SpecValidationError. */
function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SpecValidationError);
    return (e as Error).message;
  }
  throw new Error('expected a SpecValidationError');
}

/** Every other problem: the construct is built, and the app's synth fails with the toolkit's validation error. */
function synthMessageOf(fn: () => unknown): string {
  return expectProblems(fn, []);
}

describe('the seeds\' gateway: cnn, fraud and sentiment under /api/v1/<model>, JWT and 100/min per key', () => {
  const { gw, template, endpoints } = seeds();

  test('snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('one POST <path>/infer per model, each an AWS integration to its endpoint\'s InvokeEndpoint, nothing else', () => {
    const routes = routesOf(template);
    expect(routes.map((r) => `${r.method} ${r.path} -> ${r.uri}`).sort()).toEqual([
      'POST /api/v1/cnn/infer -> arn:aws:apigateway:eu-west-1:runtime.sagemaker:path/endpoints/cnn-prod/invocations',
      'POST /api/v1/fraud/infer -> arn:aws:apigateway:eu-west-1:runtime.sagemaker:path/endpoints/fraud-prod/invocations',
      'POST /api/v1/sentiment/infer -> arn:aws:apigateway:eu-west-1:runtime.sagemaker:path/endpoints/sentiment-prod/invocations',
    ]);
    for (const r of routes) {
      expect(r.integration).toEqual(expect.objectContaining({
        Type: 'AWS',
        IntegrationHttpMethod: 'POST',
        PassthroughBehavior: 'NEVER',
        RequestTemplates: { 'application/json': '$input.body' },
        RequestParameters: { 'integration.request.header.Content-Type': "'application/json'", 'integration.request.header.Accept': "'application/json'" },
        Credentials: { 'Fn::GetAtt': [expect.stringMatching(/^GatewayIntegrationRole/), 'Arn'] },
      }));
    }
    expect(gw.gateway.routes.map((r) => r.path)).toEqual(['/api/v1/cnn', '/api/v1/fraud', '/api/v1/sentiment']);
    expect(gw.url).toMatch(/^https:\/\/\$\{Token\[TOKEN\.\d+\]\}\.execute-api\.eu-west-1\.\$\{Token\[AWS\.URLSuffix\.\d+\]\}\/prod$/);
  });

  test('the model server\'s own error comes back: ModelError (424) restores OriginalStatusCode and OriginalMessage; 2xx is 200; the rest 502', () => {
    const responses = routesOf(template)[0].integration.IntegrationResponses as Record<string, unknown>[];
    expect(responses).toEqual([
      { SelectionPattern: '2\\d{2}', StatusCode: '200' },
      { SelectionPattern: '424', StatusCode: '502', ResponseTemplates: { 'application/json': expect.stringContaining('$context.responseOverride.status = $original') } },
      { SelectionPattern: '400', StatusCode: '400' },
      { SelectionPattern: '413', StatusCode: '413' },
      { SelectionPattern: '429', StatusCode: '429' },
      { StatusCode: '502' },
    ]);
    expect((responses[1].ResponseTemplates as Record<string, string>)['application/json']).toContain("$input.path('$.OriginalMessage')");
  });

  test('the gateway\'s own identity may only InvokeEndpoint the three routed endpoints', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' } }] },
      Description: Match.stringLikeRegexp('may only invoke its routed SageMaker endpoints'),
    });
    const policies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) => id.startsWith('GatewayIntegrationRole'));
    expect(policies).toHaveLength(1);
    const statements = (policies[0][1] as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument.Statement;
    expect(statements).toEqual([{
      Sid: 'InvokeRoutedEndpoints',
      Action: 'sagemaker:InvokeEndpoint',
      Effect: 'Allow',
      Resource: endpoints.map((e) => ({ Ref: cdk.Stack.of(e).getLogicalId(e.cfnEndpoint) })),
    }]);
  });

  test('JWT: every route behind one TOKEN authorizer on Authorization, results cached 60 s; the function gets issuer, audiences, JWKS and algorithms and may only write its logs', () => {
    const routes = routesOf(template);
    expect(routes.every((r) => r.auth === 'CUSTOM' && r.apiKeyRequired === true)).toBe(true);
    expect(new Set(routes.map((r) => JSON.stringify(r.authorizer))).size).toBe(1);
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'TOKEN',
      IdentitySource: 'method.request.header.Authorization',
      IdentityValidationExpression: '^Bearer [A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*$',
      AuthorizerResultTtlInSeconds: 60,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Environment: { Variables: {
        JWT_ISSUER: 'https://login.example.com/',
        JWT_AUDIENCES: '["https://models.example.com"]',
        JWT_JWKS_URI: 'https://login.example.com/.well-known/jwks.json',
        JWT_ALGORITHMS: '["RS256","ES256"]',
        JWT_MODELS_CLAIM: '',
        GATEWAY_ROUTES: '[{"model":"cnn","path":"/api/v1/cnn"},{"model":"fraud","path":"/api/v1/fraud"},{"model":"sentiment","path":"/api/v1/sentiment"}]',
      } },
    });
    const policies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) => id.startsWith('GatewayAuthorizerRole'));
    const statements = (policies[0][1] as { Properties: { PolicyDocument: { Statement: { Action: unknown }[] } } }).Properties.PolicyDocument.Statement;
    expect(statements.map((s) => s.Action)).toEqual([['logs:CreateLogStream', 'logs:PutLogEvents']]);
  });

  test('API keys: required on every route, one usage plan on the stage without throttles; the per-minute limit is a WAF rate-based rule per x-api-key value', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: 'HEADER', EndpointConfiguration: { Types: ['REGIONAL'] } });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      ApiStages: [{ ApiId: { Ref: Match.stringLikeRegexp('^Gateway') }, Stage: { Ref: Match.stringLikeRegexp('DeploymentStageprod') } }],
      Throttle: Match.absent(),
      Quota: Match.absent(),
    });
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      VisibilityConfig: Match.objectLike({ SampledRequestsEnabled: false }),
      Rules: [{
        Name: 'PerApiKeyPerMinute',
        Priority: 0,
        Action: { Block: { CustomResponse: { ResponseCode: 429 } } },
        Statement: { RateBasedStatement: {
          Limit: 100,
          EvaluationWindowSec: 60,
          AggregateKeyType: 'CUSTOM_KEYS',
          CustomKeys: [{ Header: { Name: 'x-api-key', TextTransformations: [{ Priority: 0, Type: 'NONE' }] } }],
        } },
        VisibilityConfig: Match.objectLike({ SampledRequestsEnabled: false }),
      }],
    });
    const assoc = Object.values(template.findResources('AWS::WAFv2::WebACLAssociation'));
    expect(assoc).toHaveLength(1);
    const a = assoc[0] as { Properties: { ResourceArn: unknown; WebACLArn: unknown } };
    // The stage's ARN through a Ref to the stage: the association waits for it.
    expect(flat(a.Properties.ResourceArn)).toMatch(/^arn:aws:apigateway:eu-west-1::\/restapis\/\{Gateway[A-Za-z0-9]+\}\/stages\/\{GatewayDeploymentStageprod[A-Za-z0-9]+\}$/);
    expect(a.Properties.WebACLArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^GatewayRateLimit/), 'Arn'] });
    // The approximation is said, not hidden.
    expect(gw.warnings).toContainEqual({ field: 'apiKeys.requestsPerMinute', message: expect.stringMatching(/near the limit, not exactly/) });
    Annotations.fromStack(cdk.Stack.of(gw)).hasWarning('/Gw/Gateway', Match.stringLikeRegexp('AWS WAF enforces the per-key limit'));
  });

  test('addApiKey: a generated key in the usage plan; its value never appears in the template', () => {
    const b = build();
    const key = b.make().addApiKey('TeamA', { apiKeyName: 'team-a' });
    const t = Template.fromStack(b.stack);
    t.hasResourceProperties('AWS::ApiGateway::ApiKey', { Name: 'team-a', Enabled: true, Value: Match.absent() });
    t.hasResourceProperties('AWS::ApiGateway::UsagePlanKey', { KeyType: 'API_KEY', KeyId: { Ref: cdk.Stack.of(key).getLogicalId(key.node.defaultChild as cdk.CfnElement) } });
  });

  test('access logs: $context fields only (no body, no key value, no token) into a KMS-encrypted log group; execution logs and data tracing off', () => {
    const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0] as { Properties: { AccessLogSetting: { Format: string; DestinationArn: unknown }; MethodSettings: unknown[] } };
    const format = JSON.parse(stage.Properties.AccessLogSetting.Format) as Record<string, string>;
    // Each a documented variable ("$context variables for data models, authorizers, mapping templates, and access
    // logging", API Gateway developer guide); the key's id, never the key.
    expect(format).toEqual({
      requestId: '$context.requestId',
      extendedRequestId: '$context.extendedRequestId',
      requestTime: '$context.requestTime',
      sourceIp: '$context.identity.sourceIp',
      httpMethod: '$context.httpMethod',
      resourcePath: '$context.resourcePath',
      status: '$context.status',
      responseLength: '$context.responseLength',
      responseLatencyMs: '$context.responseLatency',
      integrationStatus: '$context.integration.status',
      integrationLatencyMs: '$context.integration.latency',
      apiKeyId: '$context.identity.apiKeyId',
      principalId: '$context.authorizer.principalId',
      authorizerError: '$context.authorizer.error',
      wafStatus: '$context.waf.status',
      errorType: '$context.error.responseType',
    });
    expect(Object.values(format).every((v) => /^\$context\.[A-Za-z.]+$/.test(v))).toBe(true);
    expect(Object.values(format)).not.toContain('$context.identity.apiKey');
    expect(stage.Properties.AccessLogSetting.Format).not.toMatch(/\$input|\$method\.request|authorizationToken/);
    expect(stage.Properties.MethodSettings).toEqual([expect.objectContaining({ LoggingLevel: 'OFF', DataTraceEnabled: false, HttpMethod: '*', ResourcePath: '/*' })]);
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: `/aws/apigateway/access/${gw.gatewayName}`, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GatewayAccessLogKey'), 'Arn'] }, RetentionInDays: 365 });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({
        Sid: 'CloudWatchLogsUseForAccessLogs',
        Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
        Condition: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
      })]) },
    });
    // The JWT authorizer's log group: the same key, its key-policy statement scoped to that group's ARN
    // (AWS CloudWatch Logs user guide, "Encrypt log data in CloudWatch Logs using AWS KMS": the logs service
    // principal of the region, condition kms:EncryptionContext:aws:logs:arn on the log group).
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: `/aws/apigateway/authorizer/${gw.gatewayName}`, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GatewayAccessLogKey'), 'Arn'] }, RetentionInDays: 365 });
    expect(Object.values(template.findResources('AWS::Logs::LogGroup')).every((g) => (g as { Properties: { KmsKeyId?: unknown } }).Properties.KmsKeyId !== undefined)).toBe(true);
    const gatewayKeys = Object.entries(template.findResources('AWS::KMS::Key')).filter(([id]) => id.startsWith('Gateway'));
    expect(gatewayKeys).toHaveLength(1); // one key for both log groups
    const keyStatements = (gatewayKeys[0][1] as { Properties: { KeyPolicy: { Statement: { Sid?: string; Condition?: { ArnEquals: Record<string, unknown> } }[] } } }).Properties.KeyPolicy.Statement;
    const authorizerStatement = keyStatements.find((st) => st.Sid === 'CloudWatchLogsUseForAuthorizerLogs')!;
    expect(JSON.stringify(authorizerStatement.Condition!.ArnEquals['kms:EncryptionContext:aws:logs:arn'])).toContain(`:log-group:/aws/apigateway/authorizer/${gw.gatewayName}`);
    // The account's API Gateway logging role (needed for access logs) is set, and kept on stack deletion.
    template.hasResource('AWS::ApiGateway::Account', { DeletionPolicy: 'Retain' });
  });

  // The stage's Ref is its name ("prod").
  const STAGE_REF = { Ref: Match.stringLikeRegexp('^GatewayDeploymentStageprod') };
  test('alarms on the stage from the guardrails: 5XXError/Count above 0.1 % and p95 Latency above 100 ms (API Gateway reports ms)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('More than 0.1% of requests to gateway'),
      Threshold: 0.1,
      ComparisonOperator: 'GreaterThanThreshold',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'IF(requests > 0, 100 * FILL(errors, 0) / requests, 0)' }),
        Match.objectLike({ Id: 'requests', MetricStat: Match.objectLike({ Metric: Match.objectLike({ Namespace: 'AWS/ApiGateway', MetricName: 'Count' }), Stat: 'Sum' }) }),
        Match.objectLike({ Id: 'errors', MetricStat: Match.objectLike({ Metric: { Namespace: 'AWS/ApiGateway', MetricName: '5XXError', Dimensions: [{ Name: 'ApiName', Value: gw.gatewayName }, { Name: 'Stage', Value: STAGE_REF }] }, Stat: 'Sum' }) }),
      ]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Latency',
      ExtendedStatistic: 'p95',
      Threshold: 100,
      Dimensions: [{ Name: 'ApiName', Value: gw.gatewayName }, { Name: 'Stage', Value: STAGE_REF }],
    });
  });

  test('contract members: metricLatency is the stage\'s Latency; grantInvoke and alarmTargets say why not', () => {
    const m = (gw.metricLatency as () => { namespace: string; metricName: string; statistic: string })();
    expect([m.namespace, m.metricName, m.statistic]).toEqual(['AWS/ApiGateway', 'Latency', 'p99']);
    expect(NotSupported.is(gw.grantInvoke) && gw.grantInvoke.reason).toMatch(/JWT and API key, not by IAM/);
    expect(NotSupported.is(gw.alarmTargets) && gw.alarmTargets.reason).toMatch(/AlertRouting/);
  });
});

test('AlertRouting notifies the gateway\'s alarms like the endpoints\' ones', () => {
  const b = build();
  const topic = new sns.Topic(b.stack, 'Topic');
  new AlertRouting(b.stack, 'Alerts', { alertTarget: topic });
  const gw = b.make();
  const t = Template.fromStack(b.stack);
  const topicRef = { Ref: b.stack.getLogicalId(topic.node.defaultChild as cdk.CfnElement) };
  for (const alarm of [gw.errorRateAlarm, gw.latencyAlarm]) {
    const props = t.toJSON().Resources[b.stack.getLogicalId(alarm.node.defaultChild as cdk.CfnElement)].Properties;
    expect([props.AlarmActions, props.OKActions]).toEqual([[topicRef], [topicRef]]);
  }
});

describe('cdk-nag AwsSolutions (as examples/aws runs it): no unacknowledged findings, each acknowledgement with its reason in code', () => {
  test.each([
    ['JWT and API keys', {}],
    ['API keys only', { jwt: undefined }],
    ['public routes, no access logs', { jwt: undefined, apiKeys: undefined, allowUnauthenticated: true, accessLogs: false }],
  ] as [string, Partial<ModelGatewayProps>][])('%s', (_label, props) => {
    const b = build(props);
    cdk.Validations.of(b.stack.node.root).addPlugins(new AwsSolutionsChecks(b.stack.node.root));
    b.make();
    expect(() => (b.stack.node.root as cdk.App).synth()).not.toThrow();
  });
});

describe('other shapes', () => {
  test('JWT only: no API keys required, no usage plan, no WAF', () => {
    const { template } = seeds({ apiKeys: undefined });
    expect(routesOf(template).every((r) => r.apiKeyRequired === false && r.auth === 'CUSTOM')).toBe(true);
    template.resourceCountIs('AWS::ApiGateway::UsagePlan', 0);
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
  });
  test('API keys only: no authorizer, no function', () => {
    const { template, gw } = seeds({ jwt: undefined });
    expect(routesOf(template).every((r) => r.apiKeyRequired === true && r.auth === 'NONE')).toBe(true);
    template.resourceCountIs('AWS::ApiGateway::Authorizer', 0);
    template.resourceCountIs('AWS::Lambda::Function', 0);
    expect(gw.authorizerFunction).toBeUndefined();
  });
  test('jwt.modelsClaim: the authorizer gets the claim name and the routes (it allows only the listed models\' routes)', () => {
    const { template } = seeds({ jwt: { ...JWT, modelsClaim: 'models' } });
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({
      JWT_MODELS_CLAIM: 'models',
      GATEWAY_ROUTES: Match.stringLikeRegexp('"model":"sentiment","path":"/api/v1/sentiment"'),
    }) } });
  });
  test('custom paths, stage, name, authorizer cache 0 s; accessLogs off: no log group, no account role', () => {
    const b = build({ accessLogs: false, stageName: 'v2', gatewayName: 'models-prod', authorizerCacheTtl: Duration.seconds(0) }, { routes: (e) => [{ endpoint: e[0], path: '/vision/cnn' }, { endpoint: e[1] }] });
    const gw = b.make();
    const t = Template.fromStack(b.stack);
    expect(routesOf(t).map((r) => r.path).sort()).toEqual(['/api/v1/fraud/infer', '/vision/cnn/infer']);
    t.hasResourceProperties('AWS::ApiGateway::RestApi', { Name: 'models-prod' });
    t.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'v2', AccessLogSetting: Match.absent() });
    t.hasResourceProperties('AWS::ApiGateway::Authorizer', { AuthorizerResultTtlInSeconds: 0 });
    t.resourceCountIs('AWS::ApiGateway::Account', 0);
    t.resourceCountIs('AWS::Logs::LogGroup', 1); // the authorizer's own, still encrypted with a key of the gateway
    t.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/apigateway/authorizer/models-prod', KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GatewayAccessLogKey'), 'Arn'] } });
    expect(gw.url).toMatch(/\/v2$/);
  });
  test('an endpoint allowing more than 29 s per request gets a warning (API Gateway ends the integration at 29 s)', () => {
    const b = build({}, { endpointExtra: { server: { requestTimeout: Duration.seconds(45) } } });
    const gw = b.make();
    expect(gw.warnings).toContainEqual({ field: 'routes[0].endpoint', message: expect.stringMatching(/allows 45s per request, but API Gateway ends an integration after 29 s/) });
  });
});

describe('refusals: each names the field, what was given, what is allowed and the fix', () => {
  const cases: [string, Partial<ModelGatewayProps>, RegExp][] = [
    ['a gateway cache (API Gateway cannot key on the body)', { cache: { ttl: Duration.minutes(5) } },
      /cache: got a cache \(5min\); allowed: on SageMaker: no cache keyed on the request body in Amazon API Gateway \(REST\) with AWS WAF\. Fix: .*server\.cache with Redis/],
    ['a models claim that is not a claim name', { jwt: { ...JWT, modelsClaim: '9 models' } }, /jwt\.modelsClaim: got "9 models"; allowed: a claim name/],
    ['a per-key limit below WAF\'s lowest (10)', { apiKeys: { requestsPerMinute: 5 } },
      /apiKeys\.requestsPerMinute: got 5\/min; allowed: on SageMaker: 10 to 2000000000 requests per minute per key\. Fix: use a limit between 10 and 2000000000/],
    ['an API-key header other than x-api-key', { apiKeys: { header: 'x-key' } },
      /apiKeys\.header: got "x-key"; allowed: on SageMaker: "x-api-key": API Gateway reads API keys from the X-API-Key header only.*Fix: leave header unset/],
    ['a body limit below the platform\'s (API Gateway cannot set one)', { maxRequestBodySize: Size.mebibytes(1) },
      /maxRequestBodySize: got 1048576 bytes; allowed: on SageMaker: exactly 6291456 bytes: API Gateway REST has no settable body limit.*Fix: .*server\.maxRequestBodySize/],
    ['a body limit above InvokeEndpoint\'s 6 MB', { maxRequestBodySize: Size.mebibytes(8) },
      /maxRequestBodySize: got 8388608 bytes; allowed: on SageMaker: at most 6291456 bytes \(Amazon API Gateway \(REST\) with AWS WAF's limit\)/],
    ['an authorizer cache over an hour', { authorizerCacheTtl: Duration.hours(2) },
      /authorizerCacheTtl: got 2h; allowed: whole seconds from 0 to 3600.*Fix: e\.g\. Duration\.minutes\(1\)/],
    ['a stage name API Gateway refuses', { stageName: 'prod stage' }, /stageName: got "prod stage"; allowed: 1 to 128 letters, digits/],
    ['a gateway name with spaces', { gatewayName: 'my models' }, /gatewayName: got "my models"; allowed: 1 to 128 letters/],
    ['no authentication at all', { jwt: undefined, apiKeys: undefined }, /jwt: got neither jwt nor apiKeys; .*Fix: set jwt/],
    ['a JWT algorithm outside the asymmetric allow-list', { jwt: { ...JWT, algorithms: ['HS256' as never] } }, /jwt\.algorithms: got \["HS256"\]; allowed: one or more of RS256/],
  ];
  test.each(cases)('%s', (_label, props, pattern) => {
    expect(synthMessageOf(() => build(props).make())).toMatch(pattern);
  });

  test('all problems at once', () => {
    const message = synthMessageOf(() => build({ cache: {}, apiKeys: { header: 'x-key', requestsPerMinute: 5 }, stageName: '' }).make());
    expect(message.match(/^\s+\d+\. /gm)).toHaveLength(4);
  });

  test('two routes on one path', () => {
    expect(synthMessageOf(() => build({}, { routes: (e) => [{ endpoint: e[0], path: '/api/v1/x' }, { endpoint: e[1], path: '/api/v1/x' }] }).make()))
      .toMatch(/routes\[1\]\.path: got "\/api\/v1\/x" \(also routes\[0\], model cnn\); allowed: one route per path/);
  });

  test('a route without a ModelEndpoint (JavaScript callers)', () => {
    expect(messageOf(() => build({}, { routes: () => [{ endpoint: { endpointName: 'x' } as never }] }).make()))
      .toMatch(/routes\[0\]\.endpoint: got a plain object; allowed: a ModelEndpoint\. Fix: e\.g\. new ModelEndpoint/);
  });

  test('no routes', () => {
    expect(synthMessageOf(() => build({}, { routes: () => [] }).make())).toMatch(/routes: got \[\]; allowed: at least one route/);
  });

  test('addApiKey on a gateway without apiKeys', () => {
    const gw = build({ apiKeys: undefined }).make();
    expect(synthMessageOf(() => gw.addApiKey('K'))).toMatch(/apiKeys: got no apiKeys on this gateway; allowed: addApiKey on a gateway with apiKeys\. Fix: set apiKeys/);
  });
});
