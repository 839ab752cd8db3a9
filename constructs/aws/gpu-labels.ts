/**
 * Node label contract between the AWS GpuNodePool and the Kubernetes ModelEndpoint: nodes carry
 * `model-serving.dev/accelerator=<accelerator.nodeLabelValue>` and GPU pods select on it.
 * Kept free of aws-cdk-lib imports so constructs/k8s can use the same constant.
 */
export const ACCELERATOR_LABEL_KEY = 'model-serving.dev/accelerator';
/** The taint GPU nodes carry so only pods that tolerate it (and request GPUs) land there. */
export const GPU_TAINT_KEY = 'nvidia.com/gpu';
