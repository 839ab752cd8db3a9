// The backend contract (lib/backend-contract.ts) checked at run time on all four backends: every member is
// present under its one name, a member a platform lacks is a NotSupported naming the backend and a reason,
// and the one-rollout rule fails the same way (SpecValidationError, field `endpoint`) everywhere.
// The compile-time half is the `implements` clause on each backend class.
import * as cdk from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Testing } from 'cdktf';
import { Chart, Testing as K8sTesting } from 'cdk8s';
import { IConstruct } from 'constructs';
import {
  Accelerator,
  BudgetAction,
  Duration,
  ModelArtifact,
  NotSupported,
  RolloutPolicy,
  ServingImage,
  SpecValidationError,
  collectSpecProblems,
} from '../../lib';
import { WEBHOOK_APP } from '../azure/support/fixtures';
import { GoogleBetaProvider } from '@cdktf/provider-google-beta/lib/provider';
import { IBudgetGuardContract, ICanaryRolloutContract, IGpuNodePoolContract, IModelEndpointContract, IModelGatewayContract } from '../../lib/backend';
import * as aws from '../../constructs/aws';
import * as gcp from '../../constructs/gcp';
import * as azure from '../../constructs/azure';
import * as k8s from '../../constructs/k8s';
import { MODEL_FILE } from '../conformance/cases';

type AnyEndpoint = IModelEndpointContract<never, unknown, unknown, unknown, unknown>;
type AnyGateway = IModelGatewayContract<never, unknown, unknown, unknown, unknown>;

interface Built {
  readonly endpoint: AnyEndpoint;
  readonly rollout: ICanaryRolloutContract;
  readonly budget: IBudgetGuardContract;
  readonly pool: IGpuNodePoolContract;
  /** Tries a second CanaryRollout on the endpoint. */
  readonly secondRollout: () => IConstruct;
  /** hasRollout before the first rollout was attached. */
  readonly hadRolloutBefore: boolean;
  /** A ModelGateway in front of the endpoint, on backends that have one. */
  readonly gateway?: AnyGateway;
}

const spec = (registry: string) => ({
  model: ModelArtifact.fromFile(MODEL_FILE),
  metadata: { name: 'digits', version: '1.0.0', owner: 'ml-platform' },
  image: ServingImage.fromRegistry(`${registry}/model-server:2.0.0`),
});
const policy = RolloutPolicy.canary({ trafficPercent: 50, bake: Duration.minutes(30) });
const budgetSpec = { monthlyLimitUsd: 1000, alertThresholdsPercent: [80, 100], action: BudgetAction.NOTIFY };

