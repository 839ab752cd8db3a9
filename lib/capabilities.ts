/**
 * # Capabilities: how a backend says what it can honour
 *
 * Every backend (SageMaker, Vertex AI, Azure ML, Kubernetes, ...) declares one `BackendCapabilities`. The
 * shared resolvers read it and produce, for every spec field the backend cannot honour, a refusal that names
 * the backend and the field (`SpecProblem.backend` is set). A backend's own code keeps only what is truly its
 * own (instance types, VPCs, KEDA, ...). Nothing is dropped silently: a field is honoured, or refused, or
 * (only where the user opts in to weaker behaviour) accepted with a stated consequence.
 *
 * What a new backend does:
 *
 * 1. Declare its capabilities once, as a constant next to its constructs (`constructs/<target>/capabilities.ts`).
 * 2. In each construct, collect its own problems into a `ProblemCollector`, then call the shared resolver for
 *    the spec it takes, which adds the spec's problems and the refusals to the same collector and reports them
 *    all at synth (a construct validation, errors.ts `reportProblems`):
 *    `SpecResolver.serving(props, caps).reportIfInvalid(this, owner, problems)` returns the `ResolvedServing`;
 *    `SpecResolver.rollout(policy, caps, context)` and `SpecResolver.budget(spec, caps)` work the same way.
 * 3. Emit the resolution's `warnings` as `Annotations` warnings (cdk) or construct metadata (cdk8s/cdktf).
 * 4. Name and label resources with the platform's `NameRule`s (`caps.naming`): `rule.generate(base, seed)` for
 *    names with a stable hash suffix, `rule.sanitize(value)` for label/tag values.
 * 5. Add one adapter to the conformance harness (`test/conformance/adapters/<target>.ts`).
 *
 * ```ts
 * export const VERTEX_CAPABILITIES: BackendCapabilities = {
 *   backend: 'Vertex AI',
 *   image: { buildsBundledImage: false, registryPattern: '^[a-z0-9-]+-docker\\.pkg\\.dev/', registryDescription: 'Artifact Registry' },
 *   artifacts: { storages: [ArtifactStorage.GCS], layouts: [ArtifactLayout.SINGLE_FILE, ArtifactLayout.PREFIX] },
 *   scaling: { metrics: [ScalingMetric.CPU_UTILIZATION, ScalingMetric.GPU_UTILIZATION], multipleTargets: true,
 *              cooldowns: false, scaleToZero: false, maxReplicas: 1000 },
 *   server: { maxRequestBodyBytes: 1_500_000 },
 *   guardrails: { latencyPercentiles: LatencyPercentile.ALL, evaluationPeriodMultiple: Duration.minutes(1) },
 *   rollout: { traffic: TrafficSplitting.EXACT, automaticRollback: true, stepShapes: [RolloutStepShape.ONE_STEP,
 *              RolloutStepShape.EQUAL_STEPS, RolloutStepShape.ANY_STEPS], longestBake: Duration.hours(24),
 *              shadowTraffic: false },
 *   budget: { actions: [BudgetAction.NOTIFY, BudgetAction.SCALE_TO_FLOOR, BudgetAction.DELETE], forecastAlerts: true,
 *             actionThreshold: true, emailNotifications: true },
 *   naming: { endpointName: NameRule.GCP_RESOURCE_ID, labelKey: NameRule.GCP_LABEL_KEY, labelValue: NameRule.GCP_LABEL_VALUE },
 * };
 *
 * // In the construct:
 * const problems = new ProblemCollector();
 * // ... the backend's own checks add to `problems` ...
 * const resolution = SpecResolver.serving(props, VERTEX_CAPABILITIES);
 * const serving = resolution.reportIfInvalid(this, `ModelEndpoint ${this.node.path}`, problems);
 * if (problems.count > 0) { ... }   // reported: skip what the invalid values cannot render
 * if (resolution.isExplicit('scaling.scaleInCooldown')) { ... }   // provenance: the user set it
 * const labels = sanitizeLabels(serving.tags, NameRule.GCP_LABEL_VALUE, NameRule.GCP_LABEL_KEY);
 * ```
 */
