import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Accelerator, BudgetSpec, ProblemCollector, ResolvedBudget, Size, SpecResolver, SpecWarning, addSpecValidation, describe } from '../../lib';
import { IBudgetGuardContract } from '../../lib/backend';
import { addMetadataWarnings } from '../../lib/internal/warnings';
import { KUBERNETES_CAPABILITIES } from './capabilities';
import { DNS_LABEL, cpuQuantity, memoryQuantity, typedApiObject } from './internal';
import { routedAlertLabels } from './dashboard';
import type { ILimitRange, INamespace, IPrometheusRule, IResourceQuota } from './k8s-schema';
import { NODE_SCHEDULING } from '../../lib/contract';
import { LABELS } from './names';
import { ModelEndpoint } from './model-endpoint';
import { budgetGuardPropShapes, throwIfBadShapes } from '../../lib/prop-shapes';

const GPU_RESOURCE = NODE_SCHEDULING.gpuResource;

/** Hourly price of one GPU of a kind. */
export interface GpuPrice {
  readonly accelerator: Accelerator;
  /** US dollars per GPU-hour (on-demand list price, or your negotiated one). */
  readonly hourlyUsd: number;
}

export interface BudgetGuardProps {
  /** Namespace to create; put the guarded endpoints in it. */
  readonly namespace: string;
  /**
   * Monthly limit and alert thresholds (the shared spec). Only BudgetAction.NOTIFY is honoured;
   * forecastThresholdPercent, enforceAtPercent and emails are refused (see KUBERNETES_CAPABILITIES.budget).
   */
  readonly budget: BudgetSpec;
  /** Price table for the GPUs the namespace may use: prices the cost rule and sizes the GPU quota. */
  readonly gpuPrices: GpuPrice[];
  /**
   * Most GPUs requested at once in the namespace.
   * @default - as many as the monthly limit pays for around the clock at the highest listed price
   */
  readonly maxGpus?: number;
  /** CPU cores requested in the namespace at most. @default 64 */
  readonly maxCpu?: number;
  /** Memory requested in the namespace at most. @default Size.gibibytes(256) */
  readonly maxMemory?: Size;
  /** Pods in the namespace at most. @default 100 */
  readonly maxPods?: number;
  /** Apply Pod Security "restricted" to the namespace (enforce, audit, warn). @default true */
  readonly enforceRestrictedPodSecurity?: boolean;
}

/** Hours in an average month (365.25 * 24 / 12), for projecting an hourly rate to a month. */
export const HOURS_PER_MONTH = 730.5;

/**
 * A namespace that cannot outspend its budget: a ResourceQuota caps GPUs (by default at what the budget
 * pays for around the clock), CPU, memory and pods; a LimitRange gives containers that forget them
 * defaults; a PrometheusRule alerts when the running GPUs' hourly cost projects past the monthly limit.
 *
 * The cost rule reads kube-state-metrics: `kube_pod_container_resource_requests` and `kube_pod_labels`
 * with the pod label `model-serving.dev/accelerator` allow-listed
 * (`--metric-labels-allowlist=pods=[model-serving.dev/accelerator]`).
 */
export class BudgetGuard extends Construct implements IBudgetGuardContract {
  public readonly namespaceName: string;
  /** Advice from the shared resolver (also `model-serving:warning` metadata on this construct). */
  public readonly warnings: SpecWarning[];

  /** The budget's name: its namespace (the cost alerts carry it as the label `model_serving_budget`). */
  public get budgetName(): string {
    return this.namespaceName;
  }
  /** The Namespace. */
  public readonly resource: ApiObject;
  /** GPUs the quota allows. */
  public readonly maxGpus: number;
  /** The budget after defaults, as every backend sees it. */
  public readonly budget: ResolvedBudget;

