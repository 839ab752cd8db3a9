import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { BackendCapabilities, Duration, PROMQL, ProblemCollector, ResolvedRollout, RolloutPolicy, SpecResolver, SpecWarning, TrafficSplitting, addSpecValidation, describe } from '../../lib';
import { ICanaryRolloutContract, oneRolloutProblem } from '../../lib/backend';
import { addMetadataWarnings } from '../../lib/internal/warnings';
import { KSERVE_RAW_CAPABILITIES, KSERVE_SERVERLESS_CAPABILITIES, KUBERNETES_CAPABILITIES } from './capabilities';
import { rateWindow, typedApiObject } from './internal';
import type { IAnalysisTemplate, IRollout } from './k8s-schema';
import { ModelEndpoint } from './model-endpoint';
import { LABEL_PREFIX } from './names';
import { argoCanarySteps } from './argo-steps';
import { MANAGED_ROUTES, TrafficRouter } from './traffic-router';
import { rolloutPropShapes, throwIfBadShapes } from '../../lib/prop-shapes';

export interface CanaryRolloutProps {
  /** The endpoint whose new versions roll out gradually. */
  readonly endpoint: ModelEndpoint;
  /** Steps, bake times and guardrails (shared with the cloud backends). */
  readonly policy: RolloutPolicy;
  /**
   * Prometheus the AnalysisTemplate queries (plain flavour), e.g. `http://prometheus-operated.monitoring:9090`.
   * @default - required for the plain flavour; unused with KServe
   */
  readonly prometheusAddress?: string;
  /**
   * Accept traffic shares that Argo Rollouts approximates with pod counts (plain flavour, no traffic router)
   * even where they miss the policy's percent by more than APPROXIMATION_TOLERANCE_PERCENT points at
   * minReplicas. Without it such a policy is refused with the share that would really be served.
   * @default false
   */
  readonly acceptApproximateTraffic?: boolean;
  /**
   * Accept that nothing rolls a KServe canary back: KServe moves traffic but watches no guardrails, so each
   * promotion (and any rollback) is yours to run. Without it a CanaryRollout on KServe is refused.
   * @default false
   */
  readonly acceptManualPromotion?: boolean;
  /**
   * What splits traffic between the stable and the new version (plain flavour). With Istio or the Gateway
   * API the policy's percentages are served exactly at any replica count, and header routes (both) and
   * shadow traffic (Istio) become possible; without a router Argo approximates them with pod counts.
   * @default TrafficRouter.none()
   */
  readonly trafficRouter?: TrafficRouter;
}

/** The rollout capabilities of the plain flavour with this router (exact weights, header routes, mirroring). */
export function routedCapabilities(router: TrafficRouter): BackendCapabilities {
  if (!router.features.exactWeights) return KUBERNETES_CAPABILITIES;
  return {
    ...KUBERNETES_CAPABILITIES,
    backend: router.backendName,
    rollout: {
      ...KUBERNETES_CAPABILITIES.rollout,
      traffic: TrafficSplitting.EXACT,
      shadowTraffic: router.features.mirroring,
      headerRouting: router.features.headerRoutes,
    },
  };
}

/** One documented promotion of a KServe canary: after `after` at the previous share, set this share. */
export interface KServePromotion {
  readonly trafficPercent: number;
  /** Bake time at the previous step before this promotion. */
  readonly after: Duration;
  /** The command that performs it. */
  readonly command: string;
}

/**
 * Progressive delivery for a ModelEndpoint. Plain flavour: an Argo Rollouts `Rollout` replaces the
 * Deployment, with a shadow phase (mirror, Istio only), a header route from the first step, one
 * setWeight/pause pair per policy step, and a background analysis (error rate and latency at the chosen
 * percentile, from Prometheus, on the canary pods only) that aborts the rollout and returns traffic to the
 * stable version when it fails. With `TrafficRouter.istio()` or `TrafficRouter.gatewayApi()` the weights are
 * exact; without a router they are pod counts, refused beyond the tolerance unless accepted.
 * KServe flavour: `canaryTrafficPercent` at the first step; the later steps are promotions listed in
 * `promotions` (manual promotion must be accepted: nothing enforces the guardrails there).
 */
export class CanaryRollout extends Construct implements ICanaryRolloutContract {
  /** The Rollout (plain flavour). */
  public readonly resource?: ApiObject;
  /** The AnalysisTemplate (plain flavour). */
  public readonly analysisTemplate?: ApiObject;
  /** KServe promotions after the first step (empty for the plain flavour). */
  public readonly promotions: KServePromotion[];
  /** The policy resolved for this flavour: steps with the share really served, guardrails in force. */
  public readonly rollout: ResolvedRollout;
  /** Advice from the shared resolver, e.g. an approximated share (also `model-serving:warning` metadata). */
  public readonly warnings: SpecWarning[];
  /** The endpoint whose new versions roll out. */
  public readonly endpoint: ModelEndpoint;
  /** What splits traffic between the stable and the new version (TrafficRouter.none() unless given). */
  public readonly trafficRouter: TrafficRouter;

