// The seeds' checkpoint platform on AWS (examples/platform/aws.ts), checked requirement by requirement in the
// synthesized CloudFormation template. cfn-lint checks the same template (test/aws/cfn-lint.test.ts) and cdk-nag
// runs at synth (the app registers AwsSolutionsChecks: an unacknowledged finding fails buildAwsPlatform().synth()).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AWS_TRACING_ENDPOINT, PLATFORM_AWS_STACK, REDIS_SECRET_ARN, buildAwsPlatform, platformInstanceType } from '../../examples/platform/aws';
import { PLATFORM, PLATFORM_SETTINGS } from '../../examples/platform/models';

interface Resource { readonly Type: string; readonly Properties: Record<string, any> } // eslint-disable-line @typescript-eslint/no-explicit-any

let resources: Record<string, Resource>;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const one = (type: string, idPrefix: string): Resource => {
  const found = ofType(type).filter(([id]) => id.startsWith(idPrefix));
  expect(found.map(([id]) => id)).toHaveLength(1);
  return found[0][1];
};
const cap = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);
const env = (model: string): Record<string, string> => one('AWS::SageMaker::Model', `${cap(model)}Model`).Properties.PrimaryContainer.Environment;
const json = (v: unknown) => JSON.stringify(v);

beforeAll(() => {
  const outdir = mkdtempSync(join(tmpdir(), 'platform-aws-'));
  const assembly = buildAwsPlatform(PLATFORM, PLATFORM_SETTINGS, { outdir }).synth();
  resources = JSON.parse(readFileSync(join(assembly.directory, `${PLATFORM_AWS_STACK}.template.json`), 'utf8')).Resources;
}, 300_000);

test('the table: the seeds\' three models', () => {
  expect(PLATFORM.map((m) => m.name)).toEqual(['cnn', 'fraud', 'sentiment']);
  expect(ofType('AWS::SageMaker::Endpoint')).toHaveLength(3);
});

test('GPU and CPU capacity: the GPU models on one NVIDIA L4 (ml.g6), the trees on compute-optimized CPUs (ml.c6i)', () => {
  const variants = Object.fromEntries(PLATFORM.map((m) => [m.name, one('AWS::SageMaker::EndpointConfig', `${cap(m.name)}EndpointConfig`).Properties.ProductionVariants[0].InstanceType]));
  expect(variants).toEqual({ cnn: 'ml.g6.xlarge', fraud: 'ml.c6i.large', sentiment: 'ml.g6.xlarge' });
  expect(PLATFORM.map(platformInstanceType)).toEqual(['ml.g6.xlarge', 'ml.c6i.large', 'ml.g6.xlarge']);
});

test('the CNN: TensorRT, batched up to 32 with a 20 ms maximum wait; the transformer: TensorRT in FP16', () => {
  expect(env('cnn')).toMatchObject({ MODEL_SERVER_EXECUTION_PROVIDERS: 'tensorrt,cuda,cpu', MODEL_SERVER_MAX_BATCH_SIZE: '32', MODEL_SERVER_MAX_QUEUE_DELAY_MS: '20' });
  expect(env('cnn').MODEL_SERVER_TENSORRT_FP16).toBeUndefined();
  expect(env('sentiment')).toMatchObject({ MODEL_SERVER_EXECUTION_PROVIDERS: 'tensorrt,cuda,cpu', MODEL_SERVER_TENSORRT_FP16: 'true' });
  expect(env('fraud').MODEL_SERVER_EXECUTION_PROVIDERS).toBeUndefined(); // the server's default: cpu
});

