/**
 * Knative Serving's admission rules for the revision template that KServe builds from a serverless
 * InferenceService predictor, as a checker for the tests. KServe's CRD does not carry these rules: Knative's
 * validating webhook applies them when KServe's reconciler creates the Knative Service, and a denial there
 * leaves the InferenceService not Ready while `kubectl apply` of the InferenceService itself succeeds.
 *
 * Facts carried over (rules, not code) from knative/serving at commit 98e5ef90aa7033797aa0a61ef97f3ff7e49a3944
 * (2026-08-21):
 * - pkg/apis/serving/fieldmask.go: PodSpecMask, ContainerMask, ContainerPortMask, EnvVarMask, EnvVarSourceMask,
 *   SecurityContextMask, PodSecurityContextMask, CapabilitiesMask, VolumeMountMask, VolumeSourceMask,
 *   ProbeMask/HandlerMask (which fields are allowed, which only behind a feature flag, which never).
 * - pkg/apis/serving/k8s_validation.go: ValidatePodSpec, validateContainersPorts (one port across all
 *   containers), validateContainerPorts (name "", "h2c" or "http1"; TCP; reserved ports), validateProbe
 *   (a named probe port must be the serving port's name, "http" when it has none), reserved env vars,
 *   reserved mount paths, read-only mounts, init containers behind a flag, service account DNS-1123 subdomain.
 * - pkg/networking/constants.go (reserved ports 8012, 8013, 8022, 9090, 9091) and knative.dev/pkg
 *   profiling.ProfilingDefaultPort (8008).
 * - pkg/apis/config/features.go defaultFeaturesConfig (every flag below is Disabled by default except
 *   kubernetes.podspec-volumes-emptydir) and pkg/apis/config/defaults.go (max-revision-timeout-seconds 600,
 *   container-concurrency-max-limit 1000); pkg/apis/serving/v1/revision_validation.go applies them to
 *   timeoutSeconds and containerConcurrency.
 * KServe maps the predictor's pod fields to the revision's PodSpec and `timeout` / `containerConcurrency` to
 * the revision's timeoutSeconds / containerConcurrency (kserve/kserve pkg/apis/serving/v1beta1 PredictorSpec
 * embeds PodSpec inline next to ComponentExtensionSpec).
 */
import type { Manifest } from './k8s-helpers';

/** Knative `config-features` flags that change what the webhook accepts (pkg/apis/config/features.go). */
export type KnativeFlag =
  | 'kubernetes.podspec-affinity'
  | 'kubernetes.podspec-topologyspreadconstraints'
  | 'kubernetes.podspec-hostaliases'
  | 'kubernetes.podspec-nodeselector'
  | 'kubernetes.podspec-runtimeclassname'
  | 'kubernetes.podspec-tolerations'
  | 'kubernetes.podspec-securitycontext'
  | 'secure-pod-defaults'
  | 'kubernetes.podspec-shareprocessnamespace'
  | 'kubernetes.podspec-priorityclassname'
  | 'kubernetes.podspec-schedulername'
  | 'kubernetes.podspec-init-containers'
  | 'kubernetes.podspec-dnspolicy'
  | 'kubernetes.podspec-dnsconfig'
  | 'kubernetes.podspec-fieldref'
  | 'kubernetes.podspec-persistent-volume-claim'
  | 'kubernetes.podspec-volumes-hostpath'
  | 'kubernetes.podspec-volumes-csi'
  | 'kubernetes.containerspec-addcapabilities';

/** Predictor fields that are KServe's ComponentExtensionSpec, not pod fields. */
const KSERVE_EXTENSION = new Set(['minReplicas', 'maxReplicas', 'scaleMetric', 'scaleTarget', 'containerConcurrency', 'timeout', 'canaryTrafficPercent', 'logger', 'batcher', 'labels', 'annotations', 'deploymentStrategy']);

