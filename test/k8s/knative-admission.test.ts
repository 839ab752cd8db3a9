/**
 * Every serverless InferenceService the constructs can produce passes Knative Serving's admission rules
 * (test/support/knative-admission.ts: knative/serving pkg/apis/serving/fieldmask.go, k8s_validation.go and
 * pkg/apis/config/features.go at commit 98e5ef90aa7033797aa0a61ef97f3ff7e49a3944) with Knative's default
 * feature flags, plus only the flags the README names as a cluster prerequisite. RawDeployment output keeps
 * the full hardened pod and still passes KServe's CRD.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Chart } from 'cdk8s';
import { Accelerator, Duration, ModelArtifact, RolloutPolicy, ScalingTarget } from '../../lib';
import {
  AcceleratorNodeSelector,
  CanaryRollout,
  KarpenterGpuNodePool,
  ModelCredentials,
  ModelDelivery,
  ModelEndpoint,
  ModelEndpointProps,
  ServingFlavour,
} from '../../constructs/k8s';
import { Manifest, findOne, restrictedViolations, expectSchemaValid, synthChart } from '../support/k8s-helpers';
import { KnativeFlag, knativeAdmissionProblems } from '../support/knative-admission';
import { image, metadata, model } from './fixtures';
import { expectNoProblems, expectProblems } from '../support/expect-problems';

const s3 = ModelArtifact.fromUri('s3://models/digits/model.onnx');
const base = (o: Partial<ModelEndpointProps> = {}): ModelEndpointProps =>
  ({ model: s3, metadata, image, modelCredentials: ModelCredentials.ambient(), flavour: ServingFlavour.kserve(), ...o }) as ModelEndpointProps;

/** The Knative flags the README's "What the cluster needs" table names for the KServe flavour. */
function readmeKnativeFlags(): KnativeFlag[] {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const row = readme.split('\n').find((l) => l.startsWith('| `ServingFlavour.kserve()`'));
  if (!row) throw new Error('README: no "What the cluster needs" row for ServingFlavour.kserve()');
  return [...row.matchAll(/`(kubernetes\.[a-z-]+)`/g)].map((m) => m[1] as KnativeFlag);
}

// GPU utilization is a KEDA target; KServe (serverless) scales on CPU or requests.
const cpu = { targets: [ScalingTarget.cpuUtilization(70)] };
type Variant = [string, (chart: Chart) => void];
const endpoint = (o: Partial<ModelEndpointProps> = {}) => (chart: Chart) => { new ModelEndpoint(chart, 'E', base(o)); };
const SERVERLESS: Variant[] = [
  ['default', endpoint()],
  ['containerConcurrency and timeout', endpoint({ flavour: ServingFlavour.kserve({ containerConcurrency: 8, timeout: Duration.minutes(10) }) })],
  ['scale to zero on requests, request timeout', endpoint({ scaling: { minReplicas: 0, maxReplicas: 3, targets: [ScalingTarget.invocationsPerReplicaPerSecond(20)] }, server: { requestTimeout: Duration.seconds(45) } })],
  ['GPU', endpoint({ accelerator: Accelerator.NVIDIA_L4, scaling: cpu })],
  ['GPU on GKE labels', endpoint({ accelerator: Accelerator.NVIDIA_L4, acceleratorNodeSelector: AcceleratorNodeSelector.gke(), scaling: cpu })],
  ['GPU on a Karpenter pool', (chart) => {
    const pool = new KarpenterGpuNodePool(chart, 'Pool', { accelerator: Accelerator.NVIDIA_L4, maxGpus: 4 });
    new ModelEndpoint(chart, 'E', base({ accelerator: Accelerator.NVIDIA_L4, nodePool: pool, scaling: cpu }));
  }],
  ['model on a PVC', endpoint({ model, modelCredentials: undefined, modelDelivery: ModelDelivery.persistentVolumeClaim('models', { subPath: 'digits/1' }) })],
  ['model baked into the image', endpoint({ model, modelCredentials: undefined, modelDelivery: ModelDelivery.bakedIntoImage() })],
  ['storage Secret', endpoint({ modelCredentials: ModelCredentials.secret('model-storage') })],
  ['IRSA', endpoint({ modelCredentials: ModelCredentials.awsIamRole('arn:aws:iam::123456789012:role/reader') })],
  ['Azure workload identity', endpoint({ model: ModelArtifact.fromUri('https://acct.blob.core.windows.net/models/digits/model.onnx'), modelCredentials: ModelCredentials.azureWorkloadIdentity('00000000-0000-0000-0000-000000000000') })],
  ['own user id', endpoint({ runAsUser: 1000 })],
  ['canary', (chart) => {
    const e = new ModelEndpoint(chart, 'E', base());
    new CanaryRollout(chart, 'C', { endpoint: e, policy: RolloutPolicy.canary({ trafficPercent: 10, bake: Duration.minutes(30) }), acceptManualPromotion: true });
  }],
];

