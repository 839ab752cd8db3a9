/**
 * The one place the Azure backend meets the shared spec's resolution API. Everything else in constructs/azure
 * calls `resolveForAzure` and reads `AZURE_ML_CAPABILITIES`, so a change of the spec's API is a change here.
 *
 * Refusals by name (backend + field) for what Azure ML managed online endpoints cannot do live here too.
 */
import {
  BackendCapabilities,
  ModelServingProps,
  ProblemCollector,
  ResolvedServing,
  ScalingMetric,
  resolveServing,
} from '../../lib';

export const AZURE_ML_BACKEND = 'Azure ML';

/** What Azure ML managed online endpoints support, for the shared validation. */
export const AZURE_ML_CAPABILITIES: BackendCapabilities = {
  backend: AZURE_ML_BACKEND,
  // Managed deployments run at least one instance; autoscale minimum is 1.
  supportsScaleToZero: false,
  // Azure Monitor autoscale on the deployment: CpuUtilizationPercentage, GpuUtilizationPercentage, and
  // RequestsPerMinute divided by the instance count.
  scalingMetrics: [ScalingMetric.CPU_UTILIZATION, ScalingMetric.GPU_UTILIZATION, ScalingMetric.INVOCATIONS_PER_REPLICA],
  // Quota: 50 instances per deployment (how-to-manage-quotas.md).
  maxReplicas: 50,
};

/** Longest request Azure ML forwards to a managed deployment (requestSettings.requestTimeout). */
export const AZURE_ML_MAX_REQUEST_TIMEOUT_MS = 180_000;

/** Resolves the shared spec for Azure ML and adds the backend's own refusals to `problems` before throwing. */
export function resolveForAzure(owner: string, props: ModelServingProps, problems: ProblemCollector): ResolvedServing {
  if (!props.image || props.image.isBundled) {
    problems.add({
      field: 'image',
      given: 'ServingImage.bundled()',
      allowed: `on ${AZURE_ML_BACKEND}: ServingImage.fromRegistry(uri); Terraform cannot build container images`,
      fix: 'build runtime/Dockerfile (or Dockerfile.gpu) in CI, push it to your Azure Container Registry and pass ' +
        'ServingImage.fromRegistry("<registry>.azurecr.io/model-server@sha256:<digest>") with imageRegistryId',
    });
  }
  const timeout = props.server?.requestTimeout;
  // The server answers its own deadline; Azure's is one second longer so the caller sees the server's 504.
  if (timeout && timeout.toMilliseconds() + 1000 > AZURE_ML_MAX_REQUEST_TIMEOUT_MS) {
    problems.add({
      field: 'server.requestTimeout',
      given: timeout.toString(),
      allowed: `on ${AZURE_ML_BACKEND}: at most ${AZURE_ML_MAX_REQUEST_TIMEOUT_MS / 1000 - 1} s (managed endpoints cut requests at 180 s)`,
      fix: 'use Duration.seconds(179) or less, or serve long requests on AKS',
    });
  }
  for (const field of ['scaleInCooldown', 'scaleOutCooldown'] as const) {
    const d = props.scaling?.[field];
    if (d && d.toSeconds() < 60) {
      problems.add({
        field: `scaling.${field}`,
        given: d.toString(),
        allowed: `on ${AZURE_ML_BACKEND}: at least 1 minute (Azure Monitor autoscale cooldown)`,
        fix: 'use Duration.minutes(1) or more',
      });
    }
  }
  return resolveServing(owner, props, AZURE_ML_CAPABILITIES, problems);
}
