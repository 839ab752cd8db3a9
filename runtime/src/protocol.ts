/**
 * Request and response formats: the Open Inference Protocol (JSON and the binary tensor extension), and the
 * row ("instances") and column ("inputs") formats of TensorFlow Serving and Vertex AI.
 */
import type { TensorSpec } from '../../lib/contract';
import { NumberText } from './json-parse';
import { tensorFromText, valuesOfText } from './text-tensor';
import { BadInput } from './errors';
import {
  bytesToText, checkDatatype, checkShape, flattenStrict, formatShape, fromBinaryTensor, fromJsonTensor, fromJsonValues, nest, toBinary,
  toJsonValues, type DecodeOptions, type HostTensor,
} from './tensor';

export interface ModelView {
  readonly name: string;
  readonly version: string;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  readonly batchable: boolean;
}

export interface DecodedRequest {
  readonly inputs: Record<string, HostTensor>;
  /** First dimension shared by every input (1 when the model is not batchable). */
  readonly rows: number;
}

export interface OipDecoded extends DecodedRequest {
  readonly id?: string;
  /** Output names asked for, each with whether it should come back binary; undefined: all, JSON. */
  readonly outputs?: readonly { name: string; binary: boolean }[];
  readonly binaryDefault: boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True when `body.inputs` is OIP's list of named tensors (rather than TF Serving's column format). */
export function isOipBody(body: unknown): boolean {
  return isObject(body) && Array.isArray(body.inputs) && body.inputs.length > 0 && body.inputs.every((t) => isObject(t) && 'name' in t);
}

export function requireAllInputs(model: ModelView, inputs: Record<string, HostTensor>): number {
  for (const spec of model.inputs) {
    if (!inputs[spec.name]) throw new BadInput(`missing input '${spec.name}' (${spec.datatype} ${formatShape(spec.shape)})`);
  }
  if (!model.batchable) return 1;
  let rows = -1;
  for (const [name, t] of Object.entries(inputs)) {
    if (rows === -1) rows = t.shape[0]!;
    else if (t.shape[0] !== rows) throw new BadInput(`input '${name}' has ${t.shape[0]} rows but other inputs have ${rows}; the first dimension is the batch`);
  }
  if (rows === 0) throw new BadInput('the batch is empty (first dimension 0)');
  return rows;
}

function unknownInput(model: ModelView, name: unknown): never {
  throw new BadInput(`unknown input '${String(name)}'; model '${model.name}' has inputs: ${model.inputs.map((t) => t.name).join(', ')}`);
}

