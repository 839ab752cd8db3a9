// The backend contract: the members every backend's ModelEndpoint, CanaryRollout, BudgetGuard and GpuNodePool
// have, with one name and one meaning. A backend whose platform has no such thing still has the member, typed
// (and valued) `NotSupported` with the reason, so a reader learns one set of names and a missing feature is
// visible in the type, not by absence. Each backend file checks its classes against these interfaces at compile
// time (`implements`); test/contract.test.ts checks them at run time.
import { IConstruct } from 'constructs';
import { Accelerator } from './accelerator';
import { ResolvedBudget } from './budget';
import { SpecProblem, SpecWarning } from './errors';
import { ResolvedGateway } from './gateway';
import { ResolvedServing } from './spec';
import { ResolvedRollout } from './resolve-rollout';

/** A member a platform has no counterpart for; the value says why and what to do instead. */
export class NotSupported {
  /** @param backend the backend's name, as in its capabilities (e.g. `kubernetes`) */
  public static because(backend: string, reason: string): NotSupported {
    return new NotSupported(backend, reason);
  }

  /** Whether `value` is a `NotSupported` marker (and not the member itself). */
  public static is(value: unknown): value is NotSupported {
    return value instanceof NotSupported;
  }

  private constructor(public readonly backend: string, public readonly reason: string) {}

  public toString(): string {
    return `not supported on ${this.backend}: ${this.reason}`;
  }
}

/**
 * What every backend's ModelEndpoint has. The type parameters are the backend's own types:
 * - `TGrantee`: who can be granted invoke (AWS `iam.IGrantable`, GCP an IAM member string such as
 *   `serviceAccount:app@p.iam.gserviceaccount.com`, Azure an Entra principal (object) id);
 * - `TGrant`: what a grant returns (AWS `iam.Grant`, GCP `ProjectIamMember`, Azure `RoleAssignment`);
 * - `TMetric`: the backend's metric type; `TAlarm`: one guardrail alarm/alert;
 * - `TTarget`: where the guardrail alarms notify (GCP notification channel names, Azure action group ids).
 *
 * @internal jsii: a backend author's type (model-serving-constructs/backend), erased from the jsii assembly so
 *   the classes that implement it still compile there (generic and function-typed members have no jsii form).
 */
export interface IModelEndpointContract<TGrantee, TGrant, TMetric, TAlarm, TTarget> extends IConstruct {
  /** The endpoint's name on the platform (SageMaker endpoint name, Vertex AI display name, Azure ML endpoint, Kubernetes object). */
  readonly endpointName: string;
  /** The serving spec after resolution against this backend's capabilities. */
  readonly serving: ResolvedServing;
  /** Advice from the shared resolver (also surfaced as a toolkit warning on the construct). */
  readonly warnings: readonly SpecWarning[];
  /** Lets `grantee` call the endpoint's inference API, with only the invoke permission. */
  readonly grantInvoke: ((grantee: TGrantee) => TGrant) | NotSupported;
  /** The request-latency metric of the endpoint (model latency where the platform splits it). */
  readonly metricLatency: (() => TMetric) | NotSupported;
  /** The guardrail alarm on the error rate (the spec's `guardrails.maxErrorRatePercent`). */
  readonly errorRateAlarm: TAlarm | NotSupported;
  /** The guardrail alarm on latency (the spec's `guardrails.maxLatency` at its percentile). */
  readonly latencyAlarm: TAlarm | NotSupported;
  /** Where the guardrail alarms notify, as configured on this endpoint (empty: nowhere yet). */
  readonly alarmTargets: readonly TTarget[] | NotSupported;
  /** Whether a rollout owns this endpoint's traffic; a second CanaryRollout is refused (see `oneRolloutProblem`). */
  readonly hasRollout: boolean;
}

/** What every backend's CanaryRollout has.
 *
 * @internal jsii: a backend author's type (model-serving-constructs/backend), erased from the jsii assembly so
 *   the classes that implement it still compile there (generic and function-typed members have no jsii form).
 */
export interface ICanaryRolloutContract extends IConstruct {
  /** The rollout policy after resolution against this backend's capabilities. */
  readonly rollout: ResolvedRollout;
  /** Advice from the shared resolver (also surfaced as a toolkit warning on the construct). */
  readonly warnings: readonly SpecWarning[];
}

