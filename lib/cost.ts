/**
 * Cost per 1000 predictions: the price of the replicas that serve a model divided by the predictions they answer.
 * The same arithmetic runs at synth time (`npm run cost`, for a stated load) and, rendered by each backend, as a
 * metric on the dashboard and under the `costPer1000PredictionsAbove` alarm.
 *
 * Prices come from the user (`hourlyPriceUsd`, always wins) or from PRICE_SNAPSHOT below, a dated snapshot of
 * on-demand list prices that goes stale: it is a convenience for examples and first estimates, not a bill.
 */
import { ProblemCollector, describe, isUnresolved } from './errors';

/** A price in the snapshot: USD per replica-hour in one region. */
export interface SnapshotPrice {
  readonly hourlyUsd: number;
  readonly region: string;
}

/**
 * SNAPSHOT of on-demand list prices (USD per hour, Linux, no discounts) as of `date`, for the pages in `sources`. Only
 * the instance types the examples use. Approximate: entered without the live price pages at hand (third-party
 * copies agreed for ml.g5.xlarge, about 1.41), and no test can re-check them; stale by design. Pass
 * `hourlyPriceUsd` for your region and your discounts.
 */
export const PRICE_SNAPSHOT = {
  date: '2026-12-06',
  snapshot: true,
  sources: {
    aws: 'https://aws.amazon.com/sagemaker/pricing/ (On-Demand, Real-Time Inference, US East (N. Virginia))',
    gcp: 'https://cloud.google.com/vertex-ai/pricing (Prediction and explanation, custom-trained models, us-central1)',
    azure: 'https://azure.microsoft.com/pricing/details/virtual-machines/linux/ (Azure ML managed online endpoints bill the VM, East US)',
  },
  aws: {
    'ml.c5.xlarge': { hourlyUsd: 0.204, region: 'us-east-1' },
    'ml.g5.xlarge': { hourlyUsd: 1.408, region: 'us-east-1' },
  } as Readonly<Record<string, SnapshotPrice>>,
  gcp: {
    'n1-standard-4': { hourlyUsd: 0.2185, region: 'us-central1' },
  } as Readonly<Record<string, SnapshotPrice>>,
  azure: {
    Standard_F4s_v2: { hourlyUsd: 0.169, region: 'eastus' },
  } as Readonly<Record<string, SnapshotPrice>>,
} as const;

export type PricedCloud = 'aws' | 'gcp' | 'azure';

/** A replica's hourly price and where it came from. */
export interface ReplicaPrice {
  readonly hourlyUsd: number;
  /** `user` (hourlyPriceUsd) or `snapshot <date>`. */
  readonly source: string;
}

/** The user's price when given, else the snapshot's for `instanceType`, else undefined. */
export function replicaPrice(cloud: PricedCloud | 'k8s', instanceType: string | undefined, hourlyPriceUsd: number | undefined): ReplicaPrice | undefined {
  if (hourlyPriceUsd !== undefined) return { hourlyUsd: hourlyPriceUsd, source: 'user' };
  if (cloud === 'k8s' || instanceType === undefined) return undefined;
  const p = PRICE_SNAPSHOT[cloud][instanceType];
  return p ? { hourlyUsd: p.hourlyUsd, source: `snapshot ${PRICE_SNAPSHOT.date} (${p.region})` } : undefined;
}

/** USD per 1000 predictions for `replicas` replicas at `hourlyUsd` each answering `predictionsPerSecond` in all. */
export function costPer1000Predictions(hourlyUsd: number, replicas: number, predictionsPerSecond: number): number {
  return (hourlyUsd * replicas * 1000) / (predictionsPerSecond * 3600);
}

/** One row of `npm run cost`. */
export interface CostEstimate {
  readonly hourlyUsdPerReplica: number;
  readonly replicas: number;
  readonly hourlyUsd: number;
  readonly predictionsPerHour: number;
  readonly usdPer1000Predictions: number;
}

/** The cost of `replicas` replicas each answering `predictionsPerSecondPerReplica` (the load at the target utilisation). */
export function estimateCost(hourlyUsdPerReplica: number, replicas: number, predictionsPerSecondPerReplica: number): CostEstimate {
  const predictionsPerHour = predictionsPerSecondPerReplica * replicas * 3600;
  return {
    hourlyUsdPerReplica,
    replicas,
    hourlyUsd: hourlyUsdPerReplica * replicas,
    predictionsPerHour,
    usdPer1000Predictions: costPer1000Predictions(hourlyUsdPerReplica, replicas, predictionsPerSecondPerReplica * replicas),
  };
}

/**
 * Checks `hourlyPriceUsd` and `costPer1000PredictionsAbove` (all problems at once, into `problems`). `price` is the
 * resolved price: a cost alarm needs one.
 */
export function checkCostOptions(
  opts: { readonly hourlyPriceUsd?: number; readonly costPer1000PredictionsAbove?: number },
  price: ReplicaPrice | undefined,
  instanceType: string | undefined,
  problems: ProblemCollector,
): void {
  const { hourlyPriceUsd: h, costPer1000PredictionsAbove: c } = opts;
  if (h !== undefined && !isUnresolved(h) && !(Number.isFinite(h) && h > 0 && h <= 100_000)) {
    problems.add({ field: 'hourlyPriceUsd', given: describe(h), allowed: 'a price above 0 and at most 100000 USD per replica-hour', fix: 'e.g. 1.41 for one ml.g5.xlarge' });
  }
  if (c !== undefined && !isUnresolved(c) && !(Number.isFinite(c) && c > 0)) {
    problems.add({ field: 'costPer1000PredictionsAbove', given: describe(c), allowed: 'a number of USD above 0', fix: 'e.g. 0.05' });
  } else if (c !== undefined && price === undefined) {
    problems.add({
      field: 'costPer1000PredictionsAbove',
      given: `${describe(c)} with no price for ${instanceType === undefined ? 'this endpoint' : `instance type ${instanceType}`}`,
      allowed: 'a cost alarm on an endpoint with a price (hourlyPriceUsd, or an instance type in PRICE_SNAPSHOT)',
      fix: 'set hourlyPriceUsd to what one replica costs per hour',
    });
  }
}