export function decodeOipRequest(body: unknown, binary: Buffer | null, model: ModelView, options: DecodeOptions): OipDecoded {
  if (!isObject(body) || !Array.isArray(body.inputs)) throw new BadInput('request body must be a JSON object with an "inputs" array');
  const inputs: Record<string, HostTensor> = {};
  let offset = 0;
  for (const [i, raw] of body.inputs.entries()) {
    if (!isObject(raw) || typeof raw.name !== 'string') throw new BadInput(`inputs[${i}] must be an object with a "name"`);
    const name = raw.name;
    const spec = model.inputs.find((t) => t.name === name);
    if (!spec) unknownInput(model, name);
    if (inputs[name]) throw new BadInput(`input '${name}' is given twice`);
    checkDatatype(name, raw.datatype, spec);
    const shape = checkShape(name, raw.shape, spec);
    const params = isObject(raw.parameters) ? raw.parameters : {};
    const size = params.binary_data_size;
    if (size !== undefined) {
      if (!Number.isSafeInteger(size) || (size as number) < 0) throw new BadInput(`input '${name}': binary_data_size must be a non-negative integer`);
      if (!binary) {
        throw new BadInput(`input '${name}' has binary_data_size but the request has no binary part (set Inference-Header-Content-Length)`);
      }
      if (offset + (size as number) > binary.length) {
        throw new BadInput(`input '${name}': binary_data_size ${String(size)} runs past the end of the body (${binary.length - offset} bytes left)`);
      }
      // A "data" beside binary_data_size is not used, but JSON that is not JSON is refused as anywhere else.
      if (raw.data instanceof NumberText) valuesOfText(name, raw.data);
      inputs[name] = fromBinaryTensor(name, spec.datatype, shape, binary.subarray(offset, offset + (size as number)), options);
      offset += size as number;
    } else {
      if (raw.data === undefined) throw new BadInput(`input '${name}' has no "data" (and no binary_data_size)`);
      inputs[name] = raw.data instanceof NumberText ? tensorFromText(name, spec.datatype, shape, raw.data, options) : fromJsonTensor(name, spec.datatype, shape, raw.data, options);
    }
  }
  if (binary && offset !== binary.length) {
    throw new BadInput(`the body has ${binary.length - offset} bytes of binary data that no input's binary_data_size accounts for`);
  }
  const rows = requireAllInputs(model, inputs);
  const reqParams = isObject(body.parameters) ? body.parameters : {};
  const binaryDefault = reqParams.binary_data_output === true;
  let outputs: { name: string; binary: boolean }[] | undefined;
  if (body.outputs !== undefined) {
    if (!Array.isArray(body.outputs)) throw new BadInput('"outputs" must be an array');
    const seen = new Set<string>();
    outputs = body.outputs.map((o, i) => {
      if (!isObject(o) || typeof o.name !== 'string') throw new BadInput(`outputs[${i}] must be an object with a "name"`);
      if (seen.has(o.name)) throw new BadInput(`output '${o.name}' is asked for twice; name each output at most once`);
      seen.add(o.name);
      if (!model.outputs.some((t) => t.name === o.name)) {
        throw new BadInput(`unknown output '${o.name}'; model '${model.name}' has outputs: ${model.outputs.map((t) => t.name).join(', ')}`);
      }
      const p = isObject(o.parameters) ? o.parameters : {};
      return { name: o.name, binary: p.binary_data === undefined ? binaryDefault : p.binary_data === true };
    });
  }
  const id = typeof body.id === 'string' ? body.id : undefined;
  return { inputs, rows, outputs, binaryDefault, ...(id !== undefined ? { id } : {}) };
}

export interface OipOutput {
  name: string;
  datatype: string;
  shape: number[];
  data?: unknown[];
  parameters?: { binary_data_size: number };
}

export interface OipResponse {
  model_name: string;
  model_version: string;
  id?: string;
  outputs: OipOutput[];
}

/** The response, and the binary tail when any output was asked for in binary. */
export function encodeOipResponse(model: ModelView, req: OipDecoded, results: Record<string, HostTensor>): { json: OipResponse; binary: Buffer[] } {
  const wanted = req.outputs ?? model.outputs.map((t) => ({ name: t.name, binary: req.binaryDefault }));
  const binary: Buffer[] = [];
  const outputs: OipOutput[] = wanted.map(({ name, binary: asBinary }) => {
    const t = results[name]!;
    if (asBinary) {
      const bytes = toBinary(t);
      binary.push(bytes);
      return { name, datatype: t.datatype, shape: [...t.shape], parameters: { binary_data_size: bytes.length } };
    }
    return { name, datatype: t.datatype, shape: [...t.shape], data: toJsonValues(t) };
  });
  const json: OipResponse = { model_name: model.name, model_version: model.version, outputs };
  if (req.id !== undefined) json.id = req.id;
  return { json, binary };
}

// ---- row ("instances") and column ("inputs") formats --------------------------------------------------