test('autoscaling per model on queue depth (SageMaker ConcurrentRequestsPerModel, requests queued in the container included)', () => {
  for (const m of PLATFORM) {
    const policy = one('AWS::ApplicationAutoScaling::ScalingPolicy', `${cap(m.name)}ScalingPolicy`).Properties.TargetTrackingScalingPolicyConfiguration;
    expect(policy).toMatchObject({ PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantConcurrentRequestsPerModelHighResolution' }, TargetValue: m.scaling.concurrentRequestsPerReplica });
    expect(one('AWS::ApplicationAutoScaling::ScalableTarget', `${cap(m.name)}ScalableTarget`).Properties).toMatchObject({ MinCapacity: m.scaling.minReplicas, MaxCapacity: m.scaling.maxReplicas });
  }
});

test('the fraud model: a Redis cache whose URL the server reads from Secrets Manager, and a circuit breaker with its fallback beside the model', () => {
  const fraud = env('fraud');
  expect(fraud.MODEL_SERVER_BREAKER_MODELS).toBe('fraud');
  expect(fraud.MODEL_SERVER_CACHE_MODELS).toBe('fraud');
  // The URL never appears in the template: only the secret's ARN, and the role may read exactly that secret.
  expect(json(resources)).not.toMatch(/rediss?:\/\//);
  expect(json(fraud)).toContain(REDIS_SECRET_ARN);
  const policies = ofType('AWS::IAM::Policy').map(([, r]) => r.Properties.PolicyDocument.Statement).flat();
  expect(policies).toContainEqual(expect.objectContaining({ Action: 'secretsmanager:GetSecretValue', Resource: REDIS_SECRET_ARN }));
  // The model folder (model.onnx + fallback.json) is an S3 prefix, so the breaker's fallback travels with the model.
  expect(one('AWS::SageMaker::Model', 'FraudModel').Properties.PrimaryContainer.ModelDataSource.S3DataSource).toMatchObject({ S3DataType: 'S3Prefix', S3Uri: 's3://acme-platform-models/fraud/1/' });
  expect(env('cnn').MODEL_SERVER_CACHE_MODELS).toBeUndefined();
});

test('tracing: every server exports spans to the OTLP collector in the VPC, under its model\'s name', () => {
  for (const m of PLATFORM) expect(env(m.name)).toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: AWS_TRACING_ENDPOINT, OTEL_SERVICE_NAME: m.name });
  for (const m of PLATFORM) expect(one('AWS::SageMaker::Model', `${cap(m.name)}Model`).Properties).toMatchObject({ EnableNetworkIsolation: false, VpcConfig: expect.any(Object) });
});

test('alerts: p95 latency above 100 ms and errors above 0.1%, on every model and on the gateway', () => {
  for (const m of PLATFORM) {
    expect(one('AWS::CloudWatch::Alarm', `${cap(m.name)}LatencyAlarm`).Properties).toMatchObject({ MetricName: 'ModelLatency', ExtendedStatistic: 'p95', Threshold: 100_000, ComparisonOperator: 'GreaterThanThreshold' }); // microseconds
    expect(one('AWS::CloudWatch::Alarm', `${cap(m.name)}ErrorRateAlarm`).Properties).toMatchObject({ Threshold: 0.1, ComparisonOperator: 'GreaterThanThreshold' });
  }
  expect(one('AWS::CloudWatch::Alarm', 'GatewayLatencyAlarm').Properties).toMatchObject({ MetricName: 'Latency', ExtendedStatistic: 'p95', Threshold: 100 }); // milliseconds
  expect(one('AWS::CloudWatch::Alarm', 'GatewayErrorRateAlarm').Properties).toMatchObject({ Threshold: 0.1 });
  // Every alarm notifies the on-call topic.
  const topic = ofType('AWS::SNS::Topic').map(([id]) => id);
  expect(topic).toHaveLength(1);
  for (const [id, alarm] of ofType('AWS::CloudWatch::Alarm')) expect([id, alarm.Properties.AlarmActions]).toEqual([id, [{ Ref: topic[0] }]]);
});

test('canaries: exactly 5% of requests for 1 h per model, rolled back by the SLO alarms', () => {
  for (const m of PLATFORM) {
    const rollout = json(one('Custom::ModelRollout', `${cap(m.name)}Canary`).Properties.Rollout);
    expect(rollout).toContain(json('"steps":[{"percent":5,"bakeSeconds":3600},{"percent":100,"bakeSeconds":600}]').slice(1, -1));
    expect(rollout).toContain(`${cap(m.name)}CanaryCanaryErrorRateAlarm`);
    expect(rollout).toContain(`${cap(m.name)}CanaryCanaryLatencyAlarm`);
  }
});

test('the gateway: POST /api/v1/<model>/infer per model, a JWT authorizer, 100 requests/minute per API key', () => {
  const paths = ofType('AWS::ApiGateway::Resource').map(([, r]) => r.Properties.PathPart);
  expect(paths.sort()).toEqual(['api', 'cnn', 'fraud', 'infer', 'infer', 'infer', 'sentiment', 'v1'].sort());
  const methods = ofType('AWS::ApiGateway::Method').map(([, r]) => r.Properties);
  expect(methods).toHaveLength(3);
  for (const method of methods) expect(method).toMatchObject({ HttpMethod: 'POST', AuthorizationType: 'CUSTOM', ApiKeyRequired: true });
  const authorizerEnv = ofType('AWS::Lambda::Function').map(([, r]) => r.Properties.Environment?.Variables ?? {}).find((v) => v.JWT_ISSUER !== undefined);
  expect(authorizerEnv).toMatchObject({ JWT_ISSUER: PLATFORM_SETTINGS.gateway.jwt.issuer, JWT_JWKS_URI: PLATFORM_SETTINGS.gateway.jwt.jwksUri });
  const rule = one('AWS::WAFv2::WebACL', 'Gateway').Properties.Rules[0];
  expect(rule.Statement.RateBasedStatement).toMatchObject({ Limit: 100, EvaluationWindowSec: 60, AggregateKeyType: 'CUSTOM_KEYS', CustomKeys: [{ Header: expect.objectContaining({ Name: 'x-api-key' }) }] });
});

test('cost: a budget, and per model a dashboard and an alarm on the cost of 1000 predictions', () => {
  expect(one('AWS::Budgets::Budget', 'Budget').Properties.Budget).toMatchObject({ BudgetLimit: { Amount: PLATFORM_SETTINGS.budget.monthlyLimitUsd, Unit: 'USD' } });
  expect(ofType('AWS::CloudWatch::Dashboard')).toHaveLength(3);
  for (const m of PLATFORM) expect(one('AWS::CloudWatch::Alarm', `${cap(m.name)}CostPer1000PredictionsAlarm`).Properties.Threshold).toBe(m.costPer1000PredictionsAbove);
});
