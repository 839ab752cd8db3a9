/**
 * server.auth, server.cache, server.circuitBreaker and server.tracing on SageMaker: honoured or refused by name.
 * Receiver's documentation behind each refusal:
 * - InvokeEndpoint (SageMaker Runtime API reference, docs.aws.amazon.com/sagemaker/latest/APIReference/
 *   API_runtime_InvokeEndpoint.html): calls are authenticated with AWS Signature Version 4, and "Amazon SageMaker
 *   strips all POST headers except those supported by the API" (Content-Type, Accept, X-Amzn-SageMaker-*):
 *   a caller's own Authorization or X-Api-Key header never reaches the container, so server.auth cannot work.
 * - CreateModel ContainerDefinition.Environment (API_ContainerDefinition.html): a string-to-string map, "Don't
 *   include any sensitive data in your environment variables"; the CloudFormation AWS::SageMaker::Model
 *   ContainerDefinition has no secret-reference property either. So a ServerSecret is refused.
 * - CreateModel EnableNetworkIsolation (API_CreateModel.html): "Isolates the model container. No inbound or
 *   outbound network calls can be made to or from the model container." VpcConfig is what connects the
 *   container to your VPC. So a collector or Redis is refused with isolation on, or without a VPC.
 */
import * as cdk from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
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
  expect(message).toMatch(/server\.cache\.redisUrl: got Secrets Manager arn:aws:secretsmanager:eu-west-1:123456789012:secret:redis-url-AbCdEf \(field url\); allowed: on SageMaker: no secret references.*Fix: SageMaker passes the container plain strings only/);
  expect(message).toMatch(/server\.cache\.redisUrl: got the prediction cache's Redis .* with networkIsolation true \(the default\)/);
});
