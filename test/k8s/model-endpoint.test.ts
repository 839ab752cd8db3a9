import { App, Chart, Testing } from 'cdk8s';
import { parseServerEnvironment } from '../../lib/contract';
import { Accelerator, DEFAULT_DRAIN_SECONDS, Duration, LatencyPercentile, ModelArtifact, ScalingTarget, ServingImage, Size } from '../../lib';
import {
  AcceleratorNodeSelector,
  KarpenterGpuNodePool,
  ModelDelivery,
  ModelEndpoint,
  ModelEndpointProps,
  ServingFlavour, ModelCredentials } from '../../constructs/k8s';
import { findAll, findOne, Manifest, podSpecs, restrictedViolations, expectSchemaValid, synthChart } from '../support/k8s-helpers';
import { PROMETHEUS, baseProps, image, metadata, model } from './fixtures';
import { expectNoProblems, expectProblems } from '../support/expect-problems';

function synth(props: ModelEndpointProps): Manifest[] {
  return synthChart((chart) => new ModelEndpoint(chart, 'Endpoint', props));
}
function container(docs: Manifest[], kind = 'Deployment'): Manifest {
  const d = findOne(docs, kind);
  return kind === 'InferenceService' ? d.spec.predictor.containers[0] : d.spec.template.spec.containers[0];
}
const s3Model = ModelArtifact.fromUri('s3://models/digits/model.onnx');

