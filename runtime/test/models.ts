/**
 * Test models, generated with scripts/onnx-builder (never downloaded), and helpers to lay them out as a
 * model repository.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel, mlpClassifier, seededFloats, type ElemType } from '../../scripts/onnx-builder';

/** OIP datatype -> ONNX element type, for every type onnxruntime-node serves. */
export const ELEMENT_TYPES: readonly (readonly [string, ElemType])[] = [
  ['BOOL', 'BOOL'], ['UINT8', 'UINT8'], ['INT8', 'INT8'], ['UINT16', 'UINT16'], ['INT16', 'INT16'], ['UINT32', 'UINT32'],
  ['INT32', 'INT32'], ['UINT64', 'UINT64'], ['INT64', 'INT64'], ['FP16', 'FLOAT16'], ['FP32', 'FLOAT'], ['FP64', 'DOUBLE'],
  ['BYTES', 'STRING'],
];

/** MLP classifier, 4 features -> 8 -> 3 classes, dynamic batch. */
export function mlp(seed = 7): Uint8Array {
  return mlpClassifier({ name: 'mlp', features: 4, hidden: [8], classes: 3, seed });
}

/** Same MLP with a fixed batch of 2 (cannot be batched dynamically). */
export function fixedBatchMlp(): Uint8Array {
  return mlpClassifier({ name: 'fixed', features: 4, hidden: [8], classes: 3, seed: 11, batch: 2 });
}

/** Two inputs a, b FP32 [batch, 3] -> sum = a + b, product = a * b. */
export function addMul(): Uint8Array {
  return buildModel({
    name: 'add',
    inputs: [
      { name: 'a', type: 'FLOAT', shape: ['batch', 3] },
      { name: 'b', type: 'FLOAT', shape: ['batch', 3] },
    ],
    outputs: [
      { name: 'sum', type: 'FLOAT', shape: ['batch', 3] },
      { name: 'product', type: 'FLOAT', shape: ['batch', 3] },
    ],
    nodes: [
      { op: 'Add', inputs: ['a', 'b'], outputs: ['sum'] },
      { op: 'Mul', inputs: ['a', 'b'], outputs: ['product'] },
    ],
  });
}

/** x [batch, 2] of `type` -> Identity -> y. */
export function identity(type: ElemType): Uint8Array {
  return buildModel({
    name: `identity_${type}`,
    inputs: [{ name: 'x', type, shape: ['batch', 2] }],
    outputs: [{ name: 'y', type, shape: ['batch', 2] }],
    nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
  });
}

/** x [batch, width] -> (MatMul W -> Relu) x layers -> y [batch, width]: the batching benchmark's model. */
export function heavy(width: number, layers: number): Uint8Array {
  const nodes = [];
  let prev = 'x';
  for (let i = 0; i < layers; i++) {
    const out = i === layers - 1 ? 'y' : `h${i}`;
    nodes.push({ op: 'MatMul', inputs: [prev, `W${i % 2}`], outputs: [`m${i}`] });
    nodes.push({ op: 'Relu', inputs: [`m${i}`], outputs: [out] });
    prev = out;
  }
  const scale = Math.sqrt(6 / width);
  return buildModel({
    name: 'heavy',
    inputs: [{ name: 'x', type: 'FLOAT', shape: ['batch', width] }],
    outputs: [{ name: 'y', type: 'FLOAT', shape: ['batch', width] }],
    nodes,
    initializers: [
      { name: 'W0', dims: [width, width], data: seededFloats(1, width * width, scale) },
      { name: 'W1', dims: [width, width], data: seededFloats(2, width * width, scale) },
    ],
  });
}

/**
 * A deliberately slow model with a fixed shape: x [1, 1024] is tiled to [1024, 1024] and multiplied by a
 * 1024x1024 matrix `repeats` times (2 GFLOP each), then averaged back to y [1, 1024].
 */
