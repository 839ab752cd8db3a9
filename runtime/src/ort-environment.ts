/**
 * onnxruntime settings that onnxruntime-node cannot pass as provider options. Its TensorRT provider is
 * appended without options (onnxruntime-common's TensorRtExecutionProviderOption has only deviceId), and the
 * provider then reads its settings from the process environment: ORT_TENSORRT_FP16_ENABLE
 * (microsoft/onnxruntime onnxruntime/core/providers/tensorrt/tensorrt_execution_provider.h, namespace
 * tensorrt_env_vars; docs/execution-providers/TensorRT-ExecutionProvider.md, "Environment Variables").
 *
 * Called on the main thread before the first session: worker threads share the process's native
 * environment, which only the main thread's `process.env` writes reach.
 */
import type { ServerConfig } from '../../lib/contract';

export const ORT_TENSORRT_FP16_ENABLE = 'ORT_TENSORRT_FP16_ENABLE';

export function applyOrtEnvironment(config: Pick<ServerConfig, 'tensorRtFp16' | 'executionProviders'>, env: NodeJS.ProcessEnv = process.env): void {
  if (config.tensorRtFp16 && config.executionProviders.includes('tensorrt')) env[ORT_TENSORRT_FP16_ENABLE] = '1';
}
