// The Kubernetes shapes this backend's public declarations expose, owned here so that the published .d.ts
// reference nothing a consumer does not install (kubernetes-models is a devDependency). Each is the subset of
// the Kubernetes / Argo Rollouts API type it names that this backend emits. The manifests they end up in are
// typed against kubernetes-models (k8s-schema.d.ts: the pod template goes into an IDeployment / IRollout, the
// canary steps and traffic routing into an IRollout), so a field misspelt or mistyped here fails
// `npm run typecheck` at those assignments.

/** core/v1 ObjectMeta, the fields this backend sets. */
export interface ObjectMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly labels?: { [key: string]: string };
  readonly annotations?: { [key: string]: string };
}

/** core/v1 SeccompProfile. */
export interface SeccompProfile {
  readonly type: 'RuntimeDefault' | 'Localhost' | 'Unconfined';
}

/** core/v1 Capabilities: POSIX capabilities added to or dropped from a container. */
export interface SecurityCapabilities {
  readonly drop?: string[];
  readonly add?: string[];
}

/** core/v1 SecurityContext (container level), the fields this backend sets. */
export interface ContainerSecurityContext {
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly allowPrivilegeEscalation?: boolean;
  readonly readOnlyRootFilesystem?: boolean;
  readonly capabilities?: SecurityCapabilities;
  readonly seccompProfile?: SeccompProfile;
}

/** core/v1 PodSecurityContext, the fields this backend sets. */
export interface PodSecurityContext {
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly fsGroup?: number;
  readonly seccompProfile?: SeccompProfile;
}

/** core/v1 SecretKeySelector. */
export interface SecretKeySelector {
  readonly name: string;
  readonly key: string;
  readonly optional?: boolean;
}

/** core/v1 EnvVar: a literal value, or a key of a Secret (`valueFrom.secretKeyRef`). */
export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: EnvVarSource;
}

/** core/v1 EnvVarSource, the Secret form. */
export interface EnvVarSource {
  readonly secretKeyRef?: SecretKeySelector;
}

/** core/v1 SecretEnvSource: every key of a Secret as an environment variable. */
export interface SecretEnvSource {
  readonly name: string;
  readonly optional?: boolean;
}

/** core/v1 EnvFromSource from a Secret. */
export interface EnvFromSource {
  readonly secretRef?: SecretEnvSource;
}

/** core/v1 ContainerPort. */
export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
}

/** core/v1 ResourceRequirements, quantities as strings. */
export interface ResourceRequirements {
  readonly requests?: { [resource: string]: string };
  readonly limits?: { [resource: string]: string };
}

/** core/v1 HTTPGetAction: the port by number or by name. */
export interface HttpGetAction {
  readonly path?: string;
  readonly port: number | string;
}

/** core/v1 Probe with an HTTP GET. */
export interface Probe {
  readonly httpGet?: HttpGetAction;
  readonly periodSeconds?: number;
  readonly failureThreshold?: number;
  readonly timeoutSeconds?: number;
  readonly initialDelaySeconds?: number;
}

/** core/v1 VolumeMount. */
export interface VolumeMount {
  readonly name: string;
  readonly mountPath: string;
  readonly readOnly?: boolean;
  readonly subPath?: string;
}

/** core/v1 EmptyDirVolumeSource. */
export interface EmptyDirVolumeSource {
  readonly sizeLimit?: string;
  readonly medium?: string;
}

/** core/v1 PersistentVolumeClaimVolumeSource. */
export interface PersistentVolumeClaimVolumeSource {
  readonly claimName: string;
  readonly readOnly?: boolean;
}

/** core/v1 Volume: an emptyDir or a PersistentVolumeClaim. */
export interface Volume {
  readonly name: string;
  readonly emptyDir?: EmptyDirVolumeSource;
  readonly persistentVolumeClaim?: PersistentVolumeClaimVolumeSource;
}

/** core/v1 SleepAction. */
export interface SleepAction {
  readonly seconds: number;
}

/** core/v1 LifecycleHandler, the sleep form. */
export interface LifecycleHandler {
  readonly sleep?: SleepAction;
}

/** core/v1 Lifecycle, the preStop hook. */
export interface Lifecycle {
  readonly preStop?: LifecycleHandler;
}

/** core/v1 Container, the fields this backend sets. */
export interface Container {
  readonly name: string;
  readonly image?: string;
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  readonly command?: string[];
  readonly args?: string[];
  readonly ports?: ContainerPort[];
  readonly env?: EnvVar[];
  readonly envFrom?: EnvFromSource[];
  readonly resources?: ResourceRequirements;
  readonly startupProbe?: Probe;
  readonly readinessProbe?: Probe;
  readonly livenessProbe?: Probe;
  readonly lifecycle?: Lifecycle;
  readonly securityContext?: ContainerSecurityContext;
  readonly volumeMounts?: VolumeMount[];
}

/** core/v1 Toleration. */
export interface Toleration {
  readonly key?: string;
  readonly operator?: 'Equal' | 'Exists';
  readonly value?: string;
  readonly effect?: 'NoExecute' | 'NoSchedule' | 'PreferNoSchedule';
}

/** meta/v1 LabelSelector, the matchLabels form. */
export interface LabelSelector {
  readonly matchLabels?: { [key: string]: string };
}

/** core/v1 TopologySpreadConstraint. */
export interface TopologySpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  readonly labelSelector?: LabelSelector;
}

/** core/v1 PodSpec, the fields this backend sets. */
export interface PodSpec {
  readonly serviceAccountName?: string;
  readonly automountServiceAccountToken?: boolean;
  readonly enableServiceLinks?: boolean;
  readonly terminationGracePeriodSeconds?: number;
  readonly securityContext?: PodSecurityContext;
  readonly initContainers?: Container[];
  readonly containers: Container[];
  readonly volumes?: Volume[];
  readonly nodeSelector?: { [key: string]: string };
  readonly tolerations?: Toleration[];
  readonly topologySpreadConstraints?: TopologySpreadConstraint[];
}

/** A NetworkPolicy `from` entry (networking.k8s.io/v1 NetworkPolicyPeer, the selector forms). */
export interface NetworkPolicyPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
}

/** core/v1 PodTemplateSpec. */
export interface PodTemplateSpec {
  readonly metadata?: ObjectMeta;
  readonly spec?: PodSpec;
}

/** One step of an Argo Rollouts canary strategy (argoproj.io/v1alpha1 `CanaryStep`), the kinds this backend emits. */
export interface ArgoCanaryStep {
  readonly setWeight?: number;
  readonly pause?: { readonly duration?: string };
  readonly setCanaryScale?: { readonly weight?: number; readonly matchTrafficWeight?: boolean };
  readonly setHeaderRoute?: { readonly name?: string; readonly match?: { readonly headerName: string; readonly headerValue: { readonly exact?: string } }[] };
  readonly setMirrorRoute?: { readonly name: string; readonly percentage?: number; readonly match?: { readonly path?: { readonly prefix?: string } }[] };
}

/** Argo Rollouts canary `trafficRouting`, the routers this backend configures. */
export interface ArgoTrafficRouting {
  readonly managedRoutes?: { readonly name: string }[];
  readonly istio?: {
    readonly virtualService?: { readonly name: string; readonly routes?: string[] };
    readonly destinationRule?: { readonly name: string; readonly stableSubsetName: string; readonly canarySubsetName: string };
  };
  readonly plugins?: { [plugin: string]: { readonly httpRoute: string; readonly namespace?: string } };
}