  constructor(scope: Construct, id: string, props: BudgetGuardProps) {
    super(scope, id);
    // JavaScript callers: a prop of the wrong kind is named here, before the rest reads it as typed.
    throwIfBadShapes(`BudgetGuard ${this.node.path}`, props, [...budgetGuardPropShapes(), { field: 'namespace', kind: 'string', required: true, example: "'ml-serving'" }, { field: 'gpuPrices', kind: 'object', array: true, example: '{ accelerator: Accelerator.NVIDIA_L4, hourlyUsd: 0.8 }' }]);
    const owner = `BudgetGuard ${this.node.path}`;
    const c = new ProblemCollector();
    const ns = props.namespace;
    if (!DNS_LABEL.test(ns)) {
      c.add({ field: 'namespace', given: describe(ns), allowed: 'a DNS-1123 label', fix: 'e.g. "ml-serving"' });
    }
    // A JavaScript caller (or a cast) can leave gpuPrices out; say so instead of failing on undefined.
    const gpuPrices: readonly GpuPrice[] = Array.isArray(props.gpuPrices) ? props.gpuPrices : [];
    if (gpuPrices.length === 0) {
      c.add({
        field: 'gpuPrices',
        given: props.gpuPrices === undefined ? 'nothing' : describe(props.gpuPrices),
        allowed: 'one price per accelerator the namespace may use (the cost alerts and the GPU quota are computed from it)',
        fix: 'e.g. gpuPrices: [{ accelerator: Accelerator.NVIDIA_L4, hourlyUsd: 0.8 }]',
      });
    }
    const seen = new Set<string>();
    gpuPrices.forEach((p, i) => {
      if (!(Number.isFinite(p.hourlyUsd) && p.hourlyUsd > 0 && p.hourlyUsd <= 1000)) {
        c.add({ field: `gpuPrices[${i}].hourlyUsd`, given: describe(p.hourlyUsd), allowed: 'above 0 and at most 1000 US dollars', fix: 'use the per-GPU hourly price' });
      }
      if (seen.has(p.accelerator.name)) {
        c.add({ field: `gpuPrices[${i}].accelerator`, given: p.accelerator.name, allowed: 'each accelerator once', fix: 'remove the duplicate price' });
      }
      seen.add(p.accelerator.name);
    });
    const highest = Math.max(0, ...gpuPrices.map((p) => p.hourlyUsd));
    const affordable = highest > 0 ? Math.floor(props.budget.monthlyLimitUsd / (highest * HOURS_PER_MONTH)) : 0;
    if (props.maxGpus === undefined && highest > 0 && Number.isFinite(affordable) && affordable < 1) {
      c.add({
        field: 'budget.monthlyLimitUsd',
        given: `${props.budget.monthlyLimitUsd} with GPUs at up to ${highest} USD/h`,
        allowed: `at least ${Math.ceil(highest * HOURS_PER_MONTH)} (one GPU for a month)`,
        fix: 'raise the budget, or set maxGpus explicitly and rely on the alerts',
      });
    }
    if (props.maxGpus !== undefined && !(Number.isInteger(props.maxGpus) && props.maxGpus >= 0 && props.maxGpus <= 10_000)) {
      c.add({ field: 'maxGpus', given: describe(props.maxGpus), allowed: 'an integer from 0 to 10000', fix: 'e.g. 4' });
    }
    const maxCpu = props.maxCpu ?? 64;
    if (!(maxCpu >= 1 && maxCpu <= 100_000)) c.add({ field: 'maxCpu', given: describe(maxCpu), allowed: 'from 1 to 100000 cores', fix: 'e.g. 64' });
    const maxPods = props.maxPods ?? 100;
    if (!(Number.isInteger(maxPods) && maxPods >= 1 && maxPods <= 100_000)) c.add({ field: 'maxPods', given: describe(maxPods), allowed: 'an integer from 1 to 100000', fix: 'e.g. 100' });
    // Shared budget rules (limit, thresholds) and the refusals (action, forecast, enforceAt, emails) land in the same error.
    const resolution = SpecResolver.budget(props.budget, KUBERNETES_CAPABILITIES);
    const budget = resolution.reportIfInvalid(this, owner, c);
    this.warnings = [...resolution.warnings];
    addMetadataWarnings(this, this.warnings);
    this.budget = budget;

    this.namespaceName = ns;
    // Cross-object: every accelerator an endpoint of this chart uses in the namespace has a price, or its
    // spend would never reach the cost rule. Checked at synth (cdk8s App.synth runs every validation and
    // reports them together), when the chart holds all its endpoints.
    const priced = new Set(gpuPrices.map((p) => p.accelerator.name));
    addSpecValidation(this, owner, () => Chart.of(this).node.findAll()
      .filter((n): n is ModelEndpoint => n instanceof ModelEndpoint && n.namespace === ns && n.serving.accelerator !== undefined && !priced.has(n.serving.accelerator.name))
      .map((e) => ({
        field: 'gpuPrices',
        given: `no price for ${e.serving.accelerator!.name}, used by ModelEndpoint ${e.node.path} in namespace "${ns}"`,
        allowed: 'a price for every accelerator the namespace\'s endpoints use (unpriced GPUs never reach the cost rule or the budget)',
        fix: `add { accelerator: Accelerator.${e.serving.accelerator!.name}, hourlyUsd: <price per GPU-hour> } to gpuPrices`,
      })));
    this.maxGpus = props.maxGpus ?? affordable;
    const labels = { [LABELS.managedBy]: 'model-serving-constructs' };
    const restricted = props.enforceRestrictedPodSecurity ?? true;

    this.resource = typedApiObject<INamespace>(this, 'Resource', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: ns,
        labels: {
          ...labels,
          ...(restricted
            ? { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' }
            : {}),
        },
      },
    });