export function slow(repeats: number): Uint8Array {
  const n = 1024;
  const nodes = [{ op: 'Tile', inputs: ['x', 'reps'], outputs: ['t0'] }];
  for (let i = 0; i < repeats; i++) nodes.push({ op: 'MatMul', inputs: [`t${i}`, 'W'], outputs: [`t${i + 1}`] });
  nodes.push({ op: 'ReduceMean', inputs: [`t${repeats}`], outputs: ['y'], attributes: { axes: [0], keepdims: 1 } } as never);
  return buildModel({
    name: 'slow',
    inputs: [{ name: 'x', type: 'FLOAT', shape: [1, n] }],
    outputs: [{ name: 'y', type: 'FLOAT', shape: [1, n] }],
    nodes,
    initializers: [
      { name: 'W', dims: [n, n], data: seededFloats(3, n * n, Math.sqrt(3 / n)) },
      { name: 'reps', dims: [2], data: [n, 1], int64: true },
    ],
  });
}

/** A BF16 identity: onnxruntime loads it, onnxruntime-node cannot feed it. */
export function bf16(): Uint8Array {
  return identity('BFLOAT16');
}

/** Writes `<root>/<model>/<version>/model.onnx` for each entry ("model/version" -> bytes); returns root. */
export function repository(entries: Readonly<Record<string, Uint8Array>>, root = mkdtempSync(join(tmpdir(), 'ms-repo-'))): string {
  for (const [key, bytes] of Object.entries(entries)) {
    const dir = join(root, key);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'model.onnx'), bytes);
  }
  return root;
}

/** x [batch, 2] -> Reshape to [-1, 1] -> y [n, 1]: a dynamic first output dimension that is not the batch. */
export function flattenRows(): Uint8Array {
  return buildModel({
    name: 'flatten_rows',
    inputs: [{ name: 'x', type: 'FLOAT', shape: ['batch', 2] }],
    outputs: [{ name: 'y', type: 'FLOAT', shape: ['n', 1] }],
    nodes: [{ op: 'Reshape', inputs: ['x', 'target'], outputs: ['y'] }],
    initializers: [{ name: 'target', dims: [2], data: [-1, 1], int64: true }],
  });
}

/** idx INT64 [batch, 1] -> Gather from [10, 20, 30] -> y FP32 [batch, 1]; an index above 2 fails at run time. */
export function gather(): Uint8Array {
  return buildModel({
    name: 'gather',
    inputs: [{ name: 'idx', type: 'INT64', shape: ['batch', 1] }],
    outputs: [{ name: 'y', type: 'FLOAT', shape: ['batch', 1] }],
    nodes: [{ op: 'Gather', inputs: ['table', 'idx'], outputs: ['g'], attributes: { axis: 0 } }, { op: 'Reshape', inputs: ['g', 'shape'], outputs: ['y'] }],
    initializers: [
      { name: 'table', dims: [3], data: [10, 20, 30] },
      { name: 'shape', dims: [2], data: [-1, 1], int64: true },
    ],
  });
}

/** n INT64 [1] -> ConstantOfShape -> y FP32 [n]: the answer's size is set by the request's value. */
export function sizedByValue(): Uint8Array {
  return buildModel({
    name: 'sized',
    inputs: [{ name: 'n', type: 'INT64', shape: [1] }],
    outputs: [{ name: 'y', type: 'FLOAT', shape: ['n'] }],
    nodes: [{ op: 'ConstantOfShape', inputs: ['n'], outputs: ['y'] }],
  });
}

/** x FP32 [4] reshaped to the request's `shape` INT64 [2]: synthetic warm-up inputs cannot guess it. */
export function reshapeTo(): Uint8Array {
  return buildModel({
    name: 'reshape_to',
    inputs: [
      { name: 'x', type: 'FLOAT', shape: [4] },
      { name: 'shape', type: 'INT64', shape: [2] },
    ],
    outputs: [{ name: 'y', type: 'FLOAT', shape: [null, null] }],
    nodes: [{ op: 'Reshape', inputs: ['x', 'shape'], outputs: ['y'] }],
  });
}

/** Range(start, limit, delta) over INT64 scalars: a zero step fails, so zeros cannot warm it up; ones can. */
export function range(): Uint8Array {
  return buildModel({
    name: 'range',
    inputs: [
      { name: 'start', type: 'INT64', shape: [] },
      { name: 'limit', type: 'INT64', shape: [] },
      { name: 'delta', type: 'INT64', shape: [] },
    ],
    outputs: [{ name: 'y', type: 'INT64', shape: ['n'] }],
    nodes: [{ op: 'Range', inputs: ['start', 'limit', 'delta'], outputs: ['y'] }],
  });
}
