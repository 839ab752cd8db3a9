// onnxruntime-node appends the TensorRT provider without options, so TensorRT reads FP16 from the process
// environment (microsoft/onnxruntime tensorrt_execution_provider.h, tensorrt_env_vars::kFP16Enable). The
// server sets it from MODEL_SERVER_TENSORRT_FP16, and only where TensorRT is requested.
import { parseServerEnvironment } from '../../lib/contract';
import { ORT_TENSORRT_FP16_ENABLE, applyOrtEnvironment } from '../src/ort-environment';

describe('TensorRT FP16 through the environment onnxruntime reads', () => {
  test('MODEL_SERVER_TENSORRT_FP16=true with tensorrt requested sets ORT_TENSORRT_FP16_ENABLE=1', () => {
    const { config, problems } = parseServerEnvironment({ MODEL_SERVER_TENSORRT_FP16: 'true', MODEL_SERVER_EXECUTION_PROVIDERS: 'tensorrt,cuda,cpu' });
    expect(problems).toEqual([]);
    const env: NodeJS.ProcessEnv = {};
    applyOrtEnvironment(config, env);
    expect(env).toEqual({ [ORT_TENSORRT_FP16_ENABLE]: '1' });
  });
  test('off by default, and never set without the tensorrt provider', () => {
    const off: NodeJS.ProcessEnv = {};
    applyOrtEnvironment(parseServerEnvironment({ MODEL_SERVER_EXECUTION_PROVIDERS: 'tensorrt,cpu' }).config, off);
    expect(off).toEqual({});
    const cuda: NodeJS.ProcessEnv = {};
    applyOrtEnvironment(parseServerEnvironment({ MODEL_SERVER_TENSORRT_FP16: 'true', MODEL_SERVER_EXECUTION_PROVIDERS: 'cuda,cpu' }).config, cuda);
    expect(cuda).toEqual({});
  });
  test('a value that is not a boolean is a configuration problem naming the variable', () => {
    const { problems } = parseServerEnvironment({ MODEL_SERVER_TENSORRT_FP16: 'yes please' });
    expect(problems).toEqual([{ variable: "MODEL_SERVER_TENSORRT_FP16", given: "\"yes please\"", allowed: expect.stringMatching(/true/) }]);
  });
});