function shapeOf(value: unknown): number[] {
  const shape: number[] = [];
  let v = value;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

function tensorFromNested(spec: TensorSpec, value: unknown, options: DecodeOptions): HostTensor {
  const shape = shapeOf(value);
  const checked = checkShape(spec.name, shape, spec);
  const flat = Array.isArray(value) && checked.length > 0 ? flattenStrict(spec.name, value, checked) : [value];
  const values =
    spec.datatype === 'BYTES'
      ? flat.map((x, i) => (isObject(x) && typeof x.b64 === 'string' ? bytesToText(spec.name, i, Buffer.from(x.b64, 'base64')) : x))
      : flat;
  return { datatype: spec.datatype, shape: checked, data: fromJsonValues(spec.name, spec.datatype, values, options) };
}

/** `{"instances": [...]}`: one entry per row, a bare value (single-input models) or `{input: value}`. */
export function decodeInstances(body: Record<string, unknown>, model: ModelView, options: DecodeOptions): DecodedRequest {
  const instances = body.instances;
  if (!Array.isArray(instances) || instances.length === 0) throw new BadInput('"instances" must be a non-empty array');
  // A Map, not an object: keys such as "toString" or "__proto__" must not find inherited members.
  const columns = new Map<string, unknown[]>(model.inputs.map((spec) => [spec.name, []]));
  const single = model.inputs.length === 1 ? model.inputs[0]! : undefined;
  instances.forEach((inst, i) => {
    if (isObject(inst) && !(single && 'b64' in inst && single.datatype === 'BYTES')) {
      for (const key of Object.keys(inst)) if (!columns.has(key)) unknownInput(model, key);
      for (const spec of model.inputs) {
        if (!Object.prototype.hasOwnProperty.call(inst, spec.name)) throw new BadInput(`instances[${i}] has no input '${spec.name}'`);
        columns.get(spec.name)!.push(inst[spec.name]);
      }
    } else {
      if (!single) throw new BadInput(`instances[${i}] must be an object keyed by input name (the model has ${model.inputs.length} inputs)`);
      columns.get(single.name)!.push(inst);
    }
  });
  const inputs: Record<string, HostTensor> = {};
  for (const spec of model.inputs) inputs[spec.name] = tensorFromNested(spec, columns.get(spec.name), options);
  return { inputs, rows: requireAllInputs(model, inputs) };
}

/** `{"inputs": value | {input: value}}` (TF Serving column format). */
export function decodeColumns(body: Record<string, unknown>, model: ModelView, options: DecodeOptions): DecodedRequest {
  const raw = body.inputs;
  const inputs: Record<string, HostTensor> = {};
  if (isObject(raw)) {
    for (const [name, value] of Object.entries(raw)) {
      const spec = model.inputs.find((t) => t.name === name);
      if (!spec) unknownInput(model, name);
      inputs[name] = tensorFromNested(spec, value, options);
    }
  } else {
    if (model.inputs.length !== 1) throw new BadInput(`"inputs" must be an object keyed by input name (the model has ${model.inputs.length} inputs)`);
    inputs[model.inputs[0]!.name] = tensorFromNested(model.inputs[0]!, raw, options);
  }
  return { inputs, rows: requireAllInputs(model, inputs) };
}

/** Rows of every output: a bare value for single-output models, else `{output: value}`. */
export function encodePredictions(model: ModelView, results: Record<string, HostTensor>, rows: number): unknown[] {
  const perOutput = model.outputs.map((spec) => {
    const t = results[spec.name]!;
    const values = toJsonValues(t);
    if (t.shape.length === 0 || t.shape[0] !== rows) return new Array<unknown>(rows).fill(nest(values, t.shape));
    const inner = t.shape.slice(1);
    const size = inner.reduce((n, d) => n * d, 1);
    return Array.from({ length: rows }, (_, r) => nest(values, inner, r * size));
  });
  return Array.from({ length: rows }, (_, r) =>
    model.outputs.length === 1 ? perOutput[0]![r] : Object.fromEntries(model.outputs.map((spec, k) => [spec.name, perOutput[k]![r]])),
  );
}

export function encodeColumns(model: ModelView, results: Record<string, HostTensor>): unknown {
  const nested = model.outputs.map((spec) => nest(toJsonValues(results[spec.name]!), results[spec.name]!.shape));
  return model.outputs.length === 1 ? nested[0] : Object.fromEntries(model.outputs.map((spec, k) => [spec.name, nested[k]]));
}
