/** The server's pod template, hardened to Pod Security "restricted"; shared by Deployment, Rollout and KServe. */
import { DEFAULT_DRAIN_SECONDS, DEFAULT_GRPC_PORT, MODEL_DIRECTORIES, NODE_SCHEDULING, ROUTES, SERVER_ENV, SERVER_USER_ID, Size } from '../../lib';
import type { Container, EnvVar, ContainerSecurityContext, PodTemplateSpec, Toleration, Volume, VolumeMount } from './k8s-types';
import { cpuQuantity, memoryQuantity } from './internal';
import { AcceleratorNodeSelector, EndpointAuth, ModelDeliveryKind, isGpuNodePool } from './endpoint-options';
import type { ModelEndpoint, ModelEndpointProps } from './model-endpoint';
import { METRICS_PORT_NAME } from './names';
import { API_KEY_SECRET_KEY, GRPC_PORT_NAME, HTTP_PORT_NAME, KARPENTER_NODEPOOL_LABEL, LABELS, PRE_STOP_SLEEP_SECONDS, TERMINATION_MARGIN_SECONDS } from './names';

/** Pod Security "restricted" for every container this backend emits. */
export function containerSecurityContext(): ContainerSecurityContext {
  return {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function renderPodTemplate(endpoint: ModelEndpoint, props: ModelEndpointProps, kserve: boolean): PodTemplateSpec {
  const credentials = props.modelCredentials?._bind();
  const r = endpoint.serving;
  const delivery = props.modelDelivery;
  const modelDir: string = MODEL_DIRECTORIES.kserve;
  const gpu = r.accelerator ? r.acceleratorCount : 0;
  const cpu = cpuQuantity(props.cpu ?? 1);
  const memory = memoryQuantity(props.memory ?? Size.gibibytes(2));
  const scratch = memoryQuantity(props.scratchSize ?? Size.gibibytes(1));

  const limits: Record<string, string> = { cpu, memory, 'ephemeral-storage': scratch };
  if (gpu > 0) limits[NODE_SCHEDULING.gpuResource] = String(gpu);

  const volumes: Volume[] = [{ name: 'tmp', emptyDir: { sizeLimit: scratch } }];
  const mounts: VolumeMount[] = [{ name: 'tmp', mountPath: '/tmp' }];
  const initContainers: Container[] = [];
  // In KServe flavour the storage initializer owns /mnt/models; a PVC there is KServe's pvc:// URI.
  if (!kserve && delivery?.kind === ModelDeliveryKind.PVC) {
    volumes.push({ name: 'model', persistentVolumeClaim: { claimName: delivery.claimName!, readOnly: true } });
    mounts.push({ name: 'model', mountPath: modelDir, readOnly: true, ...(delivery.subPath ? { subPath: delivery.subPath } : {}) });
  } else if (!kserve && delivery?.kind === ModelDeliveryKind.INIT) {
    const init = delivery.init!;
    const size = memoryQuantity(init.sizeLimit ?? Size.gibibytes(2));
    volumes.push({ name: 'model', emptyDir: { sizeLimit: size } });
    mounts.push({ name: 'model', mountPath: modelDir, readOnly: true });
    const env = [{ name: 'MODEL_DIR', value: modelDir }];
    if (props.model.uri) env.unshift({ name: 'MODEL_URI', value: props.model.uri });
    initContainers.push({
      name: 'model-download',
      image: init.image,
      imagePullPolicy: 'IfNotPresent',
      ...(init.command ? { command: [...init.command] } : {}),
      ...(init.args ? { args: [...init.args] } : {}),
      env,
      ...(credentials?.secretName ? { envFrom: [{ secretRef: { name: credentials.secretName } }] } : {}),
      resources: { requests: { cpu: '500m', memory: '512Mi', 'ephemeral-storage': '64Mi' }, limits: { cpu: '500m', memory: '512Mi', 'ephemeral-storage': '64Mi' } },
      securityContext: containerSecurityContext(),
      volumeMounts: [{ name: 'model', mountPath: modelDir }, { name: 'tmp', mountPath: '/tmp' }],
    });
  }

  const env: EnvVar[] = Object.entries(r.environment).map(([name, value]) => ({ name, value }));
  const apiKeys = apiKeySecret(endpoint, props);
  if (apiKeys) {
    // The digests come from the Secret at pod start: nothing in the manifest holds a key or a digest.
    env.push({ name: SERVER_ENV.apiKeySha256.name, valueFrom: { secretKeyRef: { name: apiKeys.secretName, key: apiKeys.key } } });
  }
  // server.auth.apiKeys, server.cache.redisUrl: the kubelet reads the Secret at container start. Only
  // Kubernetes Secrets get here (KUBERNETES_CAPABILITIES.server.secretSources; the resolver refuses the rest).
  for (const s of r.secretEnvironment) {
    env.push({ name: s.name, valueFrom: { secretKeyRef: { name: s.secret.name, key: s.secret.detail! } } });
  }
  if (endpoint.metricsPort !== endpoint.port) {
    // Plain flavour: /metrics on a listener of its own, which the NetworkPolicy opens to Prometheus only.
    env.push({ name: SERVER_ENV.metricsPort.name, value: String(endpoint.metricsPort) });
  }
  if (kserve && props.model.uri && delivery === undefined) {
    // KServe injects its storage initializer for a custom container that sets STORAGE_URI.
    env.push({ name: 'STORAGE_URI', value: props.model.uri });
  } else if (kserve && delivery?.kind === ModelDeliveryKind.PVC) {
    env.push({ name: 'STORAGE_URI', value: `pvc://${delivery.claimName}/${delivery.subPath ?? ''}` });
  }

  const server: Container = {
    name: kserve ? 'kserve-container' : 'server',
    image: r.image.registryUri!,
    imagePullPolicy: 'IfNotPresent',
    ports: [
      { name: HTTP_PORT_NAME, containerPort: endpoint.port, protocol: 'TCP' },
      ...(r.grpc ? [{ name: GRPC_PORT_NAME, containerPort: DEFAULT_GRPC_PORT, protocol: 'TCP' as const }] : []),
      ...(endpoint.metricsPort !== endpoint.port ? [{ name: METRICS_PORT_NAME, containerPort: endpoint.metricsPort, protocol: 'TCP' as const }] : []),
    ],
    ...(env.length > 0 ? { env } : {}),
    resources: { requests: { ...limits }, limits },
    // The server answers ready only once the model is loaded and warmed; startup allows 10 minutes.
    startupProbe: { httpGet: { path: ROUTES.ready, port: HTTP_PORT_NAME }, periodSeconds: 5, failureThreshold: 120, timeoutSeconds: 2 },
    readinessProbe: { httpGet: { path: ROUTES.ready, port: HTTP_PORT_NAME }, periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 2 },
    livenessProbe: { httpGet: { path: ROUTES.live, port: HTTP_PORT_NAME }, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 },
    // Kubernetes keeps routing for a moment after deletion starts; the sleep lets endpoints catch up.
    lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SLEEP_SECONDS } } },
    securityContext: containerSecurityContext(),
    volumeMounts: mounts,
  };

  const nodeSelector: Record<string, string> = {};
  const tolerations: Toleration[] = [];
  if (r.accelerator) {
    const sel = (props.acceleratorNodeSelector ?? AcceleratorNodeSelector.modelServingLabel())._bind(r.accelerator);
    if (sel.value !== undefined) nodeSelector[sel.key] = sel.value;
    if (props.nodePool && isGpuNodePool(props.nodePool)) nodeSelector[KARPENTER_NODEPOOL_LABEL] = props.nodePool.poolName;
    // EKS and AKS do not add this toleration for GPU requests (GKE does); without it GPU nodes refuse the pod.
    tolerations.push({ key: NODE_SCHEDULING.gpuTaint.key, operator: 'Exists', effect: NODE_SCHEDULING.gpuTaint.effect });
  }

  if (!r.accelerator && props.nodePool && !isGpuNodePool(props.nodePool)) {
    nodeSelector[KARPENTER_NODEPOOL_LABEL] = props.nodePool.poolName;
    const t = props.nodePool.taint;
    if (t) tolerations.push({ key: t.key, operator: 'Equal', value: t.value, effect: t.effect });
  }

  const podLabels: Record<string, string> = { ...endpoint.labels, ...endpoint.selectorLabels };
  if (r.accelerator) podLabels[LABELS.accelerator] = r.accelerator.nodeLabelValue;
  Object.assign(podLabels, credentials?.podLabels ?? {});
  const uid = props.runAsUser ?? SERVER_USER_ID;

  return {
    metadata: { labels: podLabels },
    spec: {
      serviceAccountName: endpoint.endpointName,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: PRE_STOP_SLEEP_SECONDS + DEFAULT_DRAIN_SECONDS + TERMINATION_MARGIN_SECONDS,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: uid,
        fsGroup: uid,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      ...(initContainers.length > 0 ? { initContainers } : {}),
      containers: [server],
      volumes,
      ...(Object.keys(nodeSelector).length > 0 ? { nodeSelector } : {}),
      ...(tolerations.length > 0 ? { tolerations } : {}),
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { ...endpoint.selectorLabels } } },
        { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { ...endpoint.selectorLabels } } },
      ],
    },
  };
}

/** The Secret the API-key digests come from; undefined when the endpoint opted out with EndpointAuth.none. */
export function apiKeySecret(endpoint: ModelEndpoint, props: ModelEndpointProps): { secretName: string; key: string } | undefined {
  // With the cloud-neutral server.auth, it alone says how callers authenticate (rendered from secretEnvironment).
  if (props.server?.auth !== undefined) return undefined;
  const auth = props.auth ?? EndpointAuth.apiKeys();
  if (auth.apiKeySecret === undefined) return undefined;
  return { secretName: auth.apiKeySecret.secretName ?? `${endpoint.endpointName}-api-keys`, key: auth.apiKeySecret.key ?? API_KEY_SECRET_KEY };
}
