/**
 * The conformance harness: one table of spec cases (cases.ts), one adapter per backend
 * (adapters/<target>.ts), one test (conformance.test.ts) that runs every case through every adapter.
 *
 * Adding a backend (Google Cloud, Azure, ...): write `adapters/<target>.ts` exporting
 * `export const adapters: ConformanceAdapter[] = [...]` (one per flavour if the backend has several). The
 * test finds every file in adapters/ by itself. Each adapter:
 *   - names its backend exactly as its BackendCapabilities.backend (refusals are matched on it),
 *   - gives the registry it pulls from (the case's image is `<registry>/<IMAGE_PATH>`),
 *   - renders a case with its own constructs (adding only what the platform needs: an instance type, a
 *     model delivery...), and reads the synthesized output back into a `CommonView`.
 *     A refusal must surface as the SpecValidationError the construct throws; do not catch it.
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
}

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
