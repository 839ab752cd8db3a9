/**
 * server.auth, server.cache, server.circuitBreaker and server.tracing on SageMaker: honoured or refused by name.
 * Receiver's documentation behind each refusal:
 * - InvokeEndpoint (SageMaker Runtime API reference, docs.aws.amazon.com/sagemaker/latest/APIReference/
 *   API_runtime_InvokeEndpoint.html): calls are authenticated with AWS Signature Version 4, and "Amazon SageMaker
 *   strips all POST headers except those supported by the API" (Content-Type, Accept, X-Amzn-SageMaker-*):
 *   a caller's own Authorization or X-Api-Key header never reaches the container, so server.auth cannot work.
 * - CreateModel ContainerDefinition.Environment (API_ContainerDefinition.html): a string-to-string map, "Don't
 *   include any sensitive data in your environment variables"; the CloudFormation AWS::SageMaker::Model
 *   ContainerDefinition has no secret-reference property either. So only the reference travels there
 *   (MODEL_SERVER_SECRET_REFS) and the server calls Secrets Manager GetSecretValue with the execution role,
 *   which needs `secretsmanager:GetSecretValue` on the secret (Secrets Manager User Guide, "Permissions
 *   reference": GetSecretValue, resource type Secret); other stores are refused by name.
 * - CreateModel EnableNetworkIsolation (API_CreateModel.html): "Isolates the model container. No inbound or
 *   outbound network calls can be made to or from the model container." VpcConfig is what connects the
 *   container to your VPC. So a collector or Redis is refused with isolation on, or without a VPC.
 */
import * as cdk from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Duration, ModelArtifact, ServerSecret, ServingImage } from '../../lib';
import { ModelEndpoint, ModelEndpointProps } from '../../constructs/aws';
import { DEMO_MODEL_PATH } from '../../scripts/generate-models';
import { expectProblems } from '../support/expect-problems';

const ECR_IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/model-server:1.0.0';
const model = ModelArtifact.fromFile(DEMO_MODEL_PATH);
const REDIS_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:redis-url-AbCdEf';

function build(extra: Partial<ModelEndpointProps> = {}, withVpc = false) {
  const app = new cdk.App({ builtinCloudFormationValidation: false });
  const stack = new cdk.Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const vpc = withVpc ? new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 }) : undefined;
  new ModelEndpoint(stack, 'Endpoint', {
    model,
    metadata: { name: 'digits', version: '1.0.0', owner: 'ml-platform' },
    instanceType: 'ml.c5.xlarge',
    image: ServingImage.fromRegistry(ECR_IMAGE),
    ...(vpc ? { vpc } : {}),
    ...extra,
  });
  return Template.fromStack(stack);
}

function containerEnvironment(template: Template): Record<string, string> {
  const models = Object.values(template.findResources('AWS::SageMaker::Model'));
  expect(models).toHaveLength(1);
  return (models[0] as { Properties: { PrimaryContainer: { Environment: Record<string, string> } } }).Properties.PrimaryContainer.Environment;
}

test('the circuit breaker is honoured: its variables are in the container environment', () => {
  const env = containerEnvironment(build({ server: { circuitBreaker: { consecutiveFailures: 3, openDuration: Duration.seconds(30) } } }));
  expect(env).toMatchObject({ MODEL_SERVER_BREAKER_MODELS: 'digits', MODEL_SERVER_BREAKER_CONSECUTIVE_FAILURES: '3', MODEL_SERVER_BREAKER_OPEN_SECONDS: '30' });
});

test('tracing with networkIsolation off and a VPC is honoured', () => {
  const env = containerEnvironment(build({ networkIsolation: false, server: { tracing: { endpoint: 'http://10.0.12.7:4318', samplerRatio: 0.05 } } }, true));
  expect(env).toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://10.0.12.7:4318', OTEL_SERVICE_NAME: 'digits', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.05' });
});

test('nothing set: no feature variables (the default output is unchanged)', () => {
  const env = containerEnvironment(build());
  expect(Object.keys(env).filter((k) => /^(OTEL_|MODEL_SERVER_(JWT|CACHE|BREAKER|RATE_LIMIT_PER_MINUTE|API_KEY))/.test(k))).toEqual([]);
});

test('tracing on an isolated container (the default) is refused with the fix; so is tracing without a VPC', () => {
  expectProblems(() => build({ server: { tracing: { endpoint: 'http://10.0.12.7:4318' } } }),
    /server\.tracing\.endpoint: got the OTLP receiver http:\/\/10\.0\.12\.7:4318 with networkIsolation true \(the default\); allowed: on SageMaker: no outbound connections from a network-isolated model container\. Fix: set networkIsolation: false and vpc/,
  );
  expectProblems(() => build({ networkIsolation: false, server: { tracing: { endpoint: 'http://10.0.12.7:4318' } } }),
    /server\.tracing\.endpoint: got the OTLP receiver http:\/\/10\.0\.12\.7:4318 without vpc; allowed: on SageMaker: a destination inside your VPC only when the model runs in it \(vpc\)\. Fix: set vpc/,
  );
});

