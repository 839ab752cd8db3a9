/**
 * `npm run cost`: the cost per 1000 predictions of every example endpoint at a stated load, at synth time, with the
 * same arithmetic as the dashboards and the `costPer1000PredictionsAbove` alarms (lib/cost.ts estimateCost).
 *
 * Load: an endpoint that scales on requests per replica is assumed to run at that target; one that scales on CPU or
 * GPU utilisation needs a stated load: how many predictions per second one replica answers at its target
 * utilisation (measure it with `npm run bench`). STATED_LOAD below is that statement for the examples (an
 * assumption, not a measurement); COST_PREDICTIONS_PER_SECOND_PER_REPLICA overrides it for every endpoint.
 * Replicas: the endpoint's minimum (what is paid around the clock) and maximum.
 */
import { IConstruct } from 'constructs';
import { CostEstimate, ReplicaPrice, ResolvedServing, ScalingMetric, estimateCost } from '../lib';

/** Predictions per second one replica of the examples' CPU digits classifier answers at its target utilisation. */
const STATED_LOAD = 50;

export interface Row {
  target: string;
  endpoint: string;
  price?: ReplicaPrice;
  loadPerReplica: number;
  loadSource: string;
  min?: CostEstimate;
  max?: CostEstimate;
}

interface PricedEndpoint extends IConstruct {
  readonly serving: ResolvedServing;
  readonly price?: ReplicaPrice;
}

function rowsOf(target: string, root: IConstruct, isEndpoint: (c: IConstruct) => boolean): Row[] {
  const override = process.env.COST_PREDICTIONS_PER_SECOND_PER_REPLICA;
  return root.node.findAll().filter(isEndpoint).map((c) => {
    const e = c as PricedEndpoint;
    const rps = e.serving.targets.find((t) => t.metric === ScalingMetric.INVOCATIONS_PER_REPLICA);
    const loadPerReplica = override ? Number(override) : rps ? rps.value : STATED_LOAD;
    const loadSource = override ? 'COST_PREDICTIONS_PER_SECOND_PER_REPLICA' : rps ? 'scaling target' : 'stated load (scripts/cost.ts)';
    const row: Row = { target, endpoint: e.node.path, price: e.price, loadPerReplica, loadSource };
    if (!e.price) return row;
    return { ...row, min: estimateCost(e.price.hourlyUsd, e.serving.minReplicas, loadPerReplica), max: estimateCost(e.price.hourlyUsd, e.serving.maxReplicas, loadPerReplica) };
  });
}

/** Every example endpoint's row. */
export function exampleCostRows(): Row[] {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const aws = require('../constructs/aws') as typeof import('../constructs/aws');
  const gcp = require('../constructs/gcp') as typeof import('../constructs/gcp');
  const azure = require('../constructs/azure') as typeof import('../constructs/azure');
  const k8s = require('../constructs/k8s') as typeof import('../constructs/k8s');
  const rows: Row[] = [];
  rows.push(...rowsOf('aws', (require('../examples/aws/main') as typeof import('../examples/aws/main')).buildAwsApp('cdk.out'), (c) => c instanceof aws.ModelEndpoint));
  rows.push(...rowsOf('gcp', (require('../examples/gcp/main') as typeof import('../examples/gcp/main')).buildGcpApp('cdktf.out'), (c) => c instanceof gcp.ModelEndpoint));
  rows.push(...rowsOf('azure', (require('../examples/azure/main') as typeof import('../examples/azure/main')).buildAzureApp('cdktf.out'), (c) => c instanceof azure.ModelEndpoint));
  rows.push(...rowsOf('k8s', (require('../examples/k8s/main') as typeof import('../examples/k8s/main')).buildK8sApp(), (c) => c instanceof k8s.ModelEndpoint));
  /* eslint-enable @typescript-eslint/no-require-imports */
  return rows;
}

function usd(n: number, digits: number): string {
  return n.toFixed(digits);
}

function main(): void {
  const rows = exampleCostRows();
  const header = ['target', 'endpoint', 'USD/h per replica', 'price source', 'predictions/s per replica', 'load', 'replicas', 'USD/h', 'predictions/h', 'USD per 1000'];
  const lines: string[][] = [header];
  for (const r of rows) {
    if (!r.price || !r.min || !r.max) {
      lines.push([r.target, r.endpoint, '-', 'no price: set hourlyPriceUsd', String(r.loadPerReplica), r.loadSource, '-', '-', '-', '-']);
      continue;
    }
    for (const e of r.min.replicas === r.max.replicas ? [r.min] : [r.min, r.max]) {
      lines.push([r.target, r.endpoint, usd(r.price.hourlyUsd, 4), r.price.source, String(r.loadPerReplica), r.loadSource, String(e.replicas), usd(e.hourlyUsd, 4), String(e.predictionsPerHour), usd(e.usdPer1000Predictions, 6)]);
    }
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  for (const l of lines) console.log(l.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
  console.log('\nPrices marked "snapshot" are list prices recorded in lib/cost.ts PRICE_SNAPSHOT (stale by design); hourlyPriceUsd on an endpoint wins.');
}

if (require.main === module) main();
