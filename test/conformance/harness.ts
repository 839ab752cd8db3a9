/**
 * The conformance harness: one table of spec cases (cases.ts), one adapter per backend
 * (adapters/<target>.ts), one test (conformance.test.ts) that runs every case through every adapter.
 *
 * Adding a backend (Google Cloud, Azure, ...): write `adapters/<target>.ts` exporting
 * `export const adapters: ConformanceAdapter[] = [...]` (one per flavour if the backend has several), and
 * name the file as the backend's `conformanceAdapter` in scripts/backends.json (the registry the test reads).
 * Each adapter:
 *   - names its backend exactly as its BackendCapabilities.backend (refusals are matched on it),
 *   - gives the registry it pulls from (the case's image is `<registry>/<IMAGE_PATH>`),
 *   - says, in PLATFORM_SERVER_DEFAULTS below, which server variables the platform itself fixes (written from
 *     the platform's documentation, not from the library's capability tables),
 *   - renders a case with its own constructs (adding only what the platform needs: an instance type, a
 *     model delivery...), and reads the synthesized output back into a `CommonView`.
 *     Constructs report refusals at synth: call throwReportedProblems(scope) (test/support/expect-problems.ts)
 *     after building, so a refusal surfaces as the structured SpecValidationError; do not catch it.
 * Then, for every case in cases.ts that the backend refuses, add `'<backend>': ['<field>', ...]` to the
 * case's `refusals`. The test fails when a backend refuses what the table does not expect, or honours what
 * it expects refused, or renders a view that differs from the spec.
 */
import { BackendCapabilities, BudgetSpec, ModelServingProps, RolloutPolicy } from '../../lib';

/** Repository and tag of the server image; each adapter puts it behind its own registry. */
export const IMAGE_PATH = 'model-server:2.0.0';

/** One spec case. Backend-neutral: only the shared spec. */
export interface ConformanceCase {
  readonly name: string;
  /** The serving spec; `image` is filled in per adapter from IMAGE_PATH. */
  readonly spec: Omit<ModelServingProps, 'image'>;
  /** A rollout to attach. @default - none */
  readonly rollout?: RolloutPolicy;
  /** A budget over the endpoint. @default - none */
  readonly budget?: BudgetSpec;
  /** Fields each backend is expected to refuse, by backend name. A backend not listed must honour the case. */
  readonly refusals?: Readonly<Record<string, readonly string[]>>;
  /**
   * What the spec means, written out by hand from its documentation (the `@default`s and field docs in
   * lib/spec.ts, lib/guardrails.ts, lib/budget.ts, lib/rollout.ts and the variables of lib/contract.ts),
   * never computed by the library: every backend that honours the case must render exactly this.
   */
  readonly expected: ExpectedMeaning;
}

/** A case's meaning, by hand. */
export interface ExpectedMeaning {
  /**
   * MODEL_SERVER_* variables the case sets beyond name, version and signature (those follow from the
   * metadata and the model) and beyond what the platform fixes (PLATFORM_SERVER_DEFAULTS).
   */
  readonly server: Readonly<Record<string, string>>;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly scalingTargets: readonly string[];
  readonly guardrails: readonly string[];
  /** @default - no rollout */
  readonly rolloutWeights?: readonly number[];
  /** @default - no budget */
  readonly budget?: readonly string[];
}

/**
 * Server variables each platform fixes whatever the spec says (a spec that sets the same field wins where it
 * is allowed). Written from the platforms' documentation:
 * - gRPC off (MODEL_SERVER_GRPC_PORT=0) where the platform forwards to one HTTP port only, or the constructs
 *   give it only that one: SageMaker (clients call InvokeEndpoint over HTTPS; the container answers
 *   /invocations and /ping on port 8080, "Use your own inference code with hosting services"); Vertex AI
 *   (prediction and health requests go to the first of `containerSpec.ports`; gRPC only to `grpcPorts`,
 *   ModelContainerSpec in google/cloud/aiplatform/v1/model.proto, which the constructs do not set); Azure ML
 *   managed online endpoints (scoring, liveness and readiness routes on the environment's one inference
 *   port); KServe serverless (Knative routes one container port: knative.dev "Runtime contract", at most
 *   one containerPort). Plain Kubernetes routes any port.
 * - Metrics on their own port (MODEL_SERVER_METRICS_PORT=9464, lib/contract.ts DEFAULT_METRICS_PORT) on plain
 *   Kubernetes only, so its NetworkPolicy can admit Prometheus alone to /metrics (issue 16, security review H2).
 *   Everywhere else the variable stays at 0 (/metrics on the serving port): SageMaker, Vertex AI and Azure ML
 *   route one port and scrape nothing; Knative admits one container port (knative/serving
 *   pkg/apis/serving/k8s_validation.go at 98e5ef9, "Only a single port is allowed across all containers").
 * - Vertex AI online prediction requests are at most 1.5 MB ("Vertex AI quotas and limits": online
 *   prediction request size 1.5 MB), so the server refuses larger bodies itself (1,500,000 bytes).
 */