import type { ArtifactLayout, ArtifactStorage } from './artifact';
import type { BudgetAction } from './budget';
import type { GatewayCapabilities } from './gateway';
import type { LatencyPercentile } from './guardrails';
import type { NameRule } from './naming';
import type { SecretSource } from './secret';
import type { ScalingMetric } from './spec';
import type { Duration } from './units';

/** Where the server image can come from. */
export interface ImageCapabilities {
  /** The backend builds `ServingImage.bundled()` itself (e.g. a CDK Docker image asset). */
  readonly buildsBundledImage: boolean;
  /**
   * Registries the platform pulls from, as a regular expression the image URI must match.
   * @default - any registry
   */
  readonly registryPattern?: string;
  /** The registries in words, for messages, e.g. `Amazon ECR`. @default - 'the platform registry' */
  readonly registryDescription?: string;
}

/** Where model artifacts can live and how they may be laid out. */
export interface ArtifactCapabilities {
  /** Storages the backend reads models from (LOCAL_FILE: it uploads a local file itself). */
  readonly storages: ArtifactStorage[];
  /** Layouts it understands for remote artifacts. */
  readonly layouts: ArtifactLayout[];
}

/** What autoscaling can track and how. */
export interface ScalingCapabilities {
  /** Metrics it can track. */
  readonly metrics: ScalingMetric[];
  /** It tracks several targets at once (scale out when any is above its target). */
  readonly multipleTargets: boolean;
  /** It has scale-in and scale-out cooldowns (or stabilization windows). */
  readonly cooldowns: boolean;
  /** minReplicas 0 is possible. */
  readonly scaleToZero: boolean;
  /** Most replicas. */
  readonly maxReplicas: number;
}

/** Platform limits that bound the server's settings. */
export interface ServerCapabilities {
  /**
   * Largest request body the platform forwards. It is also the default of `server.maxRequestBodySize` on
   * this backend, so the server answers 413 itself rather than the platform dropping the request.
   * @default - no platform limit; the server's own default applies
   */
  readonly maxRequestBodyBytes?: number;
  /** Longest the platform waits for a response. @default - no platform limit */
  readonly maxRequestTimeout?: Duration;
  /**
   * Whether the platform can route the server's gRPC port (DEFAULT_GRPC_PORT, cleartext HTTP/2) to the
   * container next to the HTTP port. Where it cannot, the server's gRPC listener is turned off.
   * @default false
   */
  readonly grpc?: boolean;
  /**
   * Callers' own `Authorization` header (and `X-Api-Key`) reaches the server unchanged, so `server.auth` (API keys,
   * JWT) can work. Where false (the platform strips it or uses it for its own caller authentication), `server.auth`
   * is refused.
   * @default false
   */
  readonly callerCredentials?: boolean;
  /** How the platform authenticates callers itself, in words, for the refusal of `server.auth`. @default - not said */
  readonly platformAuthentication?: string;
  /**
   * Secret references the platform resolves into the container's environment at start, without the value
   * entering the template or state. Any other `ServerSecret` is refused.
   * @default - none
   */
  readonly secretSources?: SecretSource[];
  /** Why secrets are not possible or how to get one into `secretSources`, in words, for the refusal's fix. @default - not said */
  readonly secretsFix?: string;
  /**
   * When the server can open connections of its own (server.cache's Redis, server.tracing's collector), in words
   * for the README; the backend's construct refuses destinations its network cannot reach.
   * @default - wherever the network routes
   */
  readonly outboundNetwork?: string;
}

/** How guardrails (alarms, rollback conditions) can be evaluated. */
export interface GuardrailCapabilities {
  /** Latency percentiles the platform's metrics can express. */
  readonly latencyPercentiles: LatencyPercentile[];
  /**
   * Evaluation periods must be a multiple of this (the platform's metric resolution).
   * @default - any whole number of seconds
   */
  readonly evaluationPeriodMultiple?: Duration;
}