describe('ModelEndpoint, plain flavour', () => {
  test('default snapshot', () => {
    expect(synth(baseProps())).toMatchSnapshot();
  });

  test('emits ServiceAccount, Deployment, Service, HPA, PDB and NetworkPolicy that pass their schemas', () => {
    const docs = synth(baseProps());
    expect(docs.map((d) => d.kind)).toEqual(['ServiceAccount', 'Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy']);
    expectSchemaValid(docs);
  });

  test('rolling update never takes a ready replica away, and the autoscaler owns replicas', () => {
    const d = findOne(synth(baseProps()), 'Deployment');
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    expect(d.spec.replicas).toBeUndefined();
  });

  test('HPA tracks 70% CPU by default between the spec replica bounds', () => {
    const hpa = findOne(synth(baseProps({ scaling: { minReplicas: 2, maxReplicas: 5 } })), 'HorizontalPodAutoscaler');
    expect(hpa.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'digits' },
      minReplicas: 2,
      maxReplicas: 5,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    });
    expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
  });

  test('probes match the server routes; grace period outlasts preStop and drain', () => {
    const docs = synth(baseProps());
    const c = container(docs);
    expect(c.startupProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 'http' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/v2/health/live', port: 'http' });
    const sleep = c.lifecycle.preStop.sleep.seconds;
    expect(sleep).toBeGreaterThan(0);
    const grace = findOne(docs, 'Deployment').spec.template.spec.terminationGracePeriodSeconds;
    expect(grace).toBeGreaterThan(sleep + DEFAULT_DRAIN_SECONDS);
  });

  test('server environment comes from the shared spec', () => {
    const env = container(synth(baseProps({ server: { maxBatchSize: 32, requestTimeout: Duration.seconds(10) } }))).env;
    expect(env).toEqual(expect.arrayContaining([
      { name: 'MODEL_SERVER_MODEL_NAME', value: 'digits' },
      { name: 'MODEL_SERVER_MAX_BATCH_SIZE', value: '32' },
      { name: 'MODEL_SERVER_REQUEST_TIMEOUT_MS', value: '10000' },
    ]));
    expect(env.find((e: Manifest) => e.name === 'MODEL_SERVER_MODEL_SIGNATURE').value).toContain('"opset"');
  });

  test('requests equal limits; cpu and memory props change them', () => {
    const c = container(synth(baseProps({ cpu: 0.5, memory: Size.mebibytes(768) })));
    expect(c.resources.requests).toEqual({ cpu: '500m', memory: '768Mi', 'ephemeral-storage': '1Gi' });
    expect(c.resources.limits).toEqual(c.resources.requests);
  });

  test('hardened: restricted Pod Security, own ServiceAccount without token, read-only root with /tmp', () => {
    const docs = synth(baseProps());
    const pod = findOne(docs, 'Deployment').spec.template.spec;
    expect(restrictedViolations(pod)).toEqual([]);
    expect(pod.serviceAccountName).toBe('digits');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(findOne(docs, 'ServiceAccount').automountServiceAccountToken).toBe(false);
    expect(pod.volumes).toContainEqual({ name: 'tmp', emptyDir: { sizeLimit: '1Gi' } });
    expect(container(docs).volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
  });

  test('NetworkPolicy admits callers only on the serving ports (HTTP, and gRPC while it is on), Prometheus only on the metrics port', () => {
    // Issue 16 / security review H2: with /metrics on the serving port, every caller admitted there could read it.
    // The server serves /metrics only on MODEL_SERVER_METRICS_PORT once it is set (runtime/test/metrics-port.test.ts).
    const np = findOne(synth(baseProps()), 'NetworkPolicy');
    const prometheus = { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }], ports: [{ port: 9464, protocol: 'TCP' }] };
    expect(np.spec).toEqual({
      podSelector: { matchLabels: { 'model-serving.dev/endpoint': 'digits' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 8080, protocol: 'TCP' }, { port: 8081, protocol: 'TCP' }] }, prometheus],
    });
    const off = findOne(synth(baseProps({ server: { grpc: false } })), 'NetworkPolicy');
    expect(off.spec.ingress).toEqual([{ from: [{ podSelector: {} }], ports: [{ port: 8080, protocol: 'TCP' }] }, prometheus]);
  });

  test('metrics port: the server is told to serve /metrics on 9464 only, and the container and Service expose it as `metrics`', () => {
    const docs = synth(baseProps());
    const c = container(docs);
    expect(c.env).toContainEqual({ name: 'MODEL_SERVER_METRICS_PORT', value: '9464' });
    // The server's own parser reads the rendered variables: metrics listener on the port the objects name.
    const env = Object.fromEntries((c.env as Manifest[]).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
    const parsed = parseServerEnvironment(env);
    expect(parsed.problems).toEqual([]);
    expect(parsed.config.metricsPort).toBe(9464);
    expect(c.ports).toContainEqual({ name: 'metrics', containerPort: parsed.config.metricsPort, protocol: 'TCP' });
    expect(findOne(docs, 'Service').spec.ports).toContainEqual({ name: 'metrics', port: 9464, targetPort: 'metrics', protocol: 'TCP' });
    // Probes stay on the serving port (health routes are served there, not on the metrics listener).
    expect(c.readinessProbe.httpGet.port).toBe('http');
    expectSchemaValid(docs);
  });

  test('gRPC: the container and the Service expose the server\'s gRPC port as h2c; off, the server is told to close it', () => {
    const docs = synth(baseProps());
    const container = findOne(docs, 'Deployment').spec.template.spec.containers[0];
    expect(container.ports).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'grpc', containerPort: 8081, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9464, protocol: 'TCP' },
    ]);
    expect(findOne(docs, 'Service').spec.ports).toEqual([
      { name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' },
      { name: 'grpc', port: 8081, targetPort: 'grpc', protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' },
      { name: 'metrics', port: 9464, targetPort: 'metrics', protocol: 'TCP' },
    ]);
    expect(container.env.find((e: Manifest) => e.name === 'MODEL_SERVER_GRPC_PORT')).toBeUndefined();
    const off = synth(baseProps({ server: { grpc: false } }));
    const offContainer = findOne(off, 'Deployment').spec.template.spec.containers[0];
    expect(offContainer.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'metrics', containerPort: 9464, protocol: 'TCP' }]);
    expect(offContainer.env).toContainEqual({ name: 'MODEL_SERVER_GRPC_PORT', value: '0' });
    expect(findOne(off, 'Service').spec.ports.map((p: Manifest) => p.name)).toEqual(['http', 'metrics']);
    expectSchemaValid(docs);
  });

  test('gRPC on KServe: Knative routes one container port, so the server\'s gRPC is off and asking for it is refused', () => {
    const kserveProps = { model: ModelArtifact.fromUri('s3://models/digits/1/', { signature: model.signature }), metadata, image, flavour: ServingFlavour.kserve(), modelCredentials: ModelCredentials.ambient() } as ModelEndpointProps;
    const isvc = findOne(synth(kserveProps), 'InferenceService');
    expect(isvc.spec.predictor.containers[0].ports).toHaveLength(1);
    expect(isvc.spec.predictor.containers[0].env).toContainEqual({ name: 'MODEL_SERVER_GRPC_PORT', value: '0' });
    expectProblems(() => synth({ ...kserveProps, server: { grpc: true } }), /server\.grpc: got true; allowed: on KServe \(serverless\): false: the platform forwards HTTP to one container port/);
  });

  test('PDB never blocks a drain of a single replica', () => {
    expect(findOne(synth(baseProps()), 'PodDisruptionBudget').spec).toMatchObject({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
  });

  test('topology spread across zones and hosts', () => {
    const tsc = findOne(synth(baseProps()), 'Deployment').spec.template.spec.topologySpreadConstraints;
    expect(tsc.map((t: Manifest) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
  });

  test('model metadata becomes labels on every object', () => {
    const docs = synth(baseProps({ metadata: { ...metadata, framework: 'pytorch-2.4', trainedOn: '2026-10-31' } }));
    for (const d of docs) {
      expect(d.metadata.labels).toMatchObject({
        'model-serving.dev/name': 'digits',
        'model-serving.dev/version': '1.0.0',
        'model-serving.dev/owner': 'ml-platform',
        'model-serving.dev/framework': 'pytorch-2.4',
        'model-serving.dev/trained-on': '2026-10-31',
        'app.kubernetes.io/managed-by': 'model-serving-constructs',
      });
    }
  });

  test('name and namespace props', () => {
    const docs = synth(baseProps({ endpointName: 'digits-v2', namespace: 'ml' }));
    for (const d of docs) {
      expect(d.metadata).toMatchObject({ name: 'digits-v2', namespace: 'ml' });
    }
  });

  describe('model delivery', () => {
    test('PVC is mounted read-only at /mnt/models', () => {
      const docs = synth(baseProps({ modelDelivery: ModelDelivery.persistentVolumeClaim('models', { subPath: 'digits/1' }) }));
      const pod = findOne(docs, 'Deployment').spec.template.spec;
      expect(pod.volumes).toContainEqual({ name: 'model', persistentVolumeClaim: { claimName: 'models', readOnly: true } });
      expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'model', mountPath: '/mnt/models', readOnly: true, subPath: 'digits/1' });
    });

    test('baked into the image mounts nothing', () => {
      const pod = findOne(synth(baseProps()), 'Deployment').spec.template.spec;
      expect(pod.volumes.map((v: Manifest) => v.name)).toEqual(['tmp']);
      expect(pod.initContainers).toBeUndefined();
    });

    test('init container gets the URI and an emptyDir, and is hardened too', () => {
      const docs = synth(baseProps({ model: s3Model, modelCredentials: ModelCredentials.ambient(), modelDelivery: ModelDelivery.initContainer({ image: 'registry.example.com/fetch:1', args: ['--to', '/mnt/models'] }) }));
      const pod = findOne(docs, 'Deployment').spec.template.spec;
      expect(pod.initContainers[0]).toMatchObject({
        name: 'model-download',
        image: 'registry.example.com/fetch:1',
        args: ['--to', '/mnt/models'],
        env: [{ name: 'MODEL_URI', value: 's3://models/digits/model.onnx' }, { name: 'MODEL_DIR', value: '/mnt/models' }],
      });
      expect(pod.volumes).toContainEqual({ name: 'model', emptyDir: { sizeLimit: '2Gi' } });
      expect(restrictedViolations(pod)).toEqual([]);
      expectSchemaValid(docs);
    });
  });

  describe('GPUs', () => {
    const gpu = (o: Partial<ModelEndpointProps> = {}) =>
      baseProps({ accelerator: Accelerator.NVIDIA_L4, acceleratorCount: 2, namespace: 'ml', keda: { prometheusAddress: PROMETHEUS }, ...o });

    test('GPU limit, accelerator node selector and explicit toleration', () => {
      const docs = synth(gpu());
      const pod = findOne(docs, 'Deployment').spec.template.spec;
      expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe('2');
      expect(pod.containers[0].resources.requests['nvidia.com/gpu']).toBe('2');
      expect(pod.nodeSelector).toEqual({ 'model-serving.dev/accelerator': 'nvidia-l4' });
      expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
      expect(findOne(docs, 'Deployment').spec.template.metadata.labels['model-serving.dev/accelerator']).toBe('nvidia-l4');
    });

    test('GKE selector uses the GKE accelerator label', () => {
      const pod = findOne(synth(gpu({ acceleratorNodeSelector: AcceleratorNodeSelector.gke() })), 'Deployment').spec.template.spec;
      expect(pod.nodeSelector).toEqual({ 'cloud.google.com/gke-accelerator': 'nvidia-l4' });
    });

    test('a KarpenterGpuNodePool adds the Karpenter pool selector', () => {
      const docs = synthChart((chart) => {
        const pool = new KarpenterGpuNodePool(chart, 'Pool', { accelerator: Accelerator.NVIDIA_L4, maxGpus: 4 });
        new ModelEndpoint(chart, 'Endpoint', gpu({ nodePool: pool }));
      });
      const pod = findOne(docs, 'Deployment').spec.template.spec;
      expect(pod.nodeSelector).toEqual({ 'model-serving.dev/accelerator': 'nvidia-l4', 'karpenter.sh/nodepool': 'gpu-nvidia-l4' });
      // The pool's node labels and taint match what the pod selects and tolerates.
      const np = findOne(docs, 'NodePool');
      expect(np.spec.template.metadata.labels).toMatchObject({ 'model-serving.dev/accelerator': 'nvidia-l4' });
      expect(np.spec.template.spec.taints[0]).toMatchObject({ key: 'nvidia.com/gpu', effect: 'NoSchedule' });
    });

    test('default GPU target scales through KEDA on DCGM utilization, with no second HPA', () => {
      const docs = synth(gpu());
      expect(findAll(docs, 'HorizontalPodAutoscaler')).toEqual([]);
      const so = findOne(docs, 'ScaledObject');
      expect(so.spec).toMatchObject({ minReplicaCount: 1, maxReplicaCount: 2, scaleTargetRef: { kind: 'Deployment', name: 'digits' } });
      expect(so.spec.triggers[0]).toMatchObject({ type: 'prometheus', name: 'gpu-utilization', metadata: { serverAddress: PROMETHEUS, threshold: '70' } });
      expect(so.spec.triggers[0].metadata.query).toContain('DCGM_FI_DEV_GPU_UTIL');
      expectSchemaValid(docs);
    });

    test('the GPU query matches dcgm-exporter series as its Helm chart\'s ServiceMonitor stores them (honorLabels: false)', () => {
      const query: string = findOne(synth(gpu()), 'ScaledObject').spec.triggers[0].metadata.query;
      expect(query).toBe('avg(DCGM_FI_DEV_GPU_UTIL{exported_namespace="ml",exported_pod=~"digits-[a-z0-9]{1,10}-[a-z0-9]{5}"})');
      // NVIDIA/dcgm-exporter deployment/values.yaml (commit 9190a38): serviceMonitor.honorLabels: false. Prometheus
      // scrape_config docs, honor_labels: "If honor_labels is set to "false", label conflicts are resolved by
      // renaming conflicting labels in the scraped data to "exported_<original-label>"". The exporter's pod
      // mapping writes the workload's namespace/pod; the target labels are the exporter pod's own.
      const exposed = { gpu: '0', namespace: 'ml', pod: 'digits-7d9f-abcde', container: 'server' };
      const target = { namespace: 'gpu-operator', pod: 'nvidia-dcgm-exporter-x7k2p', job: 'nvidia-dcgm-exporter' };
      const stored: Record<string, string> = { ...target };
      for (const [k, v] of Object.entries(exposed)) stored[k in target ? `exported_${k}` : k] = v;
      const matchers = [...query.matchAll(/(\w+)(=~|=)"([^"]*)"/g)].map(([, label, op, value]) => ({ label, op, value }));
      const matches = (series: Record<string, string>) => matchers.every(({ label, op, value }) =>
        op === '=' ? series[label] === value : new RegExp(`^(?:${value})$`).test(series[label] ?? ''));
      expect(matches(stored)).toBe(true);
      // Another namespace's workload on the same GPU node is not read.
      expect(matches({ ...stored, exported_namespace: 'other' })).toBe(false);
    });
  });

  test('KEDA queue-depth trigger next to the CPU trigger', () => {
    const so = findOne(synth(baseProps({ namespace: 'ml', keda: { prometheusAddress: PROMETHEUS, queueDepthPerReplica: 16 } })), 'ScaledObject');
    expect(so.spec.triggers).toEqual([
      { type: 'cpu', metricType: 'Utilization', metadata: { value: '70' } },
      { type: 'prometheus', name: 'queue-depth', metadata: { serverAddress: PROMETHEUS, query: 'sum(model_server_queue_depth{namespace="ml",model="digits",pod=~"digits-[a-z0-9]{1,10}-[a-z0-9]{5}"})', threshold: '16' } },
    ]);
  });

  test('invocations per replica scale on the request counter', () => {
    const so = findOne(synth(baseProps({ namespace: 'ml', keda: { prometheusAddress: PROMETHEUS }, scaling: { targets: [ScalingTarget.invocationsPerReplicaPerSecond(40)] } })), 'ScaledObject');
    expect(so.spec.triggers[0].metadata).toMatchObject({ query: 'sum(rate(model_server_requests_total{namespace="ml",model="digits",pod=~"digits-[a-z0-9]{1,10}-[a-z0-9]{5}"}[1m]))', threshold: '40' });
  });

  test('concurrent requests per replica (queue depth) scale on the server\'s in-flight gauge', () => {
    const so = findOne(synth(baseProps({ namespace: 'ml', keda: { prometheusAddress: PROMETHEUS }, scaling: { targets: [ScalingTarget.concurrentRequestsPerReplica(6)] } })), 'ScaledObject');
    expect(so.spec.triggers).toEqual([{ type: 'prometheus', name: 'concurrent-requests', metadata: { serverAddress: PROMETHEUS, query: 'sum(model_server_inflight_requests{namespace="ml",model="digits",pod=~"digits-[a-z0-9]{1,10}-[a-z0-9]{5}"})', threshold: '6' } }]);
  });

  test('queries are scoped to the namespace: the same model in two namespaces reads two sets of series', () => {
    const queries = ['team-a', 'team-b'].map((namespace) =>
      findOne(synth(baseProps({ namespace, keda: { prometheusAddress: PROMETHEUS, queueDepthPerReplica: 8 } })), 'ScaledObject').spec.triggers[1].metadata.query,
    );
    expect(queries).toEqual([
      'sum(model_server_queue_depth{namespace="team-a",model="digits",pod=~"digits-[a-z0-9]{1,10}-[a-z0-9]{5}"})',
      'sum(model_server_queue_depth{namespace="team-b",model="digits",pod=~"digits-[a-z0-9]{1,10}-[a-z0-9]{5}"})',
    ]);
  });

  // Prometheus label matchers are fully anchored (Prometheus docs, "Querying basics": "Regex matches are
  // fully anchored. A match of env=~"foo" is treated as env=~"^foo$""). Pod names: Deployment and Argo
  // Rollout pods are <name>-<pod-template-hash>-<5 character suffix> (ReplicaSet <name>-<hash>, pod
  // generateName <replicaset>-); KServe RawDeployment's Deployment is <isvc>-predictor (kserve/kserve
  // pkg/constants/constants.go PredictorServiceName, commit aaac4e29); serverless pods come from the Knative
  // revision <ksvc>-<%05d generation> (knative/serving pkg/reconciler/configuration/resources/revision.go) and its
  // Deployment <revision>-deployment (pkg/reconciler/revision/resources/names/names.go, commit 98e5ef90).
  const anchored = (query: string, series: Record<string, string>) =>
    [...query.matchAll(/(\w+)(=~|=)"([^"]*)"/g)].every(([, label, op, value]) =>
      op === '=' ? series[label] === value : new RegExp(`^(?:${value})$`).test(series[label] ?? ''));

  test('an endpoint whose name prefixes another\'s reads only its own pods (KEDA and guardrail alerts)', () => {
    const chart = new Chart(new App(), 'c', { namespace: 'ml' });
    const props = { namespace: 'ml', keda: { prometheusAddress: PROMETHEUS, queueDepthPerReplica: 8 }, serviceMonitor: true };
    new ModelEndpoint(chart, 'Cpu', baseProps({ ...props, endpointName: 'digits' }));
    new ModelEndpoint(chart, 'Gpu', baseProps({ ...props, endpointName: 'digits-gpu' }));
    const docs = chart.toJson() as Manifest[];
    const byEndpoint = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name)!;
    const queue = (name: string) => byEndpoint('ScaledObject', name).spec.triggers[1].metadata.query as string;
    const alerts = (name: string) => (findAll(docs, 'PrometheusRule').flatMap((d) => d.spec.groups.flatMap((g: Manifest) => g.rules)) as Manifest[])
      .filter((r) => r.labels?.model_serving_endpoint === name).map((r) => r.expr as string);
    const series = (pod: string) => ({ __name__: 'model_server_queue_depth', namespace: 'ml', model: 'digits', pod });
    const cpuPod = series('digits-7c9f6d5b8d-x2k9p');
    const gpuPod = series('digits-gpu-5d8b9c7f6-q7w4z');
    expect(anchored(queue('digits'), cpuPod)).toBe(true);
    expect(anchored(queue('digits'), gpuPod)).toBe(false);
    expect(anchored(queue('digits-gpu'), gpuPod)).toBe(true);
    expect(anchored(queue('digits-gpu'), cpuPod)).toBe(false);
    const cpuAlerts = alerts('digits');
    expect(cpuAlerts.length).toBeGreaterThan(0);
    for (const expr of cpuAlerts) {
      expect(anchored(expr, { ...gpuPod, code: '503', le: '1' })).toBe(false);
      expect(expr).toContain('pod=~"digits-[a-z0-9]{1,10}-[a-z0-9]{5}"');
    }
  });

  // Pod names as Kubernetes makes them: ReplicaSet <workload>-<hash> (hash: rand.SafeEncodeString of a uint32,
  // up to 10 characters), pod generateName "<replicaset>-" cut to 58 characters by the API server's
  // SimpleNameGenerator (maxGeneratedNameLength = 63 - 5), then 5 random characters.
  const podName = (workload: string, hash: string, suffix = 'x2k9p') => `${workload}-${hash}-`.slice(0, 58) + suffix;
  const podPattern = (endpointName: string, flavour?: ServingFlavour) =>
    new ModelEndpoint(new Chart(new App(), 'c', { namespace: 'ml' }), 'E', flavour
      ? { endpointName, model: s3Model, metadata, image, modelCredentials: ModelCredentials.ambient(), flavour } as ModelEndpointProps
      : baseProps({ endpointName })).metricScope('test').podPattern!;
  const matches = (pattern: string, pod: string) => new RegExp(`^(?:${pattern})$`).test(pod);

  test.each([6, 30, 46, 47, 50, 57, 63])('a %i-character endpoint name matches its own pods, truncated or not, and not a longer name\'s', (length) => {
    const name = 'd'.repeat(length);
    for (const hash of ['5d8b9c7f6', '7c9f6d5b8d', 'b']) expect(matches(podPattern(name), podName(name, hash))).toBe(true);
    if (length <= 46) {
      expect(matches(podPattern(name), podName(`${name}-gpu`, '7c9f6d5b8d'))).toBe(false);
    }
  });

  test('KServe endpoints\' scopes match their predictor pods only', () => {
    const raw = ServingFlavour.kserve({ serverless: false });
    const serverless = ServingFlavour.kserve({ serverless: true });
    for (const name of ['digits', 'fraud-classifier-eu-west']) {
      expect(matches(podPattern(name, raw), podName(`${name}-predictor`, '6b7f9c8d5'))).toBe(true);
      expect(matches(podPattern(name, raw), podName(`${name}-gpu-predictor`, '6b7f9c8d5'))).toBe(false);
      expect(matches(podPattern(name, serverless), podName(`${name}-predictor-00003-deployment`, '7d9c6b5f8'))).toBe(true);
      expect(matches(podPattern(name, serverless), podName(`${name}-gpu-predictor-00003-deployment`, '7d9c6b5f8'))).toBe(false);
    }
  });

  test('KServe endpoints\' scopes (fixed pod names)', () => {
    const scope = (name: string, serverless: boolean) =>
      new ModelEndpoint(new Chart(new App(), 'c', { namespace: 'ml' }), 'E', {
        endpointName: name, model: s3Model, metadata, image, modelCredentials: ModelCredentials.ambient(), flavour: ServingFlavour.kserve({ serverless }),
      } as ModelEndpointProps).metricScope('test').podPattern!;
    const matches = (pattern: string, pod: string) => new RegExp(`^(?:${pattern})$`).test(pod);
    expect(matches(scope('digits', false), 'digits-predictor-6b7f9c8d5-abcde')).toBe(true);
    expect(matches(scope('digits', false), 'digits-gpu-predictor-6b7f9c8d5-abcde')).toBe(false);
    expect(matches(scope('digits', true), 'digits-predictor-00003-deployment-7d9c6b5f8-zx8kq')).toBe(true);
    expect(matches(scope('digits', true), 'digits-gpu-predictor-00003-deployment-7d9c6b5f8-zx8kq')).toBe(false);
  });

  test('the chart\'s namespace scopes the queries when the endpoint sets none', () => {
    const chart = new Chart(new App(), 'c', { namespace: 'from-chart' });
    new ModelEndpoint(chart, 'E', baseProps({ keda: { prometheusAddress: PROMETHEUS, queueDepthPerReplica: 8 } }));
    const so = findOne(chart.toJson() as Manifest[], 'ScaledObject');
    expect(so.metadata.namespace).toBe('from-chart');
    expect(so.spec.triggers[1].metadata.query).toContain('namespace="from-chart"');
  });

  test('queries without a namespace are refused, naming the field and the fix', () => {
    // Thrown at construction: the queries are built in the constructor and cannot be without a namespace.
    expect(() => synth(baseProps({ keda: { prometheusAddress: PROMETHEUS, queueDepthPerReplica: 8 } }))).toThrow(
      /namespace: got nothing; allowed: a Kubernetes namespace, on the endpoint or its chart\. Fix: set namespace/,
    );
  });

  test('ServiceMonitor scrapes /metrics on the metrics port (the Service port the NetworkPolicy opens to Prometheus)', () => {
    const docs = synth(baseProps({ namespace: 'ml', serviceMonitor: true, scrapeInterval: Duration.seconds(15) }));
    expect(findOne(docs, 'ServiceMonitor').spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '15s' }]);
    // ServiceMonitor `port` names a Service port (prometheus-operator API: "Name of the Service port which this
    // endpoint refers to"): it must exist, and its number must be the one Prometheus is admitted to.
    const servicePort = (findOne(docs, 'Service').spec.ports as Manifest[]).find((p) => p.name === 'metrics')!;
    const admitted = (findOne(docs, 'NetworkPolicy').spec.ingress as Manifest[])[1].ports.map((p: Manifest) => p.port);
    expect(admitted).toEqual([servicePort.port]);
    expectSchemaValid(docs);
  });

  test('with the ServiceMonitor, the guardrails become alerts (error rate and the chosen latency percentile)', () => {
    const docs = synth(baseProps({ namespace: 'ml', serviceMonitor: true, guardrails: { maxErrorRatePercent: 2, latencyPercentile: LatencyPercentile.P95, maxLatency: Duration.millis(300), breachingPeriods: 2 } }));
    const rule = findOne(docs, 'PrometheusRule');
    expect(rule.metadata.name).toBe('digits-guardrails');
    const [errors, latency] = rule.spec.groups[0].rules;
    expect(errors).toMatchObject({ alert: 'ModelServingErrorRateHigh', for: '120s' });
    expect(errors.expr).toContain('model_server_requests_total{namespace="ml",model="digits",pod=~"digits-[a-z0-9]{1,10}-[a-z0-9]{5}",code=~"5.."}[120s]');
    expect(errors.expr).toMatch(/ > 0\.02$/);
    // Rate windows span at least four scrapes (30 s default): 120 s; the group still evaluates every 60 s.
    expect(rule.spec.groups[0].interval).toBe('60s');
    const fast = findOne(synth(baseProps({ namespace: 'ml', serviceMonitor: true, scrapeInterval: Duration.seconds(10) })), 'PrometheusRule');
    expect(fast.spec.groups[0].rules[0].expr).toContain('[60s]');
    expect(latency.alert).toBe('ModelServingLatencyHigh');
    expect(latency.expr).toMatch(/^histogram_quantile\(0\.95, .* > 0\.3$/);
    expectSchemaValid(docs);
  });

  test('explicit guardrails without the ServiceMonitor are refused: nothing would watch them', () => {
    expectProblems(() => new ModelEndpoint(Testing.chart(), 'E', baseProps({ guardrails: { maxErrorRatePercent: 2 } })), /guardrails: got explicit guardrails without serviceMonitor; allowed: guardrails together with serviceMonitor: true/);
  });
});

