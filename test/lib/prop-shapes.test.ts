/**
 * Plain JavaScript callers get the same kind of message as everyone else for a prop of the wrong kind (field,
 * what was given, what is allowed, how to fix it), not "got undefined" or a raw TypeError from deep inside.
 * The props below are what a JavaScript file can pass; the casts only stand in for the missing compiler.
 */
import * as cdk from 'aws-cdk-lib';
import { App as K8sApp, Chart } from 'cdk8s';
import { App as TfApp, TerraformStack } from 'cdktf';
import { join } from 'node:path';
import { Duration, GATEWAY_PROP_SHAPES, ModelArtifact, RolloutPolicy, ServingImage, Size, SpecValidationError, describeShape, shapeProblems } from '../../lib';
import * as aws from '../../constructs/aws';
import * as azure from '../../constructs/azure';
import * as gcp from '../../constructs/gcp';
import * as k8s from '../../constructs/k8s';

const MODEL = join(__dirname, '..', '..', 'examples', 'models', 'digits-classifier', '1', 'model.onnx');
const base = { model: ModelArtifact.fromFile(MODEL), metadata: { name: 'digits', version: '1.0.0', owner: 'ml-platform' } };

/** The problems a construct throws, or [] when it does not throw a SpecValidationError. */
function problemsOf(make: () => unknown): { field: string; given: string; allowed: string; fix: string }[] {
  try {
    make();
  } catch (e) {
    if (e instanceof SpecValidationError) return [...e.problems];
    throw e;
  }
  return [];
}

const awsEndpoint = (props: Record<string, unknown>) => () => {
  const stack = new cdk.Stack(new cdk.App(), 'S');
  return new aws.ModelEndpoint(stack, 'E', props as unknown as aws.ModelEndpointProps);
};
const k8sEndpoint = (props: Record<string, unknown>) => () => new k8s.ModelEndpoint(new Chart(new K8sApp(), 'c'), 'E', props as unknown as k8s.ModelEndpointProps);
const gcpEndpoint = (props: Record<string, unknown>) => () => new gcp.ModelEndpoint(new TerraformStack(new TfApp(), 's'), 'E', props as unknown as gcp.ModelEndpointProps);
const azureEndpoint = (props: Record<string, unknown>) => () => new azure.ModelEndpoint(new TerraformStack(new TfApp(), 's'), 'E', props as unknown as azure.ModelEndpointProps);