test('server.auth and a cache are refused by name, all at once, and no secret reaches the template', () => {
  const message = expectProblems(() => build({
    server: {
      auth: { jwt: { issuer: 'https://login.example.com/', audience: 'digits', jwksUri: 'https://login.example.com/jwks.json' } },
      cache: { redisUrl: ServerSecret.fromAwsSecretsManager(REDIS_ARN, 'url') },
    },
  }), []);
  expect(message).toMatch(/has 3 invalid settings/);
  expect(message).toMatch(/server\.auth: got jwt; allowed: on SageMaker: no authentication by the model server: the Authorization header that API keys and JWTs travel in belongs to the platform's own caller authentication \(SageMaker checks AWS Signature Version 4 on InvokeEndpoint and strips every request header its API does not define\)\. Fix: remove server\.auth and give callers the platform's invoke permission \(grantInvoke\)/);
  expect(message).toMatch(/server\.cache\.redisUrl: got Secrets Manager arn:aws:secretsmanager:eu-west-1:123456789012:secret:redis-url-AbCdEf \(field url\) with networkIsolation true \(the default\); allowed: on SageMaker: no call to Secrets Manager from a network-isolated model container \(the server fetches the secret at start\)\. Fix: set networkIsolation: false; in a vpc, give its subnets a Secrets Manager interface VPC endpoint \(com\.amazonaws\.<region>\.secretsmanager\) or a NAT route/);
  expect(message).toMatch(/server\.cache\.redisUrl: got the prediction cache's Redis .* with networkIsolation true \(the default\)/);
});

function roleStatements(template: Template): { Sid?: string; Action: string | string[]; Resource: unknown }[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as { Properties: { PolicyDocument: { Statement: { Sid?: string; Action: string | string[]; Resource: unknown }[] } } }[];
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('a Redis URL in Secrets Manager', () => {
  const cache = { cache: { redisUrl: ServerSecret.fromAwsSecretsManager(REDIS_ARN, 'url'), ttl: Duration.minutes(5) } };

  test('the container gets the reference, never a value, and the role may read exactly that secret', () => {
    const app = new cdk.App({ builtinCloudFormationValidation: false });
    const stack = new cdk.Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
    const endpoint = new ModelEndpoint(stack, 'Endpoint', { model, metadata: { name: 'digits', version: '1.0.0', owner: 'ml-platform' }, instanceType: 'ml.c5.xlarge', image: ServingImage.fromRegistry(ECR_IMAGE), networkIsolation: false, vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 }), server: cache });
    const template = Template.fromStack(stack);
    const env = containerEnvironment(template);
    expect(JSON.parse(env.MODEL_SERVER_SECRET_REFS!)).toEqual({ MODEL_SERVER_CACHE_REDIS_URL: { source: 'aws-secretsmanager', secretId: REDIS_ARN, jsonField: 'url' } });
    expect(env.MODEL_SERVER_CACHE_REDIS_URL).toBeUndefined();
    expect(env).toMatchObject({ MODEL_SERVER_CACHE_MODELS: 'digits' });
    const reads = roleStatements(template).filter((s) => [s.Action].flat().some((a) => a.startsWith('secretsmanager:')));
    expect(reads).toEqual([{ Sid: 'ReadServerSecrets', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: REDIS_ARN }]);
    // The grant is on the endpoint's own execution role.
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p) => JSON.stringify(p).includes('ReadServerSecrets')) as { Properties: { Roles: { Ref: string }[] } };
    expect(policy.Properties.Roles).toEqual([{ Ref: stack.getLogicalId(endpoint.role.node.defaultChild as cdk.CfnElement) }]);
    // In a VPC the route to Secrets Manager is the caller's to provide: said at synth time.
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('Secrets Manager interface endpoint'));
    expect(warnings).toHaveLength(1);
  });

  test('a secret from another cloud\'s store is refused by name with the SageMaker way', () => {
    expect(() => build({ networkIsolation: false, server: { cache: { redisUrl: ServerSecret.fromGcpSecretManager('projects/acme/secrets/redis', '1') } } }, true)).toThrow(
      /server\.cache\.redisUrl: got Secret Manager projects\/acme\/secrets\/redis version 1; allowed: on SageMaker: secrets from AWS_SECRETS_MANAGER \(the platform resolves them at container start\)\. Fix: keep the secret in AWS Secrets Manager and pass ServerSecret\.fromAwsSecretsManager\(secret\.secretArn, jsonField\?\)/,
    );
  });
});

test('a secret ARN that is a token (secret.secretArn) resolves in the reference and the grant', () => {
  const app = new cdk.App({ builtinCloudFormationValidation: false });
  const stack = new cdk.Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const secret = new secretsmanager.Secret(stack, 'RedisUrl');
  new ModelEndpoint(stack, 'Endpoint', { model, metadata: { name: 'digits', version: '1.0.0', owner: 'ml-platform' }, instanceType: 'ml.c5.xlarge', image: ServingImage.fromRegistry(ECR_IMAGE), networkIsolation: false, vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 }), server: { cache: { redisUrl: ServerSecret.fromAwsSecretsManager(secret.secretArn) } } });
  const template = Template.fromStack(stack);
  const secretId = stack.getLogicalId(secret.node.defaultChild as cdk.CfnElement);
  const models = Object.values(template.findResources('AWS::SageMaker::Model')) as { Properties: { PrimaryContainer: { Environment: Record<string, unknown> } } }[];
  expect(models[0]!.Properties.PrimaryContainer.Environment.MODEL_SERVER_SECRET_REFS).toEqual({ 'Fn::Join': ['', ['{"MODEL_SERVER_CACHE_REDIS_URL":{"source":"aws-secretsmanager","secretId":"', { Ref: secretId }, '"}}']] });
  expect(roleStatements(template).filter((s) => s.Sid === 'ReadServerSecrets')).toEqual([{ Sid: 'ReadServerSecrets', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: secretId } }]);
});