  constructor(scope: Construct, id: string, props: CanaryRolloutProps) {
    super(scope, id);
    // JavaScript callers: a prop of the wrong kind is named here, before the rest reads it as typed.
    throwIfBadShapes(`CanaryRollout ${this.node.path}`, props, rolloutPropShapes(ModelEndpoint));
    const endpoint = props.endpoint;
    this.endpoint = endpoint;
    const policy = props.policy;
    const kserve = endpoint.flavour.isKServe;
    const c = new ProblemCollector();
    const oneRollout = oneRolloutProblem(endpoint);
    if (oneRollout) c.add(oneRollout);
    if (!kserve && props.prometheusAddress === undefined) {
      c.add({ field: 'prometheusAddress', given: 'nothing', allowed: 'an http(s) URL of the Prometheus that scrapes the server', fix: 'e.g. prometheusAddress: "http://prometheus-operated.monitoring:9090"; the analysis needs it to roll back on errors' });
    } else if (props.prometheusAddress !== undefined && !/^https?:\/\/[^\s]+$/.test(props.prometheusAddress)) {
      c.add({ field: 'prometheusAddress', given: describe(props.prometheusAddress), allowed: 'an http(s) URL', fix: 'e.g. "http://prometheus-operated.monitoring:9090"' });
    }
    const router = props.trafficRouter ?? TrafficRouter.none();
    this.trafficRouter = router;
    // Checked at synth: the ModelGateway that routes the endpoint may be created after the rollout.
    addSpecValidation(this, `CanaryRollout ${this.node.path}`, () => router._synthProblems(endpoint, { headerRoute: policy.headerRoute !== undefined }));
    if (kserve && props.trafficRouter !== undefined) {
      c.add({ field: 'trafficRouter', given: router.factoryName, allowed: 'only with the plain flavour (KServe routes canary traffic through its own Knative or raw-deployment objects)', fix: 'remove trafficRouter, or use ServingFlavour.plain() with Argo Rollouts' });
    }
    router.validate(c);
    router._validateFor(endpoint, c);
    if (router.kind === 'ISTIO' && endpoint.serving.grpc && (policy.headerRoute !== undefined || policy.shadowTrafficPercent !== undefined)) {
      // Argo's managed routes match only headers (setHeaderRoute) or the mirror match (setMirrorRoute), never a
      // port, and send to the port of the first weighted route (argoproj/argo-rollouts
      // rollout/trafficrouting/istio/istio.go createHeaderRoute, SetMirrorRoute, getVirtualServiceCanaryPort;
      // commit 9f8d111): gRPC calls on 8081 they catch would be delivered to the HTTP port.
      c.add({
        field: 'policy', given: `${[policy.headerRoute !== undefined ? 'headerRoute' : '', policy.shadowTrafficPercent !== undefined ? 'shadow traffic' : ''].filter(Boolean).join(' and ')} with TrafficRouter.istio() and the server's gRPC on`,
        allowed: 'header routes and shadow traffic with gRPC off: Argo\'s managed Istio routes match no port and send what they catch, gRPC included, to the HTTP port',
        fix: 'set server: { grpc: false } on the endpoint, or remove headerRoute / shadowTrafficPercent',
      });
    }
    const caps = !kserve ? routedCapabilities(router) : (endpoint.flavour.kserveOptions.serverless ?? true) ? KSERVE_SERVERLESS_CAPABILITIES : KSERVE_RAW_CAPABILITIES;
    const resolution = SpecResolver.rollout(policy, caps, {
      minReplicas: endpoint.serving.minReplicas,
      endpointGuardrails: endpoint.serving.guardrails,
      acceptApproximateTraffic: props.acceptApproximateTraffic,
      acceptManualPromotion: props.acceptManualPromotion,
    });
    this.rollout = resolution.reportIfInvalid(this, `CanaryRollout ${this.node.path}`, c);
    this.warnings = [...resolution.warnings];
    addMetadataWarnings(this, this.warnings);
    if (c.count > 0) {
      // Reported at synth, which fails and writes nothing: the endpoint is left as it is, no rollout objects.
      this.promotions = [];
      return;
    }
    const g = this.rollout.guardrails;

    const plan = policy.steps.map((s) => `${s.trafficPercent}%/${s.bake.toSeconds()}s`).join(',');
    if (kserve) {
      this.promotions = policy.steps.slice(1).map((s, i) => ({
        trafficPercent: s.trafficPercent,
        after: policy.steps[i].bake,
        command: `kubectl patch inferenceservice ${endpoint.endpointName}${endpoint.namespace ? ` -n ${endpoint.namespace}` : ''} --type merge -p '{"spec":{"predictor":{"canaryTrafficPercent":${s.trafficPercent}}}}'`,
      }));
      endpoint._setCanary(policy.steps[0].trafficPercent, {
        [`${LABEL_PREFIX}/rollout-plan`]: plan,
        // Nothing enforces these on KServe (the user accepted manual promotion): they tell whoever promotes what to check.
        [`${LABEL_PREFIX}/rollout-guardrails`]: `errorRate<=${g.maxErrorRatePercent}%,${g.latencyPercentile.name}<=${g.maxLatency.toMilliseconds()}ms,manual`,
      });
      return;
    }
    this.promotions = [];

    const name = endpoint.endpointName;
    const namespace = endpoint.namespace;
    const labels = { ...endpoint.labels };
    const analysisName = `${name}-canary-analysis`;
    const seconds = (d: Duration) => `${d.toSeconds()}s`;
    const interval = seconds(g.evaluationPeriod);
    // rate() windows span at least four scrapes, so a fresh canary's first samples give a value.
    const window = rateWindow(g.evaluationPeriod, endpoint.scrapeInterval);
    // Argo (argoproj/argo-rollouts analysis/analysis.go assessMetricFailureInconclusiveOrError, utils/defaults,
    // commit 9f8d111): more than consecutiveErrorLimit (default 4) measurement errors in a row end the run in
    // Error and abort the rollout. An error (Prometheus unreachable) is not a breach: tolerate 10 minutes of
    // them, then abort, since nothing watches the guardrails any more.
    const consecutiveErrorLimit = Math.max(4, Math.ceil(600 / g.evaluationPeriod.toSeconds()));
    // Argo names canary pods <rollout>-<pod-template-hash>-<suffix>; the ServiceMonitor's `pod` label
    // lets the queries see the canary alone.
    const canary = { ...endpoint.metricScope('canary analysis'), podPattern: `${name}-{{args.canary-hash}}-.*` };

    this.analysisTemplate = typedApiObject<IAnalysisTemplate>(this, 'Analysis', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: analysisName, namespace, labels },
      spec: {
        args: [{ name: 'canary-hash' }],
        metrics: [
          {
            name: 'error-rate',
            interval,
            // Argo counts failed measurements in total, not consecutively: breachingPeriods is an upper bound.
            failureLimit: g.breachingPeriods - 1,
            consecutiveErrorLimit,
            // The Prometheus provider hands an instant vector to the condition as a list; a canary with no
            // series yet gives an empty one, and `result[0]` on it is an evaluation error
            // (metricproviders/prometheus/prometheus.go processResponse, utils/evaluate/evaluate.go): no data is no breach.
            successCondition: `len(result) == 0 || result[0] <= ${g.maxErrorRatePercent / 100}`,
            provider: {
              prometheus: {
                address: props.prometheusAddress!,
                query: PROMQL.errorRatio(canary, window),
              },
            },
          },
          {
            name: `${g.latencyPercentile.name.replace('.', '-')}-latency`,
            interval,
            failureLimit: g.breachingPeriods - 1,
            consecutiveErrorLimit,
            // No series yet gives an empty list, no requests in the window NaN: neither is a breach.
            successCondition: `len(result) == 0 || isNaN(result[0]) || result[0] <= ${g.maxLatency.toMilliseconds() / 1000}`,
            provider: {
              prometheus: {
                address: props.prometheusAddress!,
                query: PROMQL.latencyQuantile(canary, g.latencyPercentile.quantile, window),
              },
            },
          },
        ],
      },
    });

    const shadow = this.rollout.shadowTrafficPercent !== undefined ? { trafficPercent: this.rollout.shadowTrafficPercent, duration: this.rollout.shadowDuration! } : undefined;
    const headerRoute = this.rollout.headerRoute;
    const steps = argoCanarySteps(policy.steps, { headerRoute, shadow });
    // Argo puts managed routes above the weighted one, in this order.
    const managedRoutes = [...(headerRoute ? [MANAGED_ROUTES.header] : []), ...(shadow ? [MANAGED_ROUTES.mirror] : [])];
    const routing = router._bind(this, endpoint, managedRoutes);

    endpoint._replaceWorkload({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name });
    this.resource = typedApiObject<IRollout>(this, 'Resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name, namespace, labels },
      spec: {
        selector: { matchLabels: { ...endpoint.selectorLabels } },
        revisionHistoryLimit: 5,
        template: endpoint.podTemplate,
        strategy: {
          canary: {
            ...routing,
            maxUnavailable: 0,
            maxSurge: 1,
            // Background analysis from the first step on; a failed run aborts the rollout and scales the
            // canary away, so the stable version takes all traffic again without anyone acting.
            analysis: {
              templates: [{ templateName: analysisName }],
              args: [{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } }],
            },
            steps,
          },
        },
      },
    });
  }
}