/** What every backend's BudgetGuard has.
 *
 * @internal jsii: a backend author's type (model-serving-constructs/backend), erased from the jsii assembly so
 *   the classes that implement it still compile there (generic and function-typed members have no jsii form).
 */
export interface IBudgetGuardContract extends IConstruct {
  /**
   * The name of the object that holds the budget on the platform (AWS Budgets budget, Cloud Billing budget
   * display name, Azure consumption budget, Kubernetes namespace whose ResourceQuota caps GPUs).
   */
  readonly budgetName: string;
  /** The budget spec after resolution. */
  readonly budget: ResolvedBudget;
  /** Advice from the shared resolver (also surfaced as a toolkit warning on the construct). */
  readonly warnings: readonly SpecWarning[];
}

/** What every backend's GpuNodePool has.
 *
 * @internal jsii: a backend author's type (model-serving-constructs/backend), erased from the jsii assembly so
 *   the classes that implement it still compile there (generic and function-typed members have no jsii form).
 */
export interface IGpuNodePoolContract extends IConstruct {
  /** The pool's name on the platform (EKS node group, GKE node pool, AKS node pool, Karpenter NodePool). */
  readonly nodePoolName: string;
  /** The GPU model on the pool's nodes. */
  readonly accelerator: Accelerator;
  /** Labels the pool's nodes carry (what a pod selects them by). */
  readonly nodeLabels: Readonly<Record<string, string>>;
}

/**
 * What every backend's ModelGateway has: one front door for several endpoints (lib/gateway.ts). Type
 * parameters as in IModelEndpointContract.
 *
 * @internal jsii: a backend author's type (model-serving-constructs/backend), erased from the jsii assembly so
 *   the classes that implement it still compile there (generic and function-typed members have no jsii form).
 */
export interface IModelGatewayContract<TGrantee, TGrant, TMetric, TAlarm, TTarget> extends IConstruct {
  /** The gateway's name on the platform (API Gateway REST API, API Management API, load balancer, HTTPRoute prefix). */
  readonly gatewayName: string;
  /** Base URL callers use (a deploy-time token where the platform assigns it); routes hang below it. */
  readonly url: string;
  /** The gateway spec after resolution against this backend's capabilities: routes, JWT, per-key limit, cache, limits. */
  readonly gateway: ResolvedGateway;
  /** Advice from the shared resolver (also surfaced as a toolkit warning on the construct). */
  readonly warnings: readonly SpecWarning[];
  /** Lets `grantee` call the gateway's routes, where the platform authorizes callers by identity. */
  readonly grantInvoke: ((grantee: TGrantee) => TGrant) | NotSupported;
  /** Request latency at the gateway (end to end, the model included). */
  readonly metricLatency: (() => TMetric) | NotSupported;
  /** The gateway's alarm on its error rate (the spec's `guardrails.maxErrorRatePercent`). */
  readonly errorRateAlarm: TAlarm | NotSupported;
  /** The gateway's alarm on latency (the spec's `guardrails.maxLatency` at its percentile). */
  readonly latencyAlarm: TAlarm | NotSupported;
  /** Where those alarms notify (empty: nowhere yet). */
  readonly alarmTargets: readonly TTarget[] | NotSupported;
}

/** The part of an endpoint the one-rollout rule reads. */
export interface IRolloutTarget extends IConstruct {
  readonly hasRollout: boolean;
}

/**
 * The one-rollout rule, checked the same way on every backend: a CanaryRollout adds this problem to its
 * collector, so a second rollout on one endpoint fails with `SpecValidationError` everywhere.
 * @param detail what else counts as a rollout on this backend, e.g. a hand-written DeploymentConfig
 */
export function oneRolloutProblem(endpoint: IRolloutTarget, detail?: string): SpecProblem | undefined {
  if (!endpoint.hasRollout) return undefined;
  return {
    field: 'endpoint',
    given: `${endpoint.node.path}, which already has a CanaryRollout${detail ? ` (${detail})` : ''}`,
    allowed: 'one rollout per endpoint',
    fix: 'remove the other CanaryRollout',
  };
}
