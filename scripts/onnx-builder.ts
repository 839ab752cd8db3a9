/**
 * A small, dependency-light writer of ONNX models (onnx.ModelProto via onnx-proto), so tests, examples
 * and benchmarks generate their models instead of downloading them. Deterministic: same calls, same bytes.
 */
import { onnx } from 'onnx-proto';

export type ElemType =
  | 'FLOAT' | 'UINT8' | 'INT8' | 'UINT16' | 'INT16' | 'INT32' | 'INT64' | 'STRING' | 'BOOL'
  | 'FLOAT16' | 'DOUBLE' | 'UINT32' | 'UINT64' | 'BFLOAT16';

/** A dimension: a number is fixed, a string names a dynamic dimension, null is an unnamed dynamic one. */
export type Dim = number | string | null;

export interface ValueSpec {
  readonly name: string;
  readonly type: ElemType;
  readonly shape: readonly Dim[];
}

export interface NodeSpec {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name?: string;
  readonly attributes?: Readonly<Record<string, number | number[] | string | string[]>>;
  /** Operator set domain, e.g. 'ai.onnx.ml'. @default '' (ai.onnx) */
  readonly domain?: string;
  /** Attributes that must be encoded as float even when the value is integral. */
  readonly floatAttributes?: readonly string[];
}

export interface Initializer {
  readonly name: string;
  readonly dims: readonly number[];
  /** FLOAT data, or INT64 data when `int64` is set. */
  readonly data: ArrayLike<number>;
  readonly int64?: boolean;
}

export interface ModelSpec {
  readonly name: string;
  readonly inputs: readonly ValueSpec[];
  readonly outputs: readonly ValueSpec[];
  readonly nodes: readonly NodeSpec[];
  readonly initializers?: readonly Initializer[];
  /** ai.onnx opset. @default 17 */
  readonly opset?: number;
  /** @default 8 */
  readonly irVersion?: number;
  /** Further operator sets, e.g. { 'ai.onnx.ml': 3 } for the traditional-ML operators. */
  readonly extraOpsets?: Readonly<Record<string, number>>;
  readonly docString?: string;
}

function valueInfo(v: ValueSpec): onnx.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType[v.type],
        shape: {
          dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})),
        },
      },
    },
  };
}

function attribute(name: string, value: number | number[] | string | string[], asFloat: boolean): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: T.STRING, s: Buffer.from(value) };
  if (Array.isArray(value) && isStrings(value)) return { name, type: T.STRINGS, strings: value.map((v) => Buffer.from(v)) };
  if (Array.isArray(value)) {
    return asFloat ? { name, type: T.FLOATS, floats: value } : { name, type: T.INTS, ints: value };
  }
  return asFloat || !Number.isInteger(value) ? { name, type: T.FLOAT, f: value } : { name, type: T.INT, i: value };
}

function isStrings(value: number[] | string[]): value is string[] {
  return value.length > 0 && typeof value[0] === 'string';
}

export function buildModel(spec: ModelSpec): Uint8Array {
  const model: onnx.IModelProto = {
    irVersion: spec.irVersion ?? 8,
    producerName: 'model-serving-constructs',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: spec.opset ?? 17 }, ...Object.entries(spec.extraOpsets ?? {}).map(([domain, version]) => ({ domain, version }))],
    docString: spec.docString,
    graph: {
      name: spec.name,
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
      node: spec.nodes.map((n, i) => ({
        opType: n.op,
        name: n.name ?? `${n.op}_${i}`,
        input: [...n.inputs],
        output: [...n.outputs],
        ...(n.domain ? { domain: n.domain } : {}),
        attribute: Object.entries(n.attributes ?? {}).map(([k, v]) => attribute(k, v, (n.floatAttributes ?? []).includes(k))),
      })),
      initializer: (spec.initializers ?? []).map((t) =>
        t.int64
          ? { name: t.name, dims: [...t.dims], dataType: onnx.TensorProto.DataType.INT64, int64Data: Array.from(t.data) }
          : { name: t.name, dims: [...t.dims], dataType: onnx.TensorProto.DataType.FLOAT, floatData: Array.from(t.data) },
      ),
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

/** Deterministic pseudo-random floats (mulberry32), scaled to [-scale, scale). */
export function seededFloats(seed: number, count: number, scale = 1): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out[i] = (r * 2 - 1) * scale;
  }
  return out;
}

/**
 * An MLP classifier: input [batch, features] -> Gemm+Relu per hidden layer -> Gemm -> Softmax
 * ("probabilities", [batch, classes]) and ArgMax ("label", INT64 [batch]).
 */
export function mlpClassifier(options: {
  name: string;
  features: number;
  hidden: readonly number[];
  classes: number;
  seed: number;
  /** First dimension; a string makes it dynamic. @default 'batch' */
  batch?: Dim;
  opset?: number;
}): Uint8Array {
  const batch = options.batch === undefined ? 'batch' : options.batch;
  const nodes: NodeSpec[] = [];
  const inits: Initializer[] = [];
  let prev = 'input';
  let width = options.features;
  const layers = [...options.hidden, options.classes];
  layers.forEach((out, i) => {
    const w = `W${i}`;
    const b = `B${i}`;
    inits.push({ name: w, dims: [width, out], data: seededFloats(options.seed + i * 2, width * out, Math.sqrt(6 / (width + out))) });
    inits.push({ name: b, dims: [out], data: seededFloats(options.seed + i * 2 + 1, out, 0.1) });
    const gemm = i === layers.length - 1 ? 'logits' : `gemm${i}`;
    nodes.push({ op: 'Gemm', inputs: [prev, w, b], outputs: [gemm] });
    if (i < layers.length - 1) {
      nodes.push({ op: 'Relu', inputs: [gemm], outputs: [`relu${i}`] });
      prev = `relu${i}`;
    }
    width = out;
  });
  nodes.push({ op: 'Softmax', inputs: ['logits'], outputs: ['probabilities'], attributes: { axis: 1 } });
  nodes.push({ op: 'ArgMax', inputs: ['logits'], outputs: ['label'], attributes: { axis: 1, keepdims: 0 } });
  return buildModel({
    name: options.name,
    opset: options.opset,
    inputs: [{ name: 'input', type: 'FLOAT', shape: [batch, options.features] }],
    outputs: [
      { name: 'probabilities', type: 'FLOAT', shape: [batch, options.classes] },
      { name: 'label', type: 'INT64', shape: [batch] },
    ],
    nodes,
    initializers: inits,
  });
}