const POD_ALLOWED = new Set(['serviceAccountName', 'containers', 'volumes', 'imagePullSecrets', 'enableServiceLinks', 'automountServiceAccountToken']);
const POD_GATED: Record<string, KnativeFlag> = {
  affinity: 'kubernetes.podspec-affinity',
  topologySpreadConstraints: 'kubernetes.podspec-topologyspreadconstraints',
  hostAliases: 'kubernetes.podspec-hostaliases',
  nodeSelector: 'kubernetes.podspec-nodeselector',
  runtimeClassName: 'kubernetes.podspec-runtimeclassname',
  tolerations: 'kubernetes.podspec-tolerations',
  shareProcessNamespace: 'kubernetes.podspec-shareprocessnamespace',
  priorityClassName: 'kubernetes.podspec-priorityclassname',
  schedulerName: 'kubernetes.podspec-schedulername',
  initContainers: 'kubernetes.podspec-init-containers',
  dnsPolicy: 'kubernetes.podspec-dnspolicy',
  dnsConfig: 'kubernetes.podspec-dnsconfig',
};
const CONTAINER_ALLOWED = new Set([
  'name', 'args', 'command', 'env', 'workingDir', 'envFrom', 'image', 'imagePullPolicy', 'livenessProbe', 'ports', 'readinessProbe',
  'resources', 'securityContext', 'startupProbe', 'terminationMessagePath', 'terminationMessagePolicy', 'volumeMounts',
]);
const CONTAINER_SC_ALLOWED = new Set(['capabilities', 'readOnlyRootFilesystem', 'runAsUser', 'runAsGroup', 'runAsNonRoot', 'allowPrivilegeEscalation', 'seccompProfile']);
const POD_SC_ALLOWED = new Set(['runAsUser', 'runAsGroup', 'runAsNonRoot', 'fsGroup', 'supplementalGroups', 'seccompProfile']);
const PROBE_ALLOWED = new Set(['exec', 'httpGet', 'tcpSocket', 'grpc', 'initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold', 'terminationGracePeriodSeconds']);
const PORT_ALLOWED = new Set(['containerPort', 'name', 'protocol']);
const PORT_NAMES = new Set(['', 'h2c', 'http1']);
const RESERVED_PORTS = new Set([8012, 8013, 8022, 9090, 9091, 8008]);
const RESERVED_ENV = new Set(['PORT', 'K_SERVICE', 'K_CONFIGURATION', 'K_REVISION']);
const RESERVED_PATHS = new Set(['/', '/dev', '/dev/log']);
const MAX_REVISION_TIMEOUT_SECONDS = 600;
const CONTAINER_CONCURRENCY_MAX = 1000;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * What Knative's webhook would refuse in the revision KServe makes from `isvc` (a serverless
 * InferenceService), with the given `config-features` flags Enabled. One string per problem, with its path.
 */