describe('ModelEndpoint, KServe flavour', () => {
  const kserve = (o: Partial<ModelEndpointProps> = {}) =>
    ({ model: s3Model, metadata, image, modelCredentials: ModelCredentials.ambient(), flavour: ServingFlavour.kserve({ containerConcurrency: 8 }), ...o }) as ModelEndpointProps;

  test('snapshot', () => {
    expect(synth(kserve())).toMatchSnapshot();
  });

  test('InferenceService with custom predictor, replica bounds, scaling, concurrency and timeout', () => {
    const docs = synth(kserve({ scaling: { minReplicas: 0, maxReplicas: 3, targets: [ScalingTarget.invocationsPerReplicaPerSecond(20)] }, server: { requestTimeout: Duration.seconds(45) } }));
    expect(docs.map((d) => d.kind)).toEqual(['ServiceAccount', 'InferenceService', 'NetworkPolicy']);
    const isvc = findOne(docs, 'InferenceService');
    expect(isvc.metadata.annotations).toEqual({ 'serving.kserve.io/deploymentMode': 'Serverless' });
    expect(isvc.spec.predictor).toMatchObject({ minReplicas: 0, maxReplicas: 3, scaleMetric: 'rps', scaleTarget: 20, containerConcurrency: 8, timeout: 45 });
    expect(container(docs, 'InferenceService').name).toBe('kserve-container');
    expectSchemaValid(docs);
    expect(restrictedViolations(isvc.spec.predictor)).toEqual([]);
  });

  test('KServe serverless: concurrent requests per replica are Knative\'s concurrency metric', () => {
    // KServe v1beta1 ComponentExtensionSpec scaleMetric enum (cpu, memory, concurrency, rps); the vendored CRD checks it.
    const docs = synth(kserve({ scaling: { minReplicas: 1, maxReplicas: 3, targets: [ScalingTarget.concurrentRequestsPerReplica(4)] } }));
    expect(findOne(docs, 'InferenceService').spec.predictor).toMatchObject({ scaleMetric: 'concurrency', scaleTarget: 4 });
    expectSchemaValid(docs);
  });

  test('the artifact URI goes to the storage initializer', () => {
    expect(container(synth(kserve()), 'InferenceService').env).toContainEqual({ name: 'STORAGE_URI', value: 's3://models/digits/model.onnx' });
  });

  test('a PVC becomes a pvc:// storage URI', () => {
    const env = container(synth(kserve({ model, modelCredentials: undefined, modelDelivery: ModelDelivery.persistentVolumeClaim('models', { subPath: 'digits/1' }) })), 'InferenceService').env;
    expect(env).toContainEqual({ name: 'STORAGE_URI', value: 'pvc://models/digits/1' });
  });

  test('RawDeployment mode uses the HPA autoscaler class and admits only the serving port', () => {
    const docs = synth(kserve({ flavour: ServingFlavour.kserve({ serverless: false }) }));
    expect(findOne(docs, 'InferenceService').metadata.annotations).toEqual({ 'serving.kserve.io/deploymentMode': 'RawDeployment', 'serving.kserve.io/autoscalerClass': 'hpa' });
    expect(findOne(docs, 'NetworkPolicy').spec.ingress.map((r: { ports: { port: number }[] }) => r.ports.map((p) => p.port))).toEqual([[8080], [8080]]);
  });
});

