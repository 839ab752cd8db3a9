import { createHash } from 'node:crypto';
import { DeploymentIds, ServingSpec } from './bodies';

/** Label on every Vertex AI model a ModelEndpoint uploads: its endpoint id. Retirement and teardown select by it. */
export const MODEL_ENDPOINT_LABEL = 'serving-endpoint';

/** One rollout step as the controller runs it. */
export interface PlanStep {
  readonly trafficPercent: number;
  readonly bakeSeconds: number;
}

/** Where the rollout controller keeps its state, and the steps it runs. */
export interface RolloutPlan {
  readonly stateBucket: string;
  readonly stateObject: string;
  readonly steps: PlanStep[];
}

/**
 * What the `terraform_data` hands the deployer (as JSON in `VERTEX_DEPLOYMENT_PLAN`). Everything that
 * defines the deployment is here, so a change to any of it replaces the resource and deploys anew.
 */
export interface DeploymentPlan {
  readonly project: string;
  readonly location: string;
  readonly endpointId: string;
  readonly spec: ServingSpec;
  /** Present when a CanaryRollout watches the endpoint. */
  readonly rollout?: RolloutPlan;
  readonly uploadTimeoutSeconds: number;
  readonly deployTimeoutSeconds: number;
}

/** What the endpoint's teardown needs: which endpoint, and the label that marks its models. */
export interface TeardownPlan {
  readonly project: string;
  readonly location: string;
  readonly endpointId: string;
  readonly modelLabelKey: string;
  readonly timeoutSeconds: number;
}

/** State the deployer writes when a canary starts and the controller advances. */
export interface RolloutState {
  readonly project: string;
  readonly location: string;
  readonly endpointId: string;
  readonly canary: string;
  readonly stable: string;
  readonly steps: PlanStep[];
  readonly step: number;
  readonly stepStartedAt: string;
  /** When the canary was deployed: an alert opened before it concerns an earlier deployment with the same id. */
  readonly startedAt?: string;
  readonly status: RolloutStatus;
  readonly history: string[];
}

export type RolloutStatus = 'IN_PROGRESS' | 'COMPLETED' | 'ROLLED_BACK';

/** JSON with sorted keys, so the same plan always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Model and deployed-model ids from the plan's hash. Any change to the plan gives new ids, so the
 * replaced deployment and its successor never share a model (the old one can be retired safely), and a
 * re-run of the same plan finds what an earlier run created.
 */
export function deploymentIds(plan: DeploymentPlan): DeploymentIds {
  const sha = createHash('sha256').update(canonicalJson(plan)).digest('hex');
  const base = (plan.spec.labels['model-name'] ?? plan.spec.displayName).toLowerCase().replace(/[^a-z0-9_-]/g, '-').replace(/^[^a-z]+/, '').slice(0, 40) || 'model';
  return {
    modelId: `${base}-${sha.slice(0, 12)}`,
    // 10 digits, never a leading zero: 1000000000 + up to 0xfffffff.
    deployedModelId: String(1_000_000_000 + parseInt(sha.slice(0, 7), 16)),
  };
}