const BACKENDS: Record<string, () => Built> = {
  'SageMaker': () => {
    const app = new cdk.App({ builtinCloudFormationValidation: false });
    const stack = new cdk.Stack(app, 'Contract', { env: { account: '123456789012', region: 'eu-west-1' } });
    const endpoint = new aws.ModelEndpoint(stack, 'Endpoint', { ...spec('123456789012.dkr.ecr.eu-west-1.amazonaws.com'), instanceType: 'ml.c6i.xlarge' });
    const hadRolloutBefore = endpoint.hasRollout;
    const rollout = new aws.CanaryRollout(stack, 'Rollout', { endpoint, policy });
    const budget = new aws.BudgetGuard(stack, 'Budget', { endpoints: [endpoint], budget: budgetSpec });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a', 'eu-west-1b'], privateSubnetIds: ['subnet-0000000000000000a', 'subnet-0000000000000000b'] });
    const pool = new aws.GpuNodePool(stack, 'Pool', { clusterName: 'inference', vpc, accelerator: Accelerator.NVIDIA_A10G });
    return { endpoint: endpoint as AnyEndpoint, rollout, budget, pool, hadRolloutBefore, secondRollout: () => new aws.CanaryRollout(stack, 'Again', { endpoint, policy }) };
  },
  'Vertex AI': () => {
    let built: Built | undefined;
    Testing.synthScope((scope) => {
      const endpoint = new gcp.ModelEndpoint(scope, 'Endpoint', { ...spec('europe-west4-docker.pkg.dev/acme-ml/serving'), project: 'acme-ml', region: 'europe-west4', machineType: 'n2-standard-4' });
      const hadRolloutBefore = endpoint.hasRollout;
      const rollout = new gcp.CanaryRollout(scope, 'Rollout', { endpoint, policy });
      const budget = new gcp.BudgetGuard(scope, 'Budget', { endpoints: [endpoint], budget: budgetSpec, billingAccount: '01D4EE-079462-DFD6EC' });
      const pool = new gcp.GpuNodePool(scope, 'Pool', { project: 'acme-ml', cluster: 'serving', location: 'europe-west4', accelerator: Accelerator.NVIDIA_L4 });
      built = { endpoint: endpoint as AnyEndpoint, rollout, budget, pool, hadRolloutBefore, secondRollout: () => new gcp.CanaryRollout(scope, 'Again', { endpoint, policy }) };
    });
    return built!;
  },
  'Azure ML': () => {
    let built: Built | undefined;
    Testing.synthScope((scope) => {
      const endpoint = new azure.ModelEndpoint(scope, 'Endpoint', { ...spec('contoso.azurecr.io'), resourceGroupName: 'rg', location: 'westeurope', instanceType: 'Standard_DS3_v2' });
      const hadRolloutBefore = endpoint.hasRollout;
      const rollout = new azure.CanaryRollout(scope, 'Rollout', { webhookApplication: WEBHOOK_APP, endpoint, policy });
      const budget = new azure.BudgetGuard(scope, 'Budget', { webhookApplication: WEBHOOK_APP, endpoints: [endpoint], budget: budgetSpec, startDate: '2026-12-01', acceptPastStartDate: true });
      const pool = new azure.GpuNodePool(scope, 'Pool', { kubernetesClusterId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/serving', name: 'gput4', accelerator: Accelerator.NVIDIA_T4 });
      const gateway = new azure.ModelGateway(scope, 'Gateway', { routes: [{ endpoint }], resourceGroupName: 'rg', location: 'westeurope', publisherName: 'ML platform', publisherEmail: 'ml@example.com', jwt: GATEWAY_JWT, apiKeys: {} });
      built = { endpoint: endpoint as AnyEndpoint, rollout, budget, pool, hadRolloutBefore, gateway: gateway as AnyGateway, secondRollout: () => new azure.CanaryRollout(scope, 'Again', { webhookApplication: WEBHOOK_APP, endpoint, policy }) };
    });
    return built!;
  },
  'Kubernetes': () => {
    const chart = new Chart(K8sTesting.app(), 'contract', { namespace: 'ml-serving' });
    const endpoint = new k8s.ModelEndpoint(chart, 'Endpoint', { ...spec('registry.example.com'), modelDelivery: k8s.ModelDelivery.bakedIntoImage(), serviceMonitor: true });
    const hadRolloutBefore = endpoint.hasRollout;
    const prometheusAddress = 'http://prometheus-operated.monitoring:9090';
    const rollout = new k8s.CanaryRollout(chart, 'Rollout', { endpoint, policy, prometheusAddress, acceptApproximateTraffic: true });
    const budget = new k8s.BudgetGuard(chart, 'Budget', { namespace: 'ml-serving', budget: budgetSpec, gpuPrices: [{ accelerator: Accelerator.NVIDIA_L4, hourlyUsd: 0.8 }] });
    const pool = new k8s.KarpenterGpuNodePool(chart, 'Pool', { accelerator: Accelerator.NVIDIA_L4, maxGpus: 8 });
    return { endpoint: endpoint as AnyEndpoint, rollout, budget, pool, hadRolloutBefore, secondRollout: () => new k8s.CanaryRollout(chart, 'Again', { endpoint, policy, prometheusAddress, acceptApproximateTraffic: true }) };
  },
};

/** Each backend's ModelGateway over two endpoints (JWT + API keys), keyed by its capabilities' backend name. */
const GATEWAYS: Record<string, () => AnyGateway> = {
  'SageMaker': () => {
    const app = new cdk.App({ builtinCloudFormationValidation: false });
    const stack = new cdk.Stack(app, 'Gateway', { env: { account: '123456789012', region: 'eu-west-1' } });
    const endpoints = ['cnn', 'fraud'].map((name) => new aws.ModelEndpoint(stack, name, { ...spec('123456789012.dkr.ecr.eu-west-1.amazonaws.com'), metadata: { name, version: '1.0.0', owner: 'ml-platform' }, instanceType: 'ml.c6i.xlarge' }));
    return new aws.ModelGateway(stack, 'Gateway', { routes: endpoints.map((endpoint) => ({ endpoint })), jwt: GATEWAY_JWT, apiKeys: { requestsPerMinute: 100 } }) as AnyGateway;
  },
  'Kubernetes (Envoy Gateway)': () => {
    const chart = new Chart(K8sTesting.app(), 'c', { namespace: 'ml-gateway' });
    const endpoint = new k8s.ModelEndpoint(chart, 'Endpoint', { ...spec('registry.example.com'), namespace: 'ml-serving', modelDelivery: k8s.ModelDelivery.bakedIntoImage(), networkAccess: { ingress: [k8s.NetworkPeer.namespace(k8s.ENVOY_GATEWAY_NAMESPACE)] } });
    return new k8s.ModelGateway(chart, 'Gateway', { routes: [{ endpoint }], gateway: { name: 'public' }, apiKeys: { requestsPerMinute: 100 } }) as AnyGateway;
  },
  'Vertex AI': () => {
    let gateway: AnyGateway | undefined;
    Testing.synthScope((scope) => {
      new GoogleBetaProvider(scope, 'google-beta', { project: 'acme-ml', region: 'europe-west1' });
      const routes = ['cnn', 'fraud'].map((name) => ({ endpoint: new gcp.ModelEndpoint(scope, name, { ...spec('europe-west4-docker.pkg.dev/acme-ml/serving'), metadata: { name, version: '1.0.0', owner: 'ml-platform' }, project: 'acme-ml', region: 'europe-west4', machineType: 'n2-standard-4' }) }));
      gateway = new gcp.ModelGateway(scope, 'Gateway', { project: 'acme-ml', region: 'europe-west1', routes, jwt: GATEWAY_JWT, apiKeys: {} }) as AnyGateway;
    });
    return gateway!;
  },
};
const GATEWAY_JWT = { issuer: 'https://login.example.com/', audiences: ['https://models.example.com'], jwksUri: 'https://login.example.com/.well-known/jwks.json' };

/** A member is either the thing (of the given JS type) or a NotSupported that names this backend and says why. */
function expectMember(value: unknown, type: 'function' | 'object' | 'array', backend: string): void {
  if (NotSupported.is(value)) {
    expect(value.backend).toBe(backend);
    expect(value.reason.length).toBeGreaterThan(20);
    return;
  }
  if (type === 'array') expect(Array.isArray(value)).toBe(true);
  else expect(typeof value).toBe(type);
}

describe.each(Object.keys(BACKENDS))('backend contract: %s', (backend) => {
  const built = BACKENDS[backend]();

  test('the endpoint has every contract member, or says why not', () => {
    const e = built.endpoint;
    expect(typeof e.endpointName).toBe('string');
    expect(e.serving.metadata.name).toBe('digits');
    expect(Array.isArray(e.warnings)).toBe(true);
    expectMember(e.grantInvoke, 'function', backend);
    expectMember(e.metricLatency, 'function', backend);
    expectMember(e.errorRateAlarm, 'object', backend);
    expectMember(e.latencyAlarm, 'object', backend);
    expectMember(e.alarmTargets, 'array', backend);
  });

  (built.gateway ? test : test.skip)('the gateway has every contract member, or says why not', () => {
    const g = built.gateway!;
    expect(typeof g.gatewayName).toBe('string');
    expect(typeof g.url).toBe('string');
    expect(g.gateway.routes.map((r) => r.model)).toEqual(['digits']);
    expect(g.gateway.routes[0].path).toBe('/api/v1/digits');
    expect(Array.isArray(g.warnings)).toBe(true);
    expectMember(g.grantInvoke, 'function', backend);
    expectMember(g.metricLatency, 'function', backend);
    expectMember(g.errorRateAlarm, 'object', backend);
    expectMember(g.latencyAlarm, 'object', backend);
    expectMember(g.alarmTargets, 'array', backend);
  });

  test('hasRollout turns true when a CanaryRollout attaches', () => {
    expect(built.hadRolloutBefore).toBe(false);
    expect(built.endpoint.hasRollout).toBe(true);
  });

  test('a second rollout is refused with SpecValidationError on field endpoint, as on every backend', () => {
    // Reported at synth (a construct validation); collectSpecProblems reads it as the structured error.
    const again = built.secondRollout();
    const error = collectSpecProblems(again.node.root);
    expect(error).toBeInstanceOf(SpecValidationError);
    expect(error!.problems).toContainEqual(expect.objectContaining({ field: 'endpoint', allowed: 'one rollout per endpoint', construct: again.node.path }));
    expect(error!.message).toMatch(/endpoint: got \S*Endpoint, which already has a CanaryRollout/);
  });


  test('rollout, budget guard and node pool carry the contract members', () => {
    expect(built.rollout.rollout.steps.length).toBeGreaterThan(0);
    expect(Array.isArray(built.rollout.warnings)).toBe(true);
    expect(typeof built.budget.budgetName).toBe('string');
    expect(built.budget.budgetName.length).toBeGreaterThan(0);
    expect(built.budget.budget.monthlyLimitUsd).toBe(1000);
    expect(Array.isArray(built.budget.warnings)).toBe(true);
    expect(typeof built.pool.nodePoolName).toBe('string');
    expect(built.pool.accelerator).toBeInstanceOf(Accelerator);
    expect(Object.values(built.pool.nodeLabels)).toContain(built.pool.accelerator.nodeLabelValue);
  });
});

describe.each(Object.keys(GATEWAYS))('gateway contract: %s', (backend) => {
  const gateway = GATEWAYS[backend]();
  test('the gateway has every contract member, or says why not', () => {
    expect(typeof gateway.gatewayName).toBe('string');
    expect(gateway.gatewayName.length).toBeGreaterThan(0);
    expect(typeof gateway.url).toBe('string');
    expect(gateway.gateway.routes.length).toBeGreaterThan(0);
    for (const r of gateway.gateway.routes) expect(r.path).toBe(`/api/v1/${r.model}`);
    expect(gateway.gateway.apiKeys?.requestsPerMinute).toBe(100);
    expect(Array.isArray(gateway.warnings)).toBe(true);
    expectMember(gateway.grantInvoke, 'function', backend);
    expectMember(gateway.metricLatency, 'function', backend);
    expectMember(gateway.errorRateAlarm, 'object', backend);
    expectMember(gateway.latencyAlarm, 'object', backend);
    expectMember(gateway.alarmTargets, 'array', backend);
  });
});

test('every backend whose capabilities declare a gateway has a ModelGateway in the contract test', () => {
  const declared = [aws.SAGEMAKER_CAPABILITIES, gcp.VERTEX_CAPABILITIES, azure.AZURE_ML_CAPABILITIES, k8s.KUBERNETES_CAPABILITIES, k8s.ENVOY_GATEWAY_CAPABILITIES].filter((c) => c.gateway !== undefined).map((c) => c.backend);
  expect(declared).toEqual(expect.arrayContaining(['SageMaker', 'Azure ML', 'Kubernetes (Envoy Gateway)']));
  // Azure's gateway is built with its endpoint in BACKENDS (it needs the endpoint's workspace); the others here.
  const tested = [...Object.keys(GATEWAYS), ...Object.keys(BACKENDS).filter((b) => BACKENDS[b]().gateway !== undefined)];
  expect(tested.sort()).toEqual(declared.sort());
});

describe('contract members forward to the backend-specific ones', () => {
  test('AWS: grantInvoke gives exactly the invoke actions on the endpoint ARN; alarm targets say how to add actions', () => {
    const app = new cdk.App();
    const stack = new cdk.Stack(app, 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
    const endpoint = new aws.ModelEndpoint(stack, 'Endpoint', { ...spec('123456789012.dkr.ecr.eu-west-1.amazonaws.com'), instanceType: 'ml.c6i.xlarge' });
    const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    endpoint.grantInvoke(role);
    const statements = stack.resolve((role.node.findChild('DefaultPolicy') as iam.Policy).document.toJSON()).Statement;
    expect(statements).toEqual([expect.objectContaining({ Action: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointWithResponseStream'], Resource: stack.resolve(endpoint.endpointArn) })]);
    expect(endpoint.metricLatency().metricName).toBe('ModelLatency');
    expect(String(endpoint.alarmTargets)).toMatch(/not supported on SageMaker: .*addAlarmAction/);
  });

  test('Google Cloud: grantInvoke binds the predict-only role (as grantPredict); the alarms are the alert policies; targets are the notification channels', () => {
    const member = 'serviceAccount:app@acme-ml.iam.gserviceaccount.com';
    const json = JSON.parse(Testing.synthScope((scope) => {
      const channel = 'projects/acme-ml/notificationChannels/123';
      const endpoint = new gcp.ModelEndpoint(scope, 'Endpoint', { ...spec('europe-west4-docker.pkg.dev/acme-ml/serving'), project: 'acme-ml', region: 'europe-west4', machineType: 'n2-standard-4', notificationChannels: [channel] });
      endpoint.grantInvoke(member);
      expect(endpoint.errorRateAlarm).toBe(endpoint.errorRateAlert);
      expect(endpoint.latencyAlarm).toBe(endpoint.latencyAlert);
      expect(endpoint.alarmTargets).toEqual([channel]);
      expect(endpoint.metricLatency()).toEqual(endpoint.metricPredictionLatencies());
    }));
    const roles = Object.values(json.resource.google_project_iam_custom_role as Record<string, { permissions: string[] }>);
    expect(roles.map((r) => r.permissions)).toContainEqual(['aiplatform.endpoints.predict']);
    const bindings = Object.values(json.resource.google_project_iam_member as Record<string, { member: string; role: string }>).filter((b) => b.member === member);
    expect(bindings).toHaveLength(1);
    expect(bindings[0].role).toMatch(/google_project_iam_custom_role\.Endpoint_PredictGrant_.*\.name/);
  });

  test('Azure: grantInvoke assigns the score role to the principal at the endpoint; granting twice returns the first', () => {
    const principal = '00000000-0000-0000-0000-000000000001';
    let grants: unknown[] = [];
    const json = Testing.synthScope((scope) => {
      const endpoint = new azure.ModelEndpoint(scope, 'Endpoint', { ...spec('contoso.azurecr.io'), resourceGroupName: 'rg', location: 'westeurope', instanceType: 'Standard_DS3_v2', alertActionGroupIds: ['/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/actionGroups/oncall'] });
      grants = [endpoint.grantInvoke(principal), endpoint.grantInvoke(principal)];
      expect(endpoint.errorRateAlarm).toBe(endpoint.alerts.errorRate);
      expect(endpoint.alarmTargets).toEqual(['/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/actionGroups/oncall']);
    });
    expect(grants[0]).toBe(grants[1]);
    const assignments = Object.values(JSON.parse(json).resource.azurerm_role_assignment as Record<string, { principal_id: string; scope: string }>);
    const scored = assignments.filter((a) => a.principal_id === principal);
    expect(scored).toHaveLength(1);
    expect(scored[0].scope).toMatch(/azapi_resource\.Endpoint_.*\.id/);
  });

  test('Kubernetes: no grant (NetworkPolicy and EndpointAuth decide), alarms are the PrometheusRule alerts', () => {
    const chart = new Chart(K8sTesting.app(), 'c', { namespace: 'ml-serving' });
    const endpoint = new k8s.ModelEndpoint(chart, 'Endpoint', { ...spec('registry.example.com'), modelDelivery: k8s.ModelDelivery.bakedIntoImage(), serviceMonitor: true });
    expect(String(endpoint.grantInvoke)).toMatch(/not supported on Kubernetes: .*NetworkPolicy/);
    expect(endpoint.errorRateAlarm).toEqual(expect.objectContaining({ alert: 'ModelServingErrorRateHigh' }));
    expect(endpoint.metricLatency()).toMatch(/^histogram_quantile\(0\.99, .*namespace="ml-serving"/);
    const plain = new k8s.ModelEndpoint(chart, 'NoMonitor', { ...spec('registry.example.com'), endpointName: 'other', modelDelivery: k8s.ModelDelivery.bakedIntoImage() });
    expect(String(plain.errorRateAlarm)).toMatch(/serviceMonitor: true/);
  });
});

describe('resolver warnings surface the same way on every toolkit', () => {
  // A remote model without a signature is the resolver's warning on every backend (lib/resolve-serving.ts).
  const TEXT = /^model-serving:model: \S+ has no signature: the server cannot check requests/;

  test('AWS CDK: an Annotations warning with the id model-serving:model', () => {
    const app = new cdk.App();
    const stack = new cdk.Stack(app, 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
    const e = new aws.ModelEndpoint(stack, 'Endpoint', { ...spec('123456789012.dkr.ecr.eu-west-1.amazonaws.com'), model: ModelArtifact.fromUri('s3://acme-models/digits/1/model.onnx'), instanceType: 'ml.c6i.xlarge' });
    expect(e.warnings.map((w) => w.field)).toEqual(['model']);
    const texts = e.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
    expect(texts).toContainEqual(expect.stringMatching(/has no signature: .* \[ack: model-serving:model\]$/));
  });

  test('cdktf (Google Cloud and Azure): @cdktf/warn metadata with the one text', () => {
    const texts: string[][] = [];
    Testing.synthScope((scope) => {
      const g = new gcp.ModelEndpoint(scope, 'G', { ...spec('europe-west4-docker.pkg.dev/acme-ml/serving'), model: ModelArtifact.fromUri('gs://acme-models/digits/1.0.0/digits.onnx'), project: 'acme-ml', region: 'europe-west4', machineType: 'n2-standard-4' });
      const a = new azure.ModelEndpoint(scope, 'A', { ...spec('contoso.azurecr.io'), model: ModelArtifact.fromUri('https://acct.blob.core.windows.net/models/m.onnx'), resourceGroupName: 'rg', location: 'westeurope', instanceType: 'Standard_DS3_v2' });
      for (const e of [g, a]) texts.push(e.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => String(m.data)));
    });
    for (const t of texts) expect(t).toContainEqual(expect.stringMatching(TEXT));
  });

  test('cdk8s: model-serving:warning node metadata with the one text', () => {
    const chart = new Chart(K8sTesting.app(), 'c', { namespace: 'ml-serving' });
    const e = new k8s.ModelEndpoint(chart, 'Endpoint', { ...spec('registry.example.com'), model: ModelArtifact.fromUri('s3://acme-models/digits/1/model.onnx'), modelCredentials: k8s.ModelCredentials.ambient(), modelDelivery: k8s.ModelDelivery.initContainer({ image: 'registry.example.com/model-fetch:1.0.0' }) });
    const texts = e.node.metadata.filter((m) => m.type === 'model-serving:warning').map((m) => String(m.data));
    expect(texts).toEqual([expect.stringMatching(TEXT)]);
  });
});