describe('ModelEndpoint validation', () => {
  const fails = (props: ModelEndpointProps) => () => Testing.chart() && new ModelEndpoint(Testing.chart(), 'E', props);

  test('bundled image is refused with how to build and push it', () => {
    expectProblems(fails(baseProps({ image: ServingImage.bundled() })), /image: got ServingImage.bundled\(\).*build runtime\/Dockerfile .*push it in CI.*ServingImage.fromRegistry/s);
    expectProblems(fails(baseProps({ image: undefined })), /image: got nothing/);
  });
  test('GPU count without an accelerator', () => {
    expectProblems(fails(baseProps({ acceleratorCount: 1 })), /acceleratorCount: got 1; allowed: only together with accelerator/);
  });
  test('min replicas above max', () => {
    expectProblems(fails(baseProps({ scaling: { minReplicas: 4, maxReplicas: 2 } })), /scaling.maxReplicas: got 2 with minReplicas 4/);
  });
  test('plain Kubernetes cannot scale to zero', () => {
    expectProblems(fails(baseProps({ scaling: { minReplicas: 0 } })), /scaling.minReplicas: got 0.*Kubernetes cannot scale to zero/);
  });
  test('KServe RawDeployment cannot scale to zero, serverless can', () => {
    const props = { model: s3Model, metadata, image, modelCredentials: ModelCredentials.ambient(), scaling: { minReplicas: 0 } };
    expectProblems(fails({ ...props, flavour: ServingFlavour.kserve({ serverless: false }) }), /KServe \(RawDeployment\) cannot scale to zero/);
    expectNoProblems(fails({ ...props, flavour: ServingFlavour.kserve() }));
  });
  test('plain flavour needs a model delivery', () => {
    expectProblems(fails(baseProps({ modelDelivery: undefined })), /modelDelivery: got nothing.*no storage initializer/);
  });
  test('GPU or invocation targets need KEDA in the plain flavour', () => {
    expectProblems(fails(baseProps({ accelerator: Accelerator.NVIDIA_L4 })), /keda: got nothing, with scaling targets \[70% GPU\]/);
  });
  test('KServe cannot use an init container, a local file without delivery, KEDA or a ServiceMonitor', () => {
    expectProblems(fails({ model, metadata, image, flavour: ServingFlavour.kserve(), modelDelivery: ModelDelivery.initContainer({ image: 'r.io/x:1' }) }), /modelDelivery: got ModelDelivery.initContainer/);
    expectProblems(fails({ model, metadata, image, flavour: ServingFlavour.kserve() }), /model: got a local file/);
    expectProblems(fails({ model: s3Model, metadata, image, flavour: ServingFlavour.kserve(), namespace: 'ml', keda: { prometheusAddress: PROMETHEUS }, serviceMonitor: true }), /keda: .*plain flavour only[\s\S]*serviceMonitor/);
  });
  test('KServe GPU-utilization target is refused', () => {
    expectProblems(fails({ model: s3Model, metadata, image, flavour: ServingFlavour.kserve(), accelerator: Accelerator.NVIDIA_T4 }), /scaling.targets: got 70% GPU; allowed: on KServe \(serverless\): targets on CPU_UTILIZATION, INVOCATIONS_PER_REPLICA/);
  });
  test('node pool with another accelerator, or without one', () => {
    const chart = Testing.chart();
    const pool = new KarpenterGpuNodePool(chart, 'Pool', { accelerator: Accelerator.NVIDIA_T4, maxGpus: 2 });
    expectProblems(() => new ModelEndpoint(chart, 'A', baseProps({ accelerator: Accelerator.NVIDIA_L4, namespace: 'ml', keda: { prometheusAddress: PROMETHEUS }, nodePool: pool })), /nodePool: got pool "gpu-nvidia-t4" with NVIDIA_T4 for accelerator NVIDIA_L4/);
    expectProblems(() => new ModelEndpoint(chart, 'B', baseProps({ nodePool: pool })), /nodePool: .*only with an accelerator/);
  });
  test('GKE selector for an accelerator GKE does not offer', () => {
    expectProblems(fails(baseProps({ accelerator: Accelerator.NVIDIA_A10G, namespace: 'ml', keda: { prometheusAddress: PROMETHEUS }, acceleratorNodeSelector: AcceleratorNodeSelector.gke() })), /acceleratorNodeSelector: got AcceleratorNodeSelector.gke\(\) with NVIDIA_A10G/);
  });
  test('bad name, cpu, memory, user, queue depth, Prometheus address and KServe options', () => {
    expectProblems(fails(baseProps({ endpointName: "Digits_V2" })), /endpointName: got "Digits_V2" \(has characters outside the allowed set\); allowed: Kubernetes name \(DNS-1123 label\)/);
    expectProblems(fails(baseProps({ cpu: 0.05 })), /cpu: got 0.05; allowed: from 0.1 to 256 cores/);
    expectProblems(fails(baseProps({ memory: Size.mebibytes(64) })), /memory: .*at least 128 MiB/);
    expectProblems(fails(baseProps({ runAsUser: 0 })), /runAsUser: got 0; allowed: a non-root user id/);
    expectProblems(fails(baseProps({ keda: { prometheusAddress: 'prometheus:9090', queueDepthPerReplica: 0 } })), /keda.queueDepthPerReplica: got 0[\s\S]*keda.prometheusAddress: got "prometheus:9090"/);
    expectProblems(fails({ model: s3Model, metadata, image, flavour: ServingFlavour.kserve({ containerConcurrency: 0, timeout: Duration.hours(2) }) }), /flavour.containerConcurrency: got 0[\s\S]*flavour.timeout: got 2h/);
  });
  test('all problems arrive in one error', () => {
    expectProblems(fails(baseProps({ image: ServingImage.bundled(), acceleratorCount: 1, modelDelivery: undefined, scaling: { minReplicas: 3, maxReplicas: 1 } })), /has 4 invalid settings/);
  });
});

test('every pod template this suite can produce is restricted', () => {
  const docs = [
    ...synth(baseProps()),
    ...synth(baseProps({ accelerator: Accelerator.NVIDIA_H100, namespace: 'ml', keda: { prometheusAddress: PROMETHEUS }, modelDelivery: ModelDelivery.persistentVolumeClaim('m') })),
    ...synth({ model: s3Model, metadata, image, modelCredentials: ModelCredentials.ambient(), flavour: ServingFlavour.kserve({ serverless: false }) }),
  ];
  for (const { where, spec } of podSpecs(docs)) expect({ where, violations: restrictedViolations(spec) }).toEqual({ where, violations: [] });
});