describe('Knative admission of serverless InferenceServices', () => {
  const flags = readmeKnativeFlags();

  test('the README names the flags GPU placement needs, and no others', () => {
    expect(flags.sort()).toEqual(['kubernetes.podspec-nodeselector', 'kubernetes.podspec-tolerations']);
  });

  const synthesized = SERVERLESS.map(([name, build]) => [name, synthChart(build)] as const);
  test.each(synthesized)('%s: admitted with the default feature flags (+ the README\'s) and Pod Security "restricted"', (_name, docs) => {
    const isvc = findOne(docs, 'InferenceService');
    expect(isvc.metadata.annotations['serving.kserve.io/deploymentMode']).toBe('Serverless');
    expect(knativeAdmissionProblems(isvc, flags)).toEqual([]);
    expect(restrictedViolations(isvc.spec.predictor)).toEqual([]);
  });

  test('every variant still passes KServe\'s CRD and the Kubernetes schemas', () => {
    expectSchemaValid(synthesized.flatMap(([, docs]) => docs));
  });

  test('without the README\'s flags, only GPU placement is refused, by flag name', () => {
    const gpu = findOne(synthChart(endpoint({ accelerator: Accelerator.NVIDIA_L4, scaling: cpu })), 'InferenceService');
    expect(knativeAdmissionProblems(gpu)).toEqual([
      expect.stringMatching(/spec\.predictor\.nodeSelector: must not set the field \(feature flag kubernetes\.podspec-nodeselector is Disabled\)/),
      expect.stringMatching(/spec\.predictor\.tolerations: must not set the field \(feature flag kubernetes\.podspec-tolerations is Disabled\)/),
    ]);
    expect(knativeAdmissionProblems(findOne(synthChart(endpoint()), 'InferenceService'))).toEqual([]);
  });

  test('the serverless pod: no lifecycle, grace period, pod securityContext or spread; user and seccomp on the container; unnamed port probed by number', () => {
    const p = findOne(synthChart(endpoint({ runAsUser: 1000 })), 'InferenceService').spec.predictor;
    expect(p.terminationGracePeriodSeconds).toBeUndefined();
    expect(p.securityContext).toBeUndefined();
    expect(p.topologySpreadConstraints).toBeUndefined();
    const c = p.containers[0];
    expect(c.lifecycle).toBeUndefined();
    expect(c.ports).toEqual([{ containerPort: 8080, protocol: 'TCP' }]);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 8080 });
    expect(c.startupProbe.httpGet.port).toBe(8080);
    expect(c.livenessProbe.httpGet.port).toBe(8080);
    expect(c.securityContext).toEqual({
      runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  test('a revision timeout above Knative\'s default maximum (600 s) is refused at synth', () => {
    const build = (o: Partial<ModelEndpointProps>) => () => synthChart(endpoint(o));
    expectProblems(build({ flavour: ServingFlavour.kserve({ timeout: Duration.minutes(11) }) }), /flavour\.timeout: got 11min; allowed: from 1 second to 10 minutes on KServe \(serverless\): Knative refuses a revision timeout above its max-revision-timeout-seconds/);
    expectProblems(build({ server: { requestTimeout: Duration.minutes(20) } }), /server\.requestTimeout: got 20min; allowed: on KServe \(serverless\): at most 10min/);
    expectNoProblems(build({ flavour: ServingFlavour.kserve({ serverless: false, timeout: Duration.minutes(30) }) }));
  });

  test('RawDeployment keeps the whole hardened pod (KServe makes a Deployment of it) and passes KServe\'s CRD', () => {
    const docs = synthChart(endpoint({ flavour: ServingFlavour.kserve({ serverless: false }) }));
    const p = findOne(docs, 'InferenceService').spec.predictor;
    expect(p.terminationGracePeriodSeconds).toBe(40);
    expect(p.securityContext).toMatchObject({ runAsNonRoot: true, fsGroup: 65532 });
    expect(p.topologySpreadConstraints).toHaveLength(2);
    expect(p.containers[0].lifecycle).toEqual({ preStop: { sleep: { seconds: 5 } } });
    expectSchemaValid(docs);
  });
});

describe('the Knative admission checker', () => {
  const isvc = findOne(synthChart(endpoint()), 'InferenceService');
  const edit = (f: (d: Manifest) => void): Manifest => {
    const copy = JSON.parse(JSON.stringify(isvc)) as Manifest;
    f(copy);
    return copy;
  };
  test.each<[string, (d: Manifest) => void, RegExp]>([
    ['container lifecycle', (d) => (d.spec.predictor.containers[0].lifecycle = { preStop: { sleep: { seconds: 5 } } }), /containers\[0\]\.lifecycle: must not set the field/],
    ['terminationGracePeriodSeconds', (d) => (d.spec.predictor.terminationGracePeriodSeconds = 40), /terminationGracePeriodSeconds: must not set the field \(not allowed/],
    ['pod securityContext', (d) => (d.spec.predictor.securityContext = { runAsNonRoot: true }), /securityContext: must not set the field \(feature flags kubernetes\.podspec-securitycontext and secure-pod-defaults are Disabled\)/],
    ['topologySpreadConstraints', (d) => (d.spec.predictor.topologySpreadConstraints = []), /topologySpreadConstraints: must not set the field \(feature flag kubernetes\.podspec-topologyspreadconstraints is Disabled\)/],
    ['port named http', (d) => (d.spec.predictor.containers[0].ports[0].name = 'http'), /Port name http is not allowed/],
    ['a second port', (d) => d.spec.predictor.containers[0].ports.push({ containerPort: 8081, protocol: 'TCP' }), /more than one container port is set/],
    ['a probe naming another port', (d) => (d.spec.predictor.containers[0].readinessProbe.httpGet.port = 'grpc'), /readinessProbe\.httpGet\.port: invalid value grpc/],
    ['a reserved port', (d) => (d.spec.predictor.containers[0].ports[0].containerPort = 8012), /8012 is a reserved port/],
    ['a reserved env var', (d) => d.spec.predictor.containers[0].env.push({ name: 'PORT', value: '1' }), /"PORT" is a reserved environment variable/],
    ['a fieldRef env var', (d) => d.spec.predictor.containers[0].env.push({ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }), /valueFrom\.fieldRef: must not set the field \(feature flag kubernetes\.podspec-fieldref is Disabled\)/],
    ['a timeout above 600 s', (d) => (d.spec.predictor.timeout = 900), /timeout: expected 0 <= 900 <= 600/],
  ])('refuses %s', (_what, f, message) => {
    expect(knativeAdmissionProblems(edit(f))).toContainEqual(expect.stringMatching(message));
  });
});