/** How traffic is split between the old and the new version during a rollout. Enum-like. */
export enum TrafficSplitting {
  /** Requests are routed by weight: the share asked for is the share served. */
  EXACT = 'EXACT',
  /**
   * Weights are approximated with replica counts (Argo Rollouts without a traffic router): the share served
   * is canary pods / all pods. The resolver states the effective share at minReplicas and refuses steps that
   * miss by more than `APPROXIMATION_TOLERANCE_PERCENT` unless the user accepts approximate traffic.
   */
  REPLICA_APPROXIMATED = 'REPLICA_APPROXIMATED',
}

/** Shapes of rollout steps. Enum-like. */
export enum RolloutStepShape {
  /** One share below 100%, then everything (SageMaker CANARY). */
  ONE_STEP = 'ONE_STEP',
  /** Equal increments with one bake, e.g. 20/40/60/80/100 (SageMaker LINEAR). */
  EQUAL_STEPS = 'EQUAL_STEPS',
  /** Any increasing steps ending at 100%. */
  ANY_STEPS = 'ANY_STEPS',
}

/** What progressive delivery can do. */
export interface RolloutCapabilities {
  /** How traffic weights are realized. */
  readonly traffic: TrafficSplitting;
  /**
   * Guardrails roll the rollout back with no human involved. Where false, a rollout is refused unless the
   * user accepts manual promotion explicitly.
   */
  readonly automaticRollback: boolean;
  /** Step shapes the platform can run. */
  readonly stepShapes: RolloutStepShape[];
  /** Longest bake of one step before 100%. */
  readonly longestBake: Duration;
  /**
   * How often the component that moves traffic looks at the rollout (a scheduler tick). A bake shorter than
   * one tick cannot be honoured: the step lasts until the next tick whatever the policy says.
   * @default - traffic moves on the platform's own clock, to the second
   */
  readonly controllerTick?: Duration;
  /** Longest bake at 100% before the old version goes. @default - longestBake */
  readonly longestFinalBake?: Duration;
  /** Largest share of the first step below 100%. @default 99 */
  readonly maxStepPercent?: number;
  /** It can copy (mirror) live traffic to the new version before shifting any. */
  readonly shadowTraffic: boolean;
  /** Largest mirrored share. @default 100 */
  readonly maxShadowPercent?: number;
  /** Requests with a given header can be sent to the new version (`RolloutPolicy` headerRoute). @default false */
  readonly headerRouting?: boolean;
}

/** What a budget can do on this platform. */
export interface BudgetCapabilities {
  /** Actions it can carry out when spend crosses the threshold. */
  readonly actions: BudgetAction[];
  /** Alerts on forecast spend (`forecastThresholdPercent`). */
  readonly forecastAlerts: boolean;
  /** The action runs at a chosen percent of the limit (`enforceAtPercent`). */
  readonly actionThreshold: boolean;
  /** Notifications by e-mail (`emails`). */
  readonly emailNotifications: boolean;
  /** Most notifications (actual thresholds + forecast). @default - no limit */
  readonly maxNotifications?: number;
}

/** Naming and labelling rules of the platform. */
export interface NamingCapabilities {
  /** Rule for the endpoint's name (the name users see and call). */
  readonly endpointName: NameRule;
  /** Rule for tag/label keys. @default - keys are used as given */
  readonly labelKey?: NameRule;
  /** Rule for tag/label values (metadata is sanitized with it). */
  readonly labelValue: NameRule;
}

/** Everything a backend declares about what it can honour. See the top of this file. */
export interface BackendCapabilities {
  /** Human name for messages, e.g. `SageMaker`, `KServe (serverless)`. */
  readonly backend: string;
  readonly image: ImageCapabilities;
  readonly artifacts: ArtifactCapabilities;
  readonly scaling: ScalingCapabilities;
  readonly server: ServerCapabilities;
  readonly guardrails: GuardrailCapabilities;
  readonly rollout: RolloutCapabilities;
  readonly budget: BudgetCapabilities;
  readonly naming: NamingCapabilities;
  /**
   * The platform's managed gateway, for `ModelGateway` (lib/gateway.ts).
   * @default - no gateway: a ModelGateway on this backend is refused by name
   */
  readonly gateway?: GatewayCapabilities;
}

/** Percentage points an approximated traffic share may miss the asked share by before it is refused. */
export const APPROXIMATION_TOLERANCE_PERCENT = 5;
