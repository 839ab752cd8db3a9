/**
 * Vertex AI: renders a case with the Google Cloud constructs (cdktf) and reads the Terraform JSON back: the
 * deployment plan the deployer receives, the endpoint's alert policies, the rollout's steps and the budget.
 */
import { Accelerator, ModelServingProps } from '../../../lib';
import { BudgetGuard, CanaryRollout, ModelEndpoint, VERTEX_CAPABILITIES } from '../../../constructs/gcp';
import { VERTEX_METRICS } from '../../../constructs/gcp/vertex/bodies';
import { DeploymentPlan } from '../../../constructs/gcp/vertex/plan';
import { synth } from '../../gcp/support/cdktf';
import { CommonView, ConformanceAdapter, ConformanceCase, targetKey } from '../harness';
import { throwReportedProblems } from '../../support/expect-problems';

const REGISTRY = 'europe-west4-docker.pkg.dev/acme-ml/serving';

/** The machine type a case runs on: what Vertex AI needs besides the spec. */
function machineTypeFor(accelerator: Accelerator | undefined): string {
  const byGpu: Record<string, string> = { NVIDIA_T4: 'n1-standard-8', NVIDIA_L4: 'g2-standard-8', NVIDIA_A100: 'a2-highgpu-1g', NVIDIA_H100: 'a3-highgpu-1g' };
  return accelerator ? byGpu[accelerator.name] ?? 'n1-standard-8' : 'n1-standard-4';
}

const METRICS: Record<string, string> = { [VERTEX_METRICS.cpuUtilization]: 'CPU_UTILIZATION', [VERTEX_METRICS.acceleratorDutyCycle]: 'GPU_UTILIZATION' };

/** Terraform template escapes in the plan, undone: what the deployer receives. */
function unescape(value: string): string {
  return value.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

function render(c: ConformanceCase, spec: ModelServingProps): CommonView {
  let endpoint!: ModelEndpoint;
  const { json } = synth((scope) => {
    endpoint = new ModelEndpoint(scope, 'Endpoint', { ...spec, project: 'acme-ml', region: 'europe-west4', machineType: machineTypeFor(spec.accelerator) });
    if (c.rollout) new CanaryRollout(scope, 'Rollout', { endpoint, policy: c.rollout });
    if (c.budget) new BudgetGuard(scope, 'Budget', { endpoints: [endpoint], budget: c.budget, billingAccount: '01D4EE-079462-DFD6EC' });
    throwReportedProblems(scope);
  });
  const resources = (type: string): [string, Json][] => Object.entries((json.resource[type] ?? {}) as Record<string, Json>);
  const plan = resources('terraform_data').find(([k]) => k.includes('Deployment'))![1].input as DeploymentPlan;
  const env = Object.fromEntries(Object.entries(plan.spec.environment).map(([k, v]) => [k, unescape(v)]));
  // On a GPU machine Vertex AI also tracks the metric the targets leave out; the construct sets it at 90% and
  // warns. It is the platform's, not a spec target, so the view keeps the targets the spec named.
  const named = new Set(endpoint.serving.targets.map((t) => t.metric as string));
  const scalingTargets = plan.spec.autoscaling.filter((a) => named.has(METRICS[a.metricName])).map((a) => targetKey(METRICS[a.metricName], a.target));

  const view: CommonView = {
    image: plan.spec.imageUri.slice(REGISTRY.length + 1),
    modelSignature: env.MODEL_SERVER_MODEL_SIGNATURE ? JSON.parse(env.MODEL_SERVER_MODEL_SIGNATURE) : undefined,
    // A local file becomes this construct's own bucket object.
    modelSource: endpoint.node.tryFindChild('ModelObject') ? 'local' : spec.model.uri!,
    environment: Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('MODEL_SERVER_'))),
    minReplicas: plan.spec.minReplicas,
    maxReplicas: plan.spec.maxReplicas,
    scalingTargets,
    identity: Object.fromEntries(Object.entries(plan.spec.labels).filter(([k]) => k.startsWith('model-')).map(([k, v]) => [k.slice('model-'.length), v])),
    guardrails: guardrailsOf(resources('google_monitoring_alert_policy').filter(([k]) => k.startsWith('Endpoint_')).map(([, v]) => v)),
  };
  return {
    ...view,
    ...(c.rollout ? { rolloutWeights: plan.rollout!.steps.map((s) => s.trafficPercent) } : {}),
    ...(c.budget ? { budget: budgetOf(resources) } : {}),
  };
}

function guardrailsOf(policies: Json[]): string[] {
  const condition = (p: Json) => p.conditions[0].condition_threshold;
  const errors = condition(policies.find((p) => condition(p).denominator_filter)!);
  const latency = condition(policies.find((p) => !condition(p).denominator_filter)!);
  const aggregation = latency.aggregations[0];
  const window = parseInt(aggregation.alignment_period, 10);
  return [
    `errors>${Math.round(errors.threshold_value * 100 * 1e6) / 1e6}%`,
    `${aggregation.per_series_aligner.replace('ALIGN_PERCENTILE_', 'p')}>${latency.threshold_value}ms`,
    `window=${window}s`,
    `breaches=${parseInt(latency.duration, 10) / window}`,
  ];
}

function budgetOf(resources: (type: string) => [string, Json][]): string[] {
  const budget = resources('google_billing_budget')[0][1];
  const notifyAt = (budget.threshold_rules as Json[]).filter((r) => r.spend_basis === 'CURRENT_SPEND').map((r) => Math.round(r.threshold_percent * 100));
  const fn = resources('google_cloudfunctions2_function').find(([k]) => k.startsWith('Budget_'));
  const action = fn ? fn[1].service_config.environment_variables.ACTION : 'NOTIFY';
  const amount = budget.amount.specified_amount;
  return [`limit=${Number(amount.units) + (amount.nanos ?? 0) / 1e9}`, `notifyAt=${notifyAt.join(',')}`, `action=${action}`];
}

export const adapters: ConformanceAdapter[] = [
  { backend: VERTEX_CAPABILITIES.backend, capabilities: VERTEX_CAPABILITIES, registry: REGISTRY, render },
];
