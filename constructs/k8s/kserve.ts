import type { ObjectMeta, PodSpec } from './k8s-types';

/**
 * The part of KServe's predictor (serving.kserve.io/v1beta1 `PredictorSpec`) this backend emits: pod
 * fields plus KServe's component extension. No npm package ships KServe's schema; the tests validate the
 * pod fields against the Kubernetes PodSpec schema and the rest against test/support/k8s-kserve-schema.json.
 *
 * TypeScript-only (a `Pick<PodSpec>`, which jsii cannot model; other languages read the InferenceService through
 * the endpoint's cdk8s ApiObject; lib/README.md "jsii and Python").
 * @jsii ignore
 */
export interface KServePredictor extends Pick<
  PodSpec,
  'containers' | 'volumes' | 'serviceAccountName' | 'automountServiceAccountToken' | 'enableServiceLinks' | 'terminationGracePeriodSeconds' | 'securityContext' | 'nodeSelector' | 'tolerations' | 'topologySpreadConstraints'
> {
  readonly minReplicas?: number;
  readonly maxReplicas?: number;
  /** `cpu`, `memory`, `concurrency` or `rps`. */
  readonly scaleMetric?: 'cpu' | 'memory' | 'concurrency' | 'rps';
  readonly scaleTarget?: number;
  readonly containerConcurrency?: number;
  /** Seconds. */
  readonly timeout?: number;
  readonly canaryTrafficPercent?: number;
}

/**
 * An InferenceService as this backend emits it.
 *
 * TypeScript-only (the manifest's TypeScript shape, see KServePredictor; lib/README.md "jsii and Python").
 * @jsii ignore
 */
export interface InferenceServiceManifest {
  readonly apiVersion: 'serving.kserve.io/v1beta1';
  readonly kind: 'InferenceService';
  readonly metadata: ObjectMeta;
  readonly spec: { readonly predictor: KServePredictor };
}