export function knativeAdmissionProblems(isvc: Manifest, enabled: readonly KnativeFlag[] = []): string[] {
  const on = new Set<string>(enabled);
  const where = `InferenceService/${isvc.metadata?.name}: spec.predictor`;
  const p: string[] = [];
  const predictor: Manifest = isvc.spec?.predictor ?? {};
  const disallowed = (path: string, why: string) => p.push(`${where}.${path}: must not set the field (${why})`);

  for (const [field, value] of Object.entries(predictor)) {
    if (KSERVE_EXTENSION.has(field) || value === undefined) continue;
    if (POD_ALLOWED.has(field)) continue;
    if (field === 'securityContext') continue; // below
    const flag = POD_GATED[field];
    if (flag && on.has(flag)) continue;
    disallowed(field, flag ? `feature flag ${flag} is Disabled` : 'not allowed in a Knative revision');
  }
  if (predictor.automountServiceAccountToken === true) disallowed('automountServiceAccountToken', 'only false may be set');

  const psc: Manifest | undefined = predictor.securityContext;
  if (psc !== undefined) {
    if (!on.has('kubernetes.podspec-securitycontext') && !on.has('secure-pod-defaults')) {
      disallowed('securityContext', 'feature flags kubernetes.podspec-securitycontext and secure-pod-defaults are Disabled');
    } else {
      for (const f of Object.keys(psc)) if (!POD_SC_ALLOWED.has(f)) disallowed(`securityContext.${f}`, 'not allowed in a Knative revision');
    }
  }
  if (predictor.serviceAccountName !== undefined && !DNS1123_SUBDOMAIN.test(predictor.serviceAccountName)) {
    p.push(`${where}.serviceAccountName: invalid value ${predictor.serviceAccountName} (not a DNS-1123 subdomain)`);
  }

  const timeout = predictor.timeout;
  if (timeout !== undefined && (timeout < 0 || timeout > MAX_REVISION_TIMEOUT_SECONDS)) {
    p.push(`${where}.timeout: expected 0 <= ${timeout} <= ${MAX_REVISION_TIMEOUT_SECONDS} (timeoutSeconds, max-revision-timeout-seconds)`);
  }
  const cc = predictor.containerConcurrency;
  if (cc !== undefined && (cc < 0 || cc > CONTAINER_CONCURRENCY_MAX)) {
    p.push(`${where}.containerConcurrency: expected 0 <= ${cc} <= ${CONTAINER_CONCURRENCY_MAX} (container-concurrency-max-limit)`);
  }

  // Volumes.
  const volumes = new Map<string, Manifest>();
  for (const [i, v] of ((predictor.volumes ?? []) as Manifest[]).entries()) {
    volumes.set(v.name, v);
    for (const source of Object.keys(v).filter((k) => k !== 'name')) {
      const gate: Record<string, KnativeFlag | null> = {
        secret: null, configMap: null, projected: null, emptyDir: null,
        persistentVolumeClaim: 'kubernetes.podspec-persistent-volume-claim', hostPath: 'kubernetes.podspec-volumes-hostpath', csi: 'kubernetes.podspec-volumes-csi',
      };
      if (!(source in gate)) disallowed(`volumes[${i}].${source}`, 'volume type not allowed');
      else if (gate[source] && !on.has(gate[source]!)) disallowed(`volumes[${i}].${source}`, `feature flag ${gate[source]} is Disabled`);
    }
    if (v.emptyDir?.medium !== undefined && v.emptyDir.medium !== '' && v.emptyDir.medium !== 'Memory') p.push(`${where}.volumes[${i}].emptyDir.medium: invalid value ${v.emptyDir.medium}`);
  }

  // Containers and the one serving port.
  const containers: Manifest[] = predictor.containers ?? [];
  if (containers.length === 0) p.push(`${where}.containers: missing field`);
  const allPorts = containers.flatMap((c) => (c.ports ?? []) as Manifest[]);
  if (allPorts.length > 1) p.push(`${where}.containers[*].ports: more than one container port is set (only a single port is allowed across all containers)`);
  const servingPortName: string = (allPorts[0]?.name as string | undefined) || 'http';

  for (const [i, c] of containers.entries()) {
    const at = `containers[${i}]`;
    for (const f of Object.keys(c)) if (!CONTAINER_ALLOWED.has(f)) disallowed(`${at}.${f}`, 'not allowed in a Knative revision');
    if (c.name === 'queue-proxy') p.push(`${where}.${at}.name: "queue-proxy" is a reserved container name`);
    if (!c.image) p.push(`${where}.${at}.image: missing field`);
    for (const [j, port] of ((c.ports ?? []) as Manifest[]).entries()) {
      for (const f of Object.keys(port)) if (!PORT_ALLOWED.has(f)) disallowed(`${at}.ports[${j}].${f}`, 'not allowed in a Knative revision');
      if (j > 0) continue; // Knative validates the first (serving) port of a container.
      if (!PORT_NAMES.has(port.name ?? '')) p.push(`${where}.${at}.ports: Port name ${port.name} is not allowed (name must be empty, or one of: 'h2c', 'http1')`);
      if (port.protocol !== undefined && port.protocol !== 'TCP') p.push(`${where}.${at}.ports.protocol: invalid value ${port.protocol}`);
      if (RESERVED_PORTS.has(port.containerPort)) p.push(`${where}.${at}.ports.containerPort: ${port.containerPort} is a reserved port`);
    }
    for (const [j, e] of ((c.env ?? []) as Manifest[]).entries()) {
      if (RESERVED_ENV.has(e.name)) p.push(`${where}.${at}.env[${j}].name: "${e.name}" is a reserved environment variable`);
      for (const f of Object.keys(e.valueFrom ?? {})) {
        const fieldRef = f === 'fieldRef' || f === 'resourceFieldRef';
        if (!(f === 'configMapKeyRef' || f === 'secretKeyRef' || (fieldRef && on.has('kubernetes.podspec-fieldref')))) {
          disallowed(`${at}.env[${j}].valueFrom.${f}`, fieldRef ? 'feature flag kubernetes.podspec-fieldref is Disabled' : 'not allowed');
        }
      }
    }
    for (const f of Object.keys(c.resources ?? {})) if (f !== 'limits' && f !== 'requests') disallowed(`${at}.resources.${f}`, 'not allowed in a Knative revision');
    const sc: Manifest = c.securityContext ?? {};
    for (const f of Object.keys(sc)) {
      if (f === 'privileged' && sc.privileged === false) continue;
      if (!CONTAINER_SC_ALLOWED.has(f)) disallowed(`${at}.securityContext.${f}`, 'not allowed in a Knative revision');
    }
    if ((sc.capabilities?.add ?? []).length > 0 && !on.has('kubernetes.containerspec-addcapabilities')) {
      disallowed(`${at}.securityContext.capabilities.add`, 'feature flag kubernetes.containerspec-addcapabilities is Disabled');
    }
    for (const probeName of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      const probe: Manifest | undefined = c[probeName];
      if (!probe) continue;
      for (const f of Object.keys(probe)) if (!PROBE_ALLOWED.has(f)) disallowed(`${at}.${probeName}.${f}`, 'not allowed in a Knative revision');
      for (const handler of ['httpGet', 'tcpSocket']) {
        const port = probe[handler]?.port;
        if (typeof port === 'string' && port !== servingPortName) {
          p.push(`${where}.${at}.${probeName}.${handler}.port: invalid value ${port} (probe port must match container port "${servingPortName}")`);
        }
      }
    }
    const seen = new Set<string>();
    for (const [j, m] of ((c.volumeMounts ?? []) as Manifest[]).entries()) {
      for (const f of Object.keys(m)) if (!['name', 'readOnly', 'mountPath', 'subPath'].includes(f)) disallowed(`${at}.volumeMounts[${j}].${f}`, 'not allowed in a Knative revision');
      const v = volumes.get(m.name);
      if (!v) p.push(`${where}.${at}.volumeMounts[${j}].name: volumeMount has no matching volume`);
      const path: string = (m.mountPath ?? '').replace(/\/+$/, '') || '/';
      if (RESERVED_PATHS.has(path)) p.push(`${where}.${at}.volumeMounts[${j}].mountPath: "${path}" is a reserved path`);
      if (seen.has(path)) p.push(`${where}.${at}.volumeMounts[${j}].mountPath: "${path}" must be unique`);
      seen.add(path);
      if (v && !v.emptyDir && !v.persistentVolumeClaim && !v.ephemeral && m.readOnly !== true) {
        p.push(`${where}.${at}.volumeMounts[${j}].readOnly: volume mount should be readOnly for this type of volume`);
      }
    }
  }
  return p;
}
