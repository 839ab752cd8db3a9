import { readFileSync } from 'node:fs';
import { onnx } from 'onnx-proto';
import { MAX_SUPPORTED_OPSET, ModelSignature, ONNX_TO_OIP_DATATYPE, TensorSpec } from './contract';

/**
 * Raised when a file is not a model the bundled server can load. Names the file.
 *
 * TypeScript-only (extends Error, which jsii cannot model; other languages see the message of the error jsii raises; lib/README.md "jsii and Python").
 * @jsii ignore
 */
export class OnnxModelError extends Error {
  constructor(public readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'OnnxModelError';
  }
}

/**
 * Reads an ONNX model's signature: its opset, and the name, element type and shape of each graph input
 * (initializers excluded) and output. Throws `OnnxModelError` for a file that is not a valid model.
 * @deprecated use `ModelArtifact.readSignature(file)` (a static, so every language binding has it); same result.
 */
export function readOnnxSignature(file: string, maxOpset: number = MAX_SUPPORTED_OPSET): ModelSignature {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new OnnxModelError(file, `cannot read the model file (${(err as Error).message}). Check the path.`);
  }
  return parseOnnxSignature(bytes, file, maxOpset);
}

/** The signature of a model held in memory; `file` names it in errors. (Bytes have no jsii type: TypeScript only.) */
export function parseOnnxSignature(bytes: Uint8Array, file: string, maxOpset: number = MAX_SUPPORTED_OPSET): ModelSignature {
  const notOnnx = (why: string) =>
    new OnnxModelError(
      file,
      `not a valid ONNX model (${why}). Expected a serialized onnx.ModelProto, as written by torch.onnx.export, ` +
        'tf2onnx or onnx.save; re-export the model and make sure the file was not truncated or LFS-stubbed.',
    );
  if (bytes.length === 0) throw notOnnx('the file is empty');

  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw notOnnx(`protobuf decoding failed: ${(err as Error).message}`);
  }
  const irVersion = Number(model.irVersion ?? 0);
  if (irVersion < 3 || irVersion > 100) throw notOnnx(`ir_version is ${irVersion}, expected 3 or later`);
  if (!model.graph) throw notOnnx('it has no graph');
  if (!model.opsetImport || model.opsetImport.length === 0) throw notOnnx('it imports no opset');

  const defaultOpset = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!defaultOpset) throw notOnnx('it imports no ai.onnx opset');
  const opset = Number(defaultOpset.version ?? 0);
  if (opset > maxOpset) {
    throw new OnnxModelError(
      file,
      `the model uses opset ${opset}, but the bundled onnxruntime supports opset ${maxOpset} at most. ` +
        `Re-export with opset_version=${maxOpset} or lower.`,
    );
  }

  const initializers = new Set((model.graph.initializer ?? []).map((t) => t.name ?? ''));
  const inputs = (model.graph.input ?? []).filter((v) => !initializers.has(v.name ?? '')).map((v) => tensorSpec(v, file));
  const outputs = (model.graph.output ?? []).map((v) => tensorSpec(v, file));
  if (inputs.length === 0) throw notOnnx('the graph has no inputs');
  if (outputs.length === 0) throw notOnnx('the graph has no outputs');
  return { opset, inputs, outputs };
}

function tensorSpec(value: onnx.IValueInfoProto, file: string): TensorSpec {
  const name = value.name ?? '';
  const tensorType = value.type?.tensorType;
  if (!tensorType) {
    throw new OnnxModelError(
      file,
      `graph value "${name}" is not a tensor (sequences, maps and optionals are not served). Export a model whose inputs and outputs are tensors.`,
    );
  }
  const elemType = Number(tensorType.elemType ?? 0);
  const datatype = ONNX_TO_OIP_DATATYPE[elemType];
  if (!datatype) {
    throw new OnnxModelError(file, `graph value "${name}" has unknown element type ${elemType}.`);
  }
  const dims = tensorType.shape?.dim ?? [];
  const shape: number[] = [];
  const dimNames: (string | null)[] = [];
  for (const d of dims) {
    if ((d as onnx.TensorShapeProto.Dimension).value === 'dimValue') {
      shape.push(Number(d.dimValue));
      dimNames.push(null);
    } else {
      shape.push(-1);
      dimNames.push(d.dimParam || null);
    }
  }
  return dimNames.some((n) => n !== null) ? { name, datatype, shape, dimNames } : { name, datatype, shape };
}