    typedApiObject<IResourceQuota>(this, 'Quota', {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'model-serving-budget', namespace: ns, labels },
      spec: {
        hard: {
          [`requests.${GPU_RESOURCE}`]: String(this.maxGpus),
          'requests.cpu': cpuQuantity(maxCpu),
          'limits.cpu': cpuQuantity(maxCpu),
          'requests.memory': memoryQuantity(props.maxMemory ?? Size.gibibytes(256)),
          'limits.memory': memoryQuantity(props.maxMemory ?? Size.gibibytes(256)),
          pods: String(maxPods),
        },
      },
    });

    typedApiObject<ILimitRange>(this, 'Limits', {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'model-serving-defaults', namespace: ns, labels },
      spec: {
        limits: [
          {
            type: 'Container',
            defaultRequest: { cpu: '250m', memory: '256Mi' },
            default: { cpu: '500m', memory: '512Mi' },
            max: { [GPU_RESOURCE]: '8' },
          },
        ],
      },
    });

    // GPU-hours being paid for right now, priced per accelerator.
    const accLabel = `label_${LABELS.accelerator.replace(/[^a-zA-Z0-9]/g, '_')}`;
    const costTerms = gpuPrices.map((p) =>
      `${p.hourlyUsd} * sum(sum by (namespace, pod) (kube_pod_container_resource_requests{namespace="${ns}",resource="${GPU_RESOURCE.replace(/[^a-zA-Z0-9]/g, '_')}"}) ` +
      `* on (namespace, pod) group_left () max by (namespace, pod) (kube_pod_labels{namespace="${ns}",${accLabel}="${p.accelerator.nodeLabelValue}"}))`,
    );
    const costRecord = 'model_serving:gpu_cost_usd_per_hour';
    const projected = `${costRecord}{namespace="${ns}"} * ${HOURS_PER_MONTH}`;
    const alertLabels = { model_serving_budget: ns };
    typedApiObject<IPrometheusRule>(this, 'CostAlerts', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'model-serving-budget', namespace: ns, labels },
      spec: {
        groups: [
          {
            name: `model-serving-budget-${ns}`,
            interval: '1m',
            rules: [
              // Each term falls back to 0 so one accelerator without pods does not blank the sum.
              { record: costRecord, expr: `label_replace(${costTerms.map((t) => `(${t} or vector(0))`).join(' + ')}, "namespace", "${ns}", "", "")` },
              ...budget.alertThresholdsPercent.map((t) => ({
                alert: 'ModelServingGpuCostProjectedOverBudget',
                expr: `${projected} > ${(budget.monthlyLimitUsd * t) / 100}`,
                for: '15m',
                labels: routedAlertLabels(this, { ...alertLabels, severity: t >= 100 ? 'critical' : 'warning', threshold_percent: String(t) }),
                annotations: {
                  summary: `GPUs in ${ns} would cost more than ${t}% of the ${budget.monthlyLimitUsd} USD monthly budget`,
                  description: `At the current rate ({{ $value | humanize }} USD per month) the namespace ${ns} exceeds ${t}% of its monthly budget. Scale endpoints down or lower maxReplicas.`,
                },
              })),
            ],
          },
        ],
      },
    });
  }
}
