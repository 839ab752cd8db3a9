import { BudgetResolution, BudgetSpec } from './budget';
import { BackendCapabilities } from './capabilities';
import { GatewayResolution, GatewayRouteInput, ModelGatewaySpec } from './gateway';
import { RolloutContext, RolloutResolution } from './resolve-rollout';
import { ServingResolution } from './resolve-serving';
import { RolloutPolicy } from './rollout';
import { ModelServingProps } from './spec';

/**
 * The one entry point backends call: resolves a spec for a backend's capabilities, with provenance (which
 * fields the user set), every problem (refusals name the backend and the field) and warnings. See
 * lib/capabilities.ts for what a backend declares.
 *
 * TypeScript-only (a backend author's helper; lib/README.md "jsii and Python").
 * @jsii ignore
 */
export class SpecResolver {
  /** The serving spec (`ModelServingProps`). */
  public static serving(props: ModelServingProps, caps: BackendCapabilities): ServingResolution {
    return ServingResolution.of(props, caps);
  }
  /** A rollout policy for an endpoint. */
  public static rollout(policy: RolloutPolicy, caps: BackendCapabilities, context: RolloutContext): RolloutResolution {
    return RolloutResolution.of(policy, caps, context);
  }
  /** A budget. */
  public static budget(spec: BudgetSpec, caps: BackendCapabilities): BudgetResolution {
    return BudgetResolution.of(spec, caps);
  }
  /** A gateway in front of several endpoints (`routes` as the backend maps its own endpoint type). */
  public static gateway(spec: ModelGatewaySpec, routes: readonly GatewayRouteInput[], caps: BackendCapabilities): GatewayResolution {
    return GatewayResolution.of(spec, routes, caps);
  }
  private constructor() {}
}
