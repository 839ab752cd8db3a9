import { Duration, HeaderRoute, RolloutStep } from '../../lib';
import type { ArgoCanaryStep } from './k8s-types';
import { MANAGED_ROUTES } from './traffic-router';

// Internal to the Kubernetes backend (not exported from its index): the Rollout's canary steps.

export type { ArgoCanaryStep };

/** A shadow phase in Argo's terms. */
export interface ArgoShadow {
  readonly trafficPercent: number;
  readonly duration: Duration;
}

export interface ArgoCanaryStepOptions {
  readonly headerRoute?: HeaderRoute;
  readonly shadow?: ArgoShadow;
}

/**
 * The Rollout's canary steps for the policy's steps, with a shadow phase first (canary pods sized for the
 * mirrored share, mirror on, pause, mirror off) and a header route from the first traffic step on. Argo
 * removes managed routes when the rollout completes or aborts.
 */
export function argoCanarySteps(steps: readonly RolloutStep[], options: ArgoCanaryStepOptions = {}): ArgoCanaryStep[] {
  const out: ArgoCanaryStep[] = [];
  const seconds = (d: Duration) => `${d.toSeconds()}s`;
  if (options.shadow) {
    out.push({ setCanaryScale: { weight: options.shadow.trafficPercent } });
    out.push({ setMirrorRoute: { name: MANAGED_ROUTES.mirror, percentage: options.shadow.trafficPercent, match: [{ path: { prefix: '/' } }] } });
    out.push({ pause: { duration: seconds(options.shadow.duration) } });
    // A mirror route without a match is removed.
    out.push({ setMirrorRoute: { name: MANAGED_ROUTES.mirror } });
    out.push({ setCanaryScale: { matchTrafficWeight: true } });
  }
  steps.forEach((s, i) => {
    out.push({ setWeight: s.trafficPercent });
    if (i === 0 && options.headerRoute) {
      out.push({ setHeaderRoute: { name: MANAGED_ROUTES.header, match: [{ headerName: options.headerRoute.headerName, headerValue: { exact: options.headerRoute.headerValue } }] } });
    }
    if (s.bake.toSeconds() > 0) out.push({ pause: { duration: seconds(s.bake) } });
  });
  return out;
}