export const PLATFORM_SERVER_DEFAULTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'SageMaker': { MODEL_SERVER_GRPC_PORT: '0' },
  'Vertex AI': { MODEL_SERVER_GRPC_PORT: '0', MODEL_SERVER_MAX_REQUEST_BODY_BYTES: '1500000' },
  'Azure ML': { MODEL_SERVER_GRPC_PORT: '0' },
  'Kubernetes': { MODEL_SERVER_METRICS_PORT: '9464' },
  'KServe (serverless)': { MODEL_SERVER_GRPC_PORT: '0' },
};

/**
 * How a platform writes an identity value into its tags/labels, where it cannot carry it as is. Google Cloud
 * label values: "can contain only lowercase letters, numeric characters, underscores, and dashes"
 * (cloud.google.com/resource-manager/docs/labels-overview, Requirements for labels).
 */
export const LABEL_VALUE: Readonly<Record<string, (value: string) => string>> = {
  'Vertex AI': (value) => value.toLowerCase().replace(/[^a-z0-9_-]/g, '-'),
};

/** The guardrails a spec gets when it sets none (lib/guardrails.ts @defaults: 1%, P99, 1 s, 1 minute, 3). */
export const DEFAULT_GUARDRAILS = ['errors>1%', 'p99>1000ms', 'window=60s', 'breaches=3'] as const;

/** What every backend renders a case to, read back from its synthesized output. */
export interface CommonView {
  /** `<repository>:<tag>` of the image, registry stripped. */
  readonly image: string;
  /** The signature handed to the server (MODEL_SERVER_MODEL_SIGNATURE), parsed; undefined when none. */
  readonly modelSignature?: unknown;
  /** The URI the model is read from; 'local' for a local file the backend ships itself. */
  readonly modelSource: string;
  /** MODEL_SERVER_* variables of the server container. */
  readonly environment: Readonly<Record<string, string>>;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** `<METRIC>=<value>`, in the spec's units (per replica, percent). */
  readonly scalingTargets: readonly string[];
  /** name, version, owner, framework, trained-on as the platform's tags/labels carry them. */
  readonly identity: Readonly<Record<string, string>>;
  /** Traffic percent of each rollout step; undefined without a rollout. */
  readonly rolloutWeights?: readonly number[];
  /** `errors>1%`, `p95>300ms`, `window=60s`, `breaches=3`; undefined where nothing watches. */
  readonly guardrails?: readonly string[];
  /** `limit=2000`, `thresholds=50,80`, `action=NOTIFY`; undefined without a budget. */
  readonly budget?: readonly string[];
}

export interface ConformanceAdapter {
  /** Exactly BackendCapabilities.backend; the key of this backend in a case's `refusals`. */
  readonly backend: string;
  /**
   * Backend names this adapter's refusals may carry (a flavour can share constructs with its family, e.g. the
   * namespace budget of every Kubernetes flavour). @default - [backend]
   */
  readonly refusedBy?: readonly string[];
  readonly capabilities: BackendCapabilities;
  /** Registry host (and path) the adapter's image lives under. */
  readonly registry: string;
  /** Synthesizes `c` (spec with the image filled in) and reads it back. Throws SpecValidationError on refusal. */
  render(c: ConformanceCase, spec: ModelServingProps): CommonView;
}

/** `<metric>=<value>` for a target, the form views use. */
export function targetKey(metric: string, value: number): string {
  return `${metric}=${Math.round(value * 1000) / 1000}`;
}
