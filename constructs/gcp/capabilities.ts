import { BackendCapabilities, ScalingMetric } from '../../lib';

/**
 * What Vertex AI online prediction (v1, shared public endpoints) can honour, for the shared validation.
 * Requests and responses above 1.5 MB are refused by the platform, so the server's body limit defaults to it;
 * v1 cannot scale to zero (scaleToZeroSpec is v1beta1 Preview) and tracks CPU utilization and accelerator
 * duty cycle (together, on GPU machines), not a request rate.
 */
export const VERTEX_CAPABILITIES: BackendCapabilities = {
  backend: 'Vertex AI',
  supportsScaleToZero: false,
  scalingMetrics: [ScalingMetric.CPU_UTILIZATION, ScalingMetric.GPU_UTILIZATION],
  maxRequestBodyBytes: 1_500_000,
};

/** What GKE node pools can honour (GpuNodePool). */
export const GKE_BACKEND = 'GKE';