describe('shared spec, on every backend', () => {
  const backends: [string, (p: Record<string, unknown>) => () => unknown, Record<string, unknown>][] = [
    ['AWS', awsEndpoint, { instanceType: 'ml.c5.xlarge' }],
    ['Kubernetes', k8sEndpoint, { image: ServingImage.fromRegistry('registry.example.com/m:1'), modelDelivery: k8s.ModelDelivery.bakedIntoImage() }],
    ['Google Cloud', gcpEndpoint, { project: 'acme-ml', region: 'europe-west4', machineType: 'n1-standard-4', image: ServingImage.fromRegistry('europe-west4-docker.pkg.dev/acme-ml/s/m:1') }],
    ['Azure', azureEndpoint, { resourceGroupName: 'ml', location: 'westeurope', instanceType: 'Standard_F4s_v2', image: ServingImage.fromRegistry('contoso.azurecr.io/m:1'), imageRegistryId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ml/providers/Microsoft.ContainerRegistry/registries/contoso' }],
  ];

  test.each(backends)('%s: a string percentile and a number for a Duration are named, with what to write instead', (_name, make, own) => {
    const problems = problemsOf(make({ ...base, ...own, guardrails: { latencyPercentile: 'p95', maxLatency: 300 } }));
    expect(problems).toEqual([
      { field: 'guardrails.maxLatency', given: 'the number 300', allowed: 'a Duration', fix: 'e.g. Duration.millis(300)' },
      { field: 'guardrails.latencyPercentile', given: 'the string "p95"', allowed: 'a LatencyPercentile', fix: 'e.g. LatencyPercentile.P95' },
    ]);
  });

  // A misspelt key of a spec object (scaling, guardrails, metadata, server and its parts) would be ignored: the
  // default would apply silently. Every prop of those objects is in SERVING_PROP_SHAPES, so any other key is named.
  test.each(backends)('%s: misspelt keys of spec objects are named with the near name, not ignored', (_name, make, own) => {
    const problems = problemsOf(make({ ...base, ...own, scaling: { maxReplica: 6 }, server: { maxBatchsize: 8, circuitBreaker: { consecutiveFailure: 3 } } }));
    expect(problems.map((p) => `${p.field}: ${p.given}; ${p.fix}`)).toEqual([
      'scaling.maxReplica: a prop this object does not have; did you mean scaling.maxReplicas?',
      'server.maxBatchsize: a prop this object does not have; did you mean server.maxBatchSize?',
      'server.circuitBreaker.consecutiveFailure: a prop this object does not have; did you mean server.circuitBreaker.consecutiveFailures?',
    ]);
    expect(problems[0].allowed).toBe('the props of scaling: minReplicas, maxReplicas, targets, scaleInCooldown, scaleOutCooldown');
  });

  test.each(backends)('%s: missing metadata and a model path given as a string are reported together', (_name, make, own) => {
    const problems = problemsOf(make({ ...own, model: 'model.onnx' }));
    expect(problems.map((p) => `${p.field}: ${p.given}`)).toEqual(['model: the string "model.onnx"', 'metadata: nothing (the prop is missing)']);
    expect(problems[0].fix).toMatch(/ModelArtifact\.fromFile\('model\.onnx'\)/);
  });
});

test.each([
  ['AWS', 'instanceType', awsEndpoint, "'ml.c5.xlarge'", {}],
  ['Google Cloud', 'machineType', gcpEndpoint, "'n1-standard-4'", { project: 'acme-ml', region: 'europe-west4' }],
  ['Azure', 'instanceType', azureEndpoint, "'Standard_F4s_v2'", { resourceGroupName: 'ml', location: 'westeurope' }],
] as const)('%s: a missing %s is a problem, not a TypeError', (_name, field, make, example, own) => {
  const problems = problemsOf(make({ ...base, ...own }));
  expect(problems).toContainEqual({ field, given: 'nothing (the prop is missing)', allowed: 'a string', fix: `set ${field}, e.g. ${example}` });
});

test('RolloutPolicy: a bake in seconds as a number is named per step', () => {
  expect(() => RolloutPolicy.canary({ bake: 600 as unknown as Duration })).toThrow(/steps\[0\]\.bake: got the number 600; allowed: a Duration\. Fix: e\.g\. Duration\.hours\(1\)/);
  expect(() => RolloutPolicy.steps('5%' as unknown as [])).toThrow(/steps: got the string "5%"; allowed: an array of object values/);
});

test('shapeProblems leaves a field whose parent is wrong to the parent, and skips tokens', () => {
  expect(shapeProblems({ a: 'x' }, [{ field: 'a', kind: 'object', example: '{}' }, { field: 'a.b', kind: 'string', required: true, example: "'b'" }]).map((p) => p.field)).toEqual(['a']);
  expect(shapeProblems({ n: cdk.Token.asNumber({ Ref: 'P' }) }, [{ field: 'n', kind: Duration, example: 'Duration.minutes(1)' }])).toEqual([]);
  expect(describeShape(Duration.minutes(1))).toBe('a Duration');
});

describe('the shared gateway spec (GATEWAY_PROP_SHAPES)', () => {
  test('a JavaScript caller\'s wrong kinds are problems, not a TypeError from the resolver', () => {
    // Without the shapes, `maxRequestBodySize: 1000` reaches GatewayResolution as `(1000).toBytes()`.
    const problems = shapeProblems({ maxRequestBodySize: 1000, apiKeys: { requestsPerMinute: '100' }, jwt: { issuer: 'https://i.example.com/', audiences: 'models', jwksUri: 'https://i.example.com/jwks' }, cache: { ttl: 300 } }, GATEWAY_PROP_SHAPES);
    expect(problems.map((p) => `${p.field}: ${p.given} -> ${p.allowed}`)).toEqual([
      'jwt.audiences: the string "models" -> an array of string values',
      'apiKeys.requestsPerMinute: the string "100" -> a number',
      'cache.ttl: the number 300 -> a Duration',
      'maxRequestBodySize: the number 1000 -> a Size',
    ]);
    expect(shapeProblems({ jwt: { issuer: 'https://i.example.com/', audiences: ['models'], jwksUri: 'https://i.example.com/jwks' }, apiKeys: {}, maxRequestBodySize: Size.kibibytes(1) }, GATEWAY_PROP_SHAPES)).toEqual([]);
  });
});

// Issue 17: the newest props (networkAccess, auth, the uncatalogued escape hatches) and every other public prop
// of each backend's ModelEndpointProps, checked for JavaScript callers: a wrong kind is named with what was given.
describe('backend props of the wrong kind', () => {
  const own = {
    AWS: { instanceType: 'ml.c5.xlarge' },
    Kubernetes: { image: ServingImage.fromRegistry('registry.example.com/m:1'), modelDelivery: k8s.ModelDelivery.bakedIntoImage() },
    GCP: { project: 'acme-ml', region: 'europe-west4', machineType: 'n1-standard-4', image: ServingImage.fromRegistry('europe-west4-docker.pkg.dev/acme-ml/s/m:1') },
    Azure: { resourceGroupName: 'ml', location: 'westeurope', instanceType: 'Standard_F4s_v2', image: ServingImage.fromRegistry('contoso.azurecr.io/m:1'), imageRegistryId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ml/providers/Microsoft.ContainerRegistry/registries/contoso' },
  };
  const fieldsOf = (make: () => unknown) => problemsOf(make).map((p) => `${p.field}: ${p.given}; allowed: ${p.allowed}`);

  test('Kubernetes: networkAccess, auth and the rest', () => {
    const problems = fieldsOf(k8sEndpoint({
      ...base, ...own.Kubernetes,
      auth: 'api-keys', networkAccess: { callers: ['default'], prometheus: 'monitoring' }, cpu: '2', memory: 4096, runAsUser: '10001',
      serviceMonitor: 'yes', keda: { queueDepthPerReplica: 8 }, flavour: 'kserve', dashboard: 'true',
    }));
    expect(problems).toEqual(expect.arrayContaining([
      'auth: the string "api-keys"; allowed: an EndpointAuth',
      'networkAccess.callers[0]: the string "default"; allowed: a NetworkPeer',
      'networkAccess.prometheus: the string "monitoring"; allowed: a NetworkPeer',
      'cpu: the string "2"; allowed: a number',
      'memory: the number 4096; allowed: a Size',
      'runAsUser: the string "10001"; allowed: a number',
      'serviceMonitor: the string "yes"; allowed: a boolean',
      'keda.prometheusAddress: nothing (the prop is missing); allowed: a string',
      'flavour: the string "kserve"; allowed: a ServingFlavour',
      'dashboard: the string "true"; allowed: a boolean',
    ]));
  });

  test('AWS: the escape hatch, timeouts and sizes', () => {
    expect(fieldsOf(awsEndpoint({ ...base, ...own.AWS, acceptUncataloguedInstanceType: 'yes', volumeSize: 30, modelDataDownloadTimeout: 600, networkIsolation: 'false', hourlyPriceUsd: '0.2' }))).toEqual([
      'acceptUncataloguedInstanceType: the string "yes"; allowed: a boolean',
      'modelDataDownloadTimeout: the number 600; allowed: a Duration',
      'volumeSize: the number 30; allowed: a Size',
      'networkIsolation: the string "false"; allowed: a boolean',
      'hourlyPriceUsd: the string "0.2"; allowed: a number',
    ]);
  });

  test('Google Cloud: the escape hatch, channels and timeouts', () => {
    expect(fieldsOf(gcpEndpoint({ ...base, ...own.GCP, acceptUncataloguedMachineType: 1, notificationChannels: 'projects/acme-ml/notificationChannels/1', deploymentTimeout: 1800 }))).toEqual([
      'deploymentTimeout: the number 1800; allowed: a Duration',
      'notificationChannels: the string "projects/acme-ml/notificationChannels/1"; allowed: an array of string values',
      'acceptUncataloguedMachineType: the number 1; allowed: a boolean',
    ]);
  });

  test('Azure: the escape hatch, auth mode, network flags and probes', () => {
    expect(fieldsOf(azureEndpoint({ ...base, ...own.Azure, acceptUncataloguedInstanceType: 'yes', authMode: 'key', publicNetworkAccess: 'false', probes: { period: 10 }, alertActionGroupIds: '/subscriptions/x' }))).toEqual([
      'acceptUncataloguedInstanceType: the string "yes"; allowed: a boolean',
      'authMode: the string "key"; allowed: an EndpointAuthMode',
      'publicNetworkAccess: the string "false"; allowed: a boolean',
      'probes.period: the number 10; allowed: a Duration',
      'alertActionGroupIds: the string "/subscriptions/x"; allowed: an array of string values',
    ]);
  });

  test('shared spec: scaling bounds, server numbers and guardrail numbers', () => {
    expect(fieldsOf(awsEndpoint({ ...base, ...own.AWS, scaling: { minReplicas: '2' }, server: { maxBatchSize: '16', grpc: 'true' }, guardrails: { maxErrorRatePercent: '1' } }))).toEqual([
      'scaling.minReplicas: the string "2"; allowed: a number',
      'server.maxBatchSize: the string "16"; allowed: a number',
      'server.grpc: the string "true"; allowed: a boolean',
      'guardrails.maxErrorRatePercent: the string "1"; allowed: a number',
    ]);
  });
});
