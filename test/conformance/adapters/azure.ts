/** Azure ML: renders a case with the Azure constructs (cdktf) and reads the Terraform JSON back. */
import { Accelerator, ModelServingProps, ScalingMetric } from '../../../lib';
import {
  AZURE_ML_CAPABILITIES,
  AZURE_ML_TYPES,
  BudgetGuard,
  CanaryRollout,
  ModelEndpoint,
  azureMlSizesFor,
  describeGuardrailAlerts,
} from '../../../constructs/azure';
import { synth } from '../../azure/support/synth';
import { WEBHOOK_APP } from '../../azure/support/fixtures';
import { CommonView, ConformanceAdapter, ConformanceCase, targetKey } from '../harness';
import { throwReportedProblems } from '../../support/expect-problems';

/** The VM size a case runs on: what Azure ML needs besides the spec (a T4 size where it has no size for the GPU). */
function instanceTypeFor(accelerator: Accelerator | undefined): string {
  if (!accelerator) return 'Standard_DS3_v2';
  return azureMlSizesFor(accelerator.name)[0] ?? (accelerator === Accelerator.NVIDIA_A10G ? 'Standard_NV36ads_A10_v5' : 'Standard_NC4as_T4_v3');
}

const METRICS: Record<string, ScalingMetric> = {
  CpuUtilizationPercentage: ScalingMetric.CPU_UTILIZATION,
  GpuUtilizationPercentage: ScalingMetric.GPU_UTILIZATION,
  RequestsPerMinute: ScalingMetric.INVOCATIONS_PER_REPLICA,
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

function render(c: ConformanceCase, spec: ModelServingProps): CommonView {
  const { tf } = synth((scope) => {
    const endpoint = new ModelEndpoint(scope, 'Endpoint', { ...spec, resourceGroupName: 'rg', location: 'westeurope', instanceType: instanceTypeFor(spec.accelerator) });
    if (c.rollout) new CanaryRollout(scope, 'Rollout', { webhookApplication: WEBHOOK_APP, endpoint, policy: c.rollout });
    if (c.budget) new BudgetGuard(scope, 'Budget', { webhookApplication: WEBHOOK_APP, endpoints: [endpoint], budget: c.budget, startDate: '2026-12-01', acceptPastStartDate: true });
    throwReportedProblems(scope);
  });
  const r = tf.resource as Record<string, Record<string, Json>>;
  const azapi = Object.values(r.azapi_resource);
  const byType = (t: string) => azapi.find((x) => x.type === t);
  const environment = byType(AZURE_ML_TYPES.environmentVersion)!.body.properties;
  const modelVersion = byType(AZURE_ML_TYPES.modelVersion)!.body.properties;
  // Under a rollout the version's deployment is a PUT action; otherwise an azapi_resource.
  const deployment = byType(AZURE_ML_TYPES.onlineDeployment) ?? Object.values(r.azapi_resource_action ?? {})[0];
  const env: Record<string, string> = deployment.body.properties.environmentVariables;
  const autoscale = Object.values(r.azurerm_monitor_autoscale_setting)[0].profile[0];
  const alerts = Object.values(r.azurerm_monitor_scheduled_query_rules_alert_v2).filter((a) => !String(a.name).includes('-rollback-'));
  const apps = Object.values(r.azurerm_linux_function_app ?? {});

  const view: CommonView = {
    image: (environment.image as string).split('/').slice(1).join('/'),
    modelSignature: env.MODEL_SERVER_MODEL_SIGNATURE ? JSON.parse(env.MODEL_SERVER_MODEL_SIGNATURE) : undefined,
    // A local file is uploaded to this construct's own blob.
    modelSource: r.azurerm_storage_blob ? 'local' : modelVersion.modelUri,
    environment: Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('MODEL_SERVER_'))),
    minReplicas: autoscale.capacity.minimum,
    maxReplicas: autoscale.capacity.maximum,
    scalingTargets: (autoscale.rule as Json[]).filter((x) => x.scale_action.direction === 'Increase').map((x) => {
      const t = x.metric_trigger;
      const metric = METRICS[t.metric_name];
      return targetKey(metric, metric === ScalingMetric.INVOCATIONS_PER_REPLICA ? t.threshold / 60 : t.threshold);
    }),
    // The deployment carries the version's identity (the endpoint outlives versions).
    identity: Object.fromEntries(Object.entries((deployment.tags ?? deployment.body.tags) as Record<string, string>).filter(([k]) => k.startsWith('model-')).map(([k, v]) => [k.slice('model-'.length), v])),
    guardrails: describeGuardrailAlerts(alerts.find((a) => String(a.name).endsWith('-error-rate'))!, alerts.find((a) => String(a.name).includes('-latency-'))!),
  };
  const controller = apps.find((a) => a.app_settings.ROLLOUT_STEPS);
  const enforcer = apps.find((a) => a.app_settings.BUDGET_ACTION);
  const budget = Object.values(r.azurerm_consumption_budget_resource_group ?? {})[0];
  return {
    ...view,
    ...(c.rollout ? { rolloutWeights: (JSON.parse(controller!.app_settings.ROLLOUT_STEPS) as { percent: number }[]).map((s) => s.percent) } : {}),
    ...(c.budget ? {
      budget: [
        `limit=${budget.amount}`,
        `notifyAt=${(budget.notification as Json[]).filter((n) => n.threshold_type === 'Actual').map((n) => n.threshold).join(',')}`,
        `action=${enforcer ? enforcer.app_settings.BUDGET_ACTION : 'NOTIFY'}`,
      ],
    } : {}),
  };
}

export const adapters: ConformanceAdapter[] = [
  { backend: AZURE_ML_CAPABILITIES.backend, capabilities: AZURE_ML_CAPABILITIES, registry: 'contoso.azurecr.io', render },
];
