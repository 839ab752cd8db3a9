/** The Kubernetes ModelEndpoint's own checks (the shared spec's are in lib/resolve-serving.ts), and the node pools' cross-object check. */
import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ArtifactStorage, NameRule, ProblemCollector, SERVER_USER_ID, ScalingMetric, ServingResolution, addSpecValidation, describe } from '../../lib';
import type { ModelEndpointProps } from './model-endpoint';
import { ModelDeliveryKind, ServingFlavour, isGpuNodePool } from './endpoint-options';

/** Adds every problem of `props` that only this backend knows to `c`. */
export function collectEndpointProblems(props: ModelEndpointProps, flavour: ServingFlavour, resolution: ServingResolution, c: ProblemCollector): void {
  const nameProblem = props.endpointName === undefined ? undefined : NameRule.KUBERNETES_NAME.problem('endpointName', props.endpointName, 'e.g. "fraud-classifier"');
  if (nameProblem) c.add(nameProblem);
  // RFC 1123 label (Kubernetes namespace names).
  const nsProblem = props.namespace === undefined ? undefined : NameRule.KUBERNETES_NAME.problem('namespace', props.namespace, 'e.g. "ml-serving"');
  if (nsProblem) c.add(nsProblem);
  const cpu = props.cpu;
  if (cpu !== undefined && !(cpu >= 0.1 && cpu <= 256 && Number.isInteger(Math.round(cpu * 1000)) && Math.abs(cpu * 1000 - Math.round(cpu * 1000)) < 1e-9)) {
    c.add({ field: 'cpu', given: describe(cpu), allowed: 'from 0.1 to 256 cores, in whole millicores', fix: 'e.g. 0.5 or 2' });
  }
  if (props.memory !== undefined && props.memory.toBytes() < 128 * 1024 * 1024) {
    c.add({ field: 'memory', given: props.memory.toString(), allowed: 'at least 128 MiB', fix: 'the server and model need room: e.g. Size.gibibytes(2)' });
  }
  // prometheus-operator's ServiceMonitor endpoint interval is a Duration matching
  // ^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$ (@kubernetes-models/
  // prometheus-operator 6.0.0 _schemas/...MonitoringV1Duration.js); the endpoint renders whole seconds ("30s").
  if (props.scrapeInterval !== undefined && !(Number.isInteger(props.scrapeInterval.toSeconds()) && props.scrapeInterval.toSeconds() >= 1)) {
    c.add({ field: 'scrapeInterval', given: props.scrapeInterval.toString(), allowed: 'whole seconds, at least 1 s (rendered as the ServiceMonitor\'s "<n>s" interval)', fix: 'e.g. Duration.seconds(15)' });
  }
  if (props.runAsUser !== undefined && !(Number.isInteger(props.runAsUser) && props.runAsUser >= 1 && props.runAsUser <= 2147483647)) {
    c.add({ field: 'runAsUser', given: describe(props.runAsUser), allowed: 'a non-root user id from 1 to 2147483647', fix: `e.g. ${SERVER_USER_ID}, the images' own user` });
  }

  const secret = props.auth?.apiKeySecret;
  if (secret?.secretName !== undefined) {
    const p = NameRule.KUBERNETES_NAME.problem('auth.secretName', secret.secretName, 'the name of a Secret in the endpoint\'s namespace, e.g. "digits-api-keys"');
    if (p) c.add(p);
  }
  if (secret?.key !== undefined && !/^[-._a-zA-Z0-9]{1,253}$/.test(secret.key)) {
    c.add({ field: 'auth.key', given: describe(secret.key), allowed: 'a Secret data key: letters, digits, "-", "_" and ".", at most 253', fix: 'e.g. "api-key-sha256"' });
  }
  if (props.auth !== undefined && props.server?.auth !== undefined) {
    c.add({
      field: 'auth',
      given: `${props.auth.apiKeySecret ? 'EndpointAuth.apiKeys(...)' : 'EndpointAuth.none(...)'} together with server.auth`,
      allowed: 'one of auth (Kubernetes API keys or none) and server.auth (API keys, JWT, per-minute limit)',
      fix: 'remove auth and keep server.auth (apiKeys: ServerSecret.fromKubernetesSecret(name, key) is the same Secret reference), or remove server.auth',
    });
  }
  const reason = props.auth?.unauthenticatedReason;
  if (reason !== undefined && reason.trim() === '') {
    c.add({ field: 'auth', given: 'EndpointAuth.none("")', allowed: 'EndpointAuth.none(reason) with a reason, or EndpointAuth.apiKeys()', fix: 'say why the endpoint needs no authentication (e.g. "mesh AuthorizationPolicy admits only the gateway")' });
  }
  const access = props.networkAccess;
  if (access?.callers !== undefined && access.callers.length === 0 && (access.ingress ?? []).length === 0) {
    c.add({ field: 'networkAccess.callers', given: '[] with no ingress', allowed: 'at least one caller or ingress peer', fix: 'e.g. [NetworkPeer.sameNamespace()] or [NetworkPeer.namespace("gateway-system")]' });
  }

  const delivery = props.modelDelivery;
  const downloads = props.model.storage !== ArtifactStorage.LOCAL_FILE &&
    (flavour.isKServe ? delivery === undefined : delivery?.kind === ModelDeliveryKind.INIT);
  if (downloads && props.modelCredentials === undefined) {
    c.add({
      field: 'modelCredentials',
      given: `nothing, for ${describe(props.model.toString())} downloaded by ${flavour.isKServe ? 'the KServe storage initializer' : 'the init container'}`,
      allowed: 'ModelCredentials.awsIamRole(arn) (IRSA), gkeWorkloadIdentity(email), azureWorkloadIdentity(clientId), secret(name) or ambient()',
      fix: 'give the pods an identity that can read the model, or say ModelCredentials.ambient() if they already can',
    });
  } else if (!downloads && props.modelCredentials !== undefined) {
    c.add({ field: 'modelCredentials', given: props.modelCredentials.kind, allowed: 'only when an object-store model is downloaded (nothing downloads here)', fix: 'remove modelCredentials' });
  } else if (props.modelCredentials) {
    c.addAll(props.modelCredentials._problems(props.model.storage));
  }
  if (flavour.isKServe) {
    if (delivery?.kind === ModelDeliveryKind.INIT) {
      c.add({ field: 'modelDelivery', given: 'ModelDelivery.initContainer(...)', allowed: 'on KServe: the artifact URI (storage initializer), persistentVolumeClaim or bakedIntoImage', fix: 'use ModelArtifact.fromUri(...) and leave modelDelivery unset' });
    }
    if (delivery === undefined && props.model.storage === ArtifactStorage.LOCAL_FILE) {
      c.add({ field: 'model', given: `a local file (${props.model.toString()})`, allowed: 'on KServe: ModelArtifact.fromUri(...) for storageUri, or modelDelivery persistentVolumeClaim/bakedIntoImage', fix: 'upload the model and use ModelArtifact.fromUri("s3://.../model.onnx"), or set modelDelivery' });
    }
    if (props.keda !== undefined) {
      c.add({ field: 'keda', given: 'KEDA options', allowed: 'plain flavour only (KServe scales with Knative or its own HPA)', fix: 'remove keda, or use ServingFlavour.plain()' });
    }
    if (props.serviceMonitor) {
      c.add({ field: 'serviceMonitor', given: 'true', allowed: 'plain flavour only', fix: 'scrape KServe pods with a PodMonitor, or use ServingFlavour.plain()' });
    }
    if (props.guardrails !== undefined) {
      c.add({
        field: 'guardrails', given: 'explicit guardrails', backend: `KServe (${(flavour.kserveOptions.serverless ?? true) ? 'serverless' : 'RawDeployment'})`,
        allowed: 'on KServe: none (this flavour emits no alerts; nothing would watch them)',
        fix: 'alert on the KServe pods\' metrics with your own PrometheusRule, or use ServingFlavour.plain() with serviceMonitor: true',
      });
    }
    const cc = flavour.kserveOptions.containerConcurrency;
    if (cc !== undefined && !(Number.isInteger(cc) && cc >= 1 && cc <= 1000)) {
      c.add({ field: 'flavour.containerConcurrency', given: describe(cc), allowed: 'an integer from 1 to 1000', fix: 'about twice maxBatchSize is a good start' });
    }
    const t = flavour.kserveOptions.timeout;
    // Knative's default max-revision-timeout-seconds is 600 (knative/serving pkg/apis/config/defaults.go).
    const serverless = flavour.kserveOptions.serverless ?? true;
    const maxTimeout = serverless ? 600 : 3600;
    if (t !== undefined && !(t.toSeconds() >= 1 && t.toSeconds() <= maxTimeout)) {
      c.add({
        field: 'flavour.timeout', given: t.toString(),
        allowed: serverless ? 'from 1 second to 10 minutes on KServe (serverless): Knative refuses a revision timeout above its max-revision-timeout-seconds (600 by default)' : 'from 1 second to 1 hour',
        fix: 'e.g. Duration.seconds(60)',
      });
    }
  } else {
    if (delivery === undefined) {
      c.add({
        field: 'modelDelivery',
        given: 'nothing',
        allowed: 'ModelDelivery.persistentVolumeClaim(claim), ModelDelivery.bakedIntoImage() or ModelDelivery.initContainer({image})',
        fix: 'say how the model reaches /mnt/models: plain Kubernetes has no storage initializer',
      });
    }
    // The resolved targets (defaults included): the built-in HPA sees CPU only.
    const targets = resolution.resolved.targets;
    const needsKeda = targets.some((t) => t.metric !== ScalingMetric.CPU_UTILIZATION);
    if (needsKeda && props.keda === undefined) {
      c.add({
        field: 'keda',
        given: `nothing, with scaling targets [${targets.join(', ')}]${resolution.isExplicit('scaling.targets') ? '' : ' (the default with an accelerator)'}`,
        allowed: 'a CPU target with the built-in HPA, or KEDA for GPU utilization and invocations',
        fix: 'set keda: { prometheusAddress: "http://prometheus-operated.monitoring:9090" }, or scaling.targets: [ScalingTarget.cpuUtilization(70)]',
      });
    }
    if (props.guardrails !== undefined && !props.serviceMonitor) {
      c.add({ field: 'guardrails', given: 'explicit guardrails without serviceMonitor', allowed: 'guardrails together with serviceMonitor: true (its PrometheusRule alerts on them)', fix: 'set serviceMonitor: true, or remove guardrails' });
    }
    const q = props.keda?.queueDepthPerReplica;
    if (q !== undefined && !(Number.isInteger(q) && q >= 1 && q <= 100_000)) {
      c.add({ field: 'keda.queueDepthPerReplica', given: describe(q), allowed: 'an integer from 1 to 100000', fix: 'about maxBatchSize is a good start' });
    }
    if (props.keda && !/^https?:\/\/[^\s]+$/.test(props.keda.prometheusAddress)) {
      c.add({ field: 'keda.prometheusAddress', given: describe(props.keda.prometheusAddress), allowed: 'an http(s) URL', fix: 'e.g. "http://prometheus-operated.monitoring:9090"' });
    }
  }

  if (props.nodePool && !isGpuNodePool(props.nodePool)) {
    if (props.accelerator) {
      c.add({ field: 'nodePool', given: `CPU pool "${props.nodePool.poolName}" with accelerator ${props.accelerator.name}`, allowed: 'a KarpenterGpuNodePool with the same accelerator for GPU replicas', fix: `use a KarpenterGpuNodePool with Accelerator.${props.accelerator.name}, or remove the accelerator` });
    }
  } else if (props.nodePool) {
    if (!props.accelerator) {
      c.add({ field: 'nodePool', given: `GPU pool "${props.nodePool.poolName}"`, allowed: 'only with an accelerator', fix: `set accelerator: Accelerator.${props.nodePool.accelerator.name}, or remove nodePool` });
    } else if (props.nodePool.accelerator.name !== props.accelerator.name) {
      c.add({ field: 'nodePool', given: `pool "${props.nodePool.poolName}" with ${props.nodePool.accelerator.name} for accelerator ${props.accelerator.name}`, allowed: 'a pool whose accelerator matches', fix: 'use a KarpenterGpuNodePool with the same accelerator' });
    }
  }
  if (props.accelerator && props.acceleratorNodeSelector) {
    const sel = props.acceleratorNodeSelector._bind(props.accelerator);
    if (sel.value === undefined) {
      c.add({ field: 'acceleratorNodeSelector', given: `AcceleratorNodeSelector.gke() with ${props.accelerator.name}`, allowed: 'an accelerator Google Cloud offers', fix: 'use AcceleratorNodeSelector.label(key, value)' });
    }
  }
}

const NODE_POOLS = new WeakMap<IConstruct, { construct: IConstruct; name: string }[]>();

/**
 * Cross-object: Karpenter NodePools are cluster-scoped (karpenter.sh/v1 NodePool, `scope: Cluster`), and
 * GpuNodePool and CpuNodePool both render one named after `poolName`: two pools of one chart with one name are one
 * NodePool on apply (the later overwrites the earlier). Checked at synth, when the chart holds all of its pools.
 */
export function addNodePoolNameCheck(pool: IConstruct, owner: string, name: string): void {
  const chart = Chart.of(pool);
  const list = NODE_POOLS.get(chart) ?? [];
  NODE_POOLS.set(chart, list);
  list.push({ construct: pool, name });
  addSpecValidation(pool, owner, () => list.filter((o) => o.construct !== pool && o.name === name).map((o) => ({
    field: 'poolName',
    given: `${describe(name)}, also used by ${o.construct.constructor.name} ${o.construct.node.path}`,
    allowed: 'one Karpenter NodePool per name in a chart (NodePools are cluster-scoped: the second would overwrite the first on apply)',
    fix: 'give one of the pools another poolName',
  })));
}
