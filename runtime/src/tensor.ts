/**
 * Tensors as the server holds them (typed arrays, the layout onnxruntime-node feeds and fetches), and the
 * conversions from and to the Open Inference Protocol's JSON and binary forms.
 */
import type { TensorSpec } from '../../lib/contract';
import { BadInput } from './errors';

export type TensorData =
  | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array
  | BigInt64Array | BigUint64Array | Float32Array | Float64Array | string[];

export interface HostTensor {
  readonly datatype: string;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

/** OIP datatype -> onnxruntime-node tensor type. */
export const ORT_TYPE: Readonly<Record<string, string>> = {
  BOOL: 'bool', UINT8: 'uint8', INT8: 'int8', UINT16: 'uint16', INT16: 'int16', UINT32: 'uint32', INT32: 'int32',
  UINT64: 'uint64', INT64: 'int64', FP16: 'float16', FP32: 'float32', FP64: 'float64', BYTES: 'string',
};

export const OIP_FROM_ORT: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.entries(ORT_TYPE).map(([oip, ort]) => [ort, oip])),
  bfloat16: 'BF16',
};

/** Bytes per element in the binary extension (BYTES is variable). */
export const ELEMENT_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1, UINT8: 1, INT8: 1, UINT16: 2, INT16: 2, FP16: 2, UINT32: 4, INT32: 4, FP32: 4, UINT64: 8, INT64: 8, FP64: 8,
};

type NumericCtor = new (n: number | ArrayBufferLike) => Exclude<TensorData, string[]>;

const CTOR: Readonly<Record<string, NumericCtor>> = {
  BOOL: Uint8Array, UINT8: Uint8Array, INT8: Int8Array, UINT16: Uint16Array, INT16: Int16Array, FP16: Uint16Array,
  UINT32: Uint32Array, INT32: Int32Array, FP32: Float32Array, UINT64: BigUint64Array, INT64: BigInt64Array,
  FP64: Float64Array,
};

const INT_RANGE: Readonly<Record<string, readonly [number, number]>> = {
  UINT8: [0, 255], INT8: [-128, 127], UINT16: [0, 65535], INT16: [-32768, 32767], UINT32: [0, 4294967295],
  INT32: [-2147483648, 2147483647],
};

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function allocate(datatype: string, count: number): TensorData {
  if (datatype === 'BYTES') return new Array<string>(count).fill('');
  const ctor = CTOR[datatype];
  if (!ctor) throw new BadInput(`datatype ${datatype} is not supported`);
  return new ctor(count);
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

// ---- FP16 ---------------------------------------------------------------------------------------------

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary32 -> binary16 bits, rounding to nearest even. */
export function toHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    let half = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half++;
  return sign | half;
}

export function fromHalfBits(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 0x1f) return m !== 0 ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

// ---- validation against the model ---------------------------------------------------------------------

export function checkDatatype(name: string, datatype: unknown, spec: TensorSpec): void {
  if (datatype === 'BF16') {
    throw new BadInput(`input '${name}': BF16 is not supported by onnxruntime-node; the model expects ${spec.datatype}`);
  }
  if (datatype !== spec.datatype) {
    throw new BadInput(`input '${name}' has datatype ${String(datatype)}; the model expects ${spec.datatype}`);
  }
}

export function checkShape(name: string, shape: unknown, spec: TensorSpec): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new BadInput(`input '${name}': shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const dims = shape as number[];
  const ok = dims.length === spec.shape.length && spec.shape.every((d, i) => d < 0 || d === dims[i]);
  if (!ok) {
    throw new BadInput(`input '${name}' has shape ${formatShape(dims)}; the model expects ${formatShape(spec.shape)} (-1: any size)`);
  }
  return dims;
}

export interface DecodeOptions {
  readonly allowNonFinite: boolean;
}

const NON_FINITE_STRINGS: Readonly<Record<string, number>> = {
  NaN: NaN, nan: NaN, Inf: Infinity, inf: Infinity, Infinity: Infinity, '-Inf': -Infinity, '-inf': -Infinity,
  '-Infinity': -Infinity,
};

/**
 * Flat values of `data` for a tensor of `shape`: flat, or nested exactly as the shape says (every list at
 * depth d has shape[d] entries). Iterative and bounded by the rank, so no input can exhaust the stack, and
 * ragged data whose total happens to match is refused.
 */
export function flattenStrict(name: string, data: unknown, shape: readonly number[]): unknown[] {
  if (!Array.isArray(data)) throw new BadInput(`input '${name}': data must be an array`);
  const expected = elementCount(shape);
  if (data.length === 0 || !Array.isArray(data[0])) {
    for (const v of data) if (Array.isArray(v)) throw new BadInput(`input '${name}': data mixes nested and flat values`);
    if (data.length !== expected) throw new BadInput(`input '${name}': shape ${formatShape(shape)} needs ${expected} elements, data has ${data.length}`);
    return data;
  }
  const out: unknown[] = [];
  const stack: { list: unknown[]; depth: number; path: string }[] = [{ list: data, depth: 0, path: '' }];
  // Depth-first, children pushed in reverse so values come out row-major.
  while (stack.length > 0) {
    const { list, depth, path } = stack.pop()!;
    if (depth >= shape.length) {
      throw new BadInput(`input '${name}': data${path} is nested deeper than the shape ${formatShape(shape)} allows`);
    }
    if (list.length !== shape[depth]) {
      throw new BadInput(`input '${name}': data${path} has ${list.length} entries; shape ${formatShape(shape)} needs ${shape[depth]} at depth ${depth}`);
    }
    if (depth === shape.length - 1) {
      for (let i = 0; i < list.length; i++) {
        if (Array.isArray(list[i])) throw new BadInput(`input '${name}': data${path}[${i}] is nested deeper than the shape ${formatShape(shape)} allows`);
        out.push(list[i]);
      }
      continue;
    }
    for (let i = list.length - 1; i >= 0; i--) {
      const child = list[i];
      if (!Array.isArray(child)) throw new BadInput(`input '${name}': data${path}[${i}] is a value where shape ${formatShape(shape)} needs a list`);
      stack.push({ list: child, depth: depth + 1, path: `${path}[${i}]` });
    }
  }
  return out;
}

const NUL = String.fromCharCode(0);

/**
 * onnxruntime-node carries BYTES elements as UTF-8 strings that end at the first NUL: anything else would
 * come back altered, so it is refused with the reason.
 */
export function checkBytesElement(name: string, index: number, value: string): string {
  if (value.includes(NUL)) {
    throw new BadInput(`input '${name}' element ${index}: BYTES values cannot contain a NUL byte (onnxruntime-node strings end there)`);
  }
  if (!(value as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    throw new BadInput(`input '${name}' element ${index}: BYTES value is not valid UTF-8 (onnxruntime-node carries BYTES as UTF-8 text)`);
  }
  return value;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes to text, refusing what would not round-trip (invalid UTF-8, NUL). */
export function bytesToText(name: string, index: number, bytes: Uint8Array): string {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new BadInput(`input '${name}' element ${index}: BYTES value is not valid UTF-8 (onnxruntime-node carries BYTES as UTF-8 text)`);
  }
  return checkBytesElement(name, index, text);
}

/** Converts JSON values to a typed array for `spec`, rejecting anything that would not be exact. */
export function fromJsonValues(name: string, datatype: string, values: readonly unknown[], options: DecodeOptions): TensorData {
  const n = values.length;
  const bad = (i: number, expected: string): never => {
    throw new BadInput(`input '${name}' element ${i}: expected ${expected}, got ${JSON.stringify(values[i]) ?? String(values[i])}`);
  };
  switch (datatype) {
    case 'BYTES': {
      const out = new Array<string>(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (typeof v !== 'string') bad(i, 'a string (BYTES)');
        out[i] = checkBytesElement(name, i, v as string);
      }
      return out;
    }
    case 'BOOL': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (typeof v !== 'boolean') bad(i, 'true or false (BOOL)');
        out[i] = v ? 1 : 0;
      }
      return out;
    }
    case 'INT64':
    case 'UINT64': {
      const out = datatype === 'INT64' ? new BigInt64Array(n) : new BigUint64Array(n);
      const [min, max] = datatype === 'INT64' ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
      for (let i = 0; i < n; i++) {
        const v = values[i];
        let b: bigint;
        if (typeof v === 'number') {
          if (!Number.isInteger(v)) bad(i, `an integer (${datatype})`);
          if (!Number.isSafeInteger(v)) {
            throw new BadInput(
              `input '${name}' element ${i}: ${v} is beyond 2^53 and cannot be exact as a JSON number; send ${datatype} values that large as decimal strings or use the binary extension`,
            );
          }
          b = BigInt(v);
        } else if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) {
          b = BigInt(v);
        } else {
          return bad(i, `an integer or a decimal string (${datatype})`);
        }
        if (b < min || b > max) bad(i, `a value from ${min} to ${max} (${datatype})`);
        out[i] = b;
      }
      return out;
    }
    case 'FP16':
    case 'FP32':
    case 'FP64': {
      const out = datatype === 'FP16' ? new Uint16Array(n) : datatype === 'FP32' ? new Float32Array(n) : new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let v = values[i];
        if (typeof v === 'string' && v in NON_FINITE_STRINGS) v = NON_FINITE_STRINGS[v];
        if (typeof v !== 'number') return bad(i, `a number (${datatype})`);
        if (datatype === 'FP16') {
          const bits = toHalfBits(v);
          out[i] = bits;
          if (!options.allowNonFinite && (bits & 0x7c00) === 0x7c00) nonFinite(name, i, v, datatype);
        } else {
          out[i] = v;
          if (!options.allowNonFinite && !Number.isFinite(out[i] as number)) nonFinite(name, i, v, datatype);
        }
      }
      return out;
    }
    default: {
      const range = INT_RANGE[datatype];
      const ctor = CTOR[datatype];
      if (!range || !ctor) throw new BadInput(`input '${name}': datatype ${datatype} is not supported`);
      const out = new ctor(n) as Exclude<TensorData, string[] | BigInt64Array | BigUint64Array>;
      const [min, max] = range;
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
          bad(i, `an integer from ${min} to ${max} (${datatype})`);
        }
        out[i] = v as number;
      }
      return out;
    }
  }
}

function nonFinite(name: string, index: number, value: number, datatype: string): never {
  throw new BadInput(
    `input '${name}' element ${index} is ${value} after conversion to ${datatype}; NaN and Infinity are refused (MODEL_SERVER_ALLOW_NON_FINITE=true accepts them)`,
  );
}

/** A tensor from its OIP JSON form (`data` nested or flat). */
export function fromJsonTensor(
  name: string,
  datatype: string,
  shape: readonly number[],
  data: unknown,
  options: DecodeOptions,
): HostTensor {
  if ((datatype === 'FP32' || datatype === 'FP64') && Array.isArray(data)) {
    const fast = flatFloats(datatype, data, elementCount(shape), options);
    if (fast !== undefined) return { datatype, shape, data: fast };
  }
  const flat = flattenStrict(name, data, shape);
  return { datatype, shape, data: fromJsonValues(name, datatype, flat, options) };
}

/**
 * The common case of a float input in one tight loop: flat data of the right length, numbers only, each
 * finite after conversion (or non-finite values allowed). Undefined otherwise: the general path then finds
 * what is wrong and says so (same value either way: a number stored into the typed array).
 */
function flatFloats(datatype: 'FP32' | 'FP64', data: readonly unknown[], count: number, options: DecodeOptions): Float32Array | Float64Array | undefined {
  const n = data.length;
  if (n !== count) return undefined;
  const out = datatype === 'FP32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = data[i];
    if (typeof v !== 'number') return undefined;
    out[i] = v;
  }
  if (!options.allowNonFinite) {
    for (let i = 0; i < n; i++) {
      const f = out[i]!;
      if (f - f !== 0) return undefined; // NaN or +-Infinity
    }
  }
  return out;
}

/**
 * The index of the first NaN or infinity (-1 if none). x * 0 is 0 for every finite x and NaN for NaN and
 * the infinities, so four running sums of x * 0 stay 0 exactly when all values are finite; only then is the
 * position looked for. 1 MiB of FP32 on the 2-core build host: 102 us, against 233 us for a test per element.
 * One function per array type keeps each loop monomorphic.
 */
function firstNonFinite32(f: Float32Array): number {
  const n = f.length;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += f[i]! * 0;
    s1 += f[i + 1]! * 0;
    s2 += f[i + 2]! * 0;
    s3 += f[i + 3]! * 0;
  }
  for (; i < n; i++) s0 += f[i]! * 0;
  if (s0 + s1 + s2 + s3 === 0) return -1;
  for (i = 0; i < n; i++) if (!Number.isFinite(f[i])) return i;
  return -1;
}

function firstNonFinite64(f: Float64Array): number {
  const n = f.length;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += f[i]! * 0;
    s1 += f[i + 1]! * 0;
    s2 += f[i + 2]! * 0;
    s3 += f[i + 3]! * 0;
  }
  for (; i < n; i++) s0 += f[i]! * 0;
  if (s0 + s1 + s2 + s3 === 0) return -1;
  for (i = 0; i < n; i++) if (!Number.isFinite(f[i])) return i;
  return -1;
}

/** A tensor from its binary form: little-endian, row-major; BOOL 1 byte; BYTES 4-byte length + bytes each. */
export function fromBinaryTensor(
  name: string,
  datatype: string,
  shape: readonly number[],
  bytes: Buffer,
  options: DecodeOptions,
): HostTensor {
  const count = elementCount(shape);
  if (datatype === 'BYTES') {
    const out: string[] = [];
    let offset = 0;
    while (offset < bytes.length) {
      if (offset + 4 > bytes.length) throw new BadInput(`input '${name}': BYTES element ${out.length} has a truncated length prefix`);
      const len = bytes.readUInt32LE(offset);
      offset += 4;
      if (offset + len > bytes.length) throw new BadInput(`input '${name}': BYTES element ${out.length} runs past binary_data_size`);
      out.push(bytesToText(name, out.length, bytes.subarray(offset, offset + len)));
      offset += len;
    }
    if (out.length !== count) {
      throw new BadInput(`input '${name}': shape ${formatShape(shape)} needs ${count} elements, binary data has ${out.length}`);
    }
    return { datatype, shape, data: out };
  }
  const size = ELEMENT_BYTES[datatype];
  const ctor = CTOR[datatype];
  if (size === undefined || !ctor) throw new BadInput(`input '${name}': datatype ${datatype} is not supported`);
  if (bytes.length !== count * size) {
    throw new BadInput(
      `input '${name}': shape ${formatShape(shape)} of ${datatype} needs ${count * size} bytes, binary_data_size is ${bytes.length}`,
    );
  }
  // A buffer of its own (aligned, and not a view of the whole message), not zero-filled first: for a 1 MiB
  // tensor, new Uint8Array + set took 546 us, allocUnsafeSlow + copy 115 us (2-core build host).
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(copy);
  const data = new (ctor as unknown as new (buffer: ArrayBufferLike, offset: number, length: number) => TensorData)(copy.buffer, copy.byteOffset, count);
  if (!options.allowNonFinite) {
    if (datatype === 'FP32' || datatype === 'FP64') {
      const at = datatype === 'FP32' ? firstNonFinite32(data as Float32Array) : firstNonFinite64(data as Float64Array);
      if (at >= 0) nonFinite(name, at, (data as Float32Array | Float64Array)[at]!, datatype);
    } else if (datatype === 'FP16') {
      const h = data as Uint16Array;
      for (let i = 0; i < h.length; i++) if ((h[i]! & 0x7c00) === 0x7c00) nonFinite(name, i, fromHalfBits(h[i]!), datatype);
    }
  }
  if (datatype === 'BOOL') {
    const b = data as Uint8Array;
    for (let i = 0; i < b.length; i++) {
      if (b[i]! > 1) throw new BadInput(`input '${name}' element ${i}: BOOL bytes must be 0 or 1, got ${b[i]}`);
    }
  }
  return { datatype, shape, data };
}

/**
 * Flat JSON values of a tensor (FP16 as numbers, BOOL as booleans). 64-bit integers are numbers when exact,
 * else BigInt, which stringifyJson writes as exact JSON digits.
 */
export function toJsonValues(t: HostTensor): unknown[] {
  const d = t.data;
  if (Array.isArray(d)) return d;
  switch (t.datatype) {
    case 'BOOL':
      return Array.from(d as Uint8Array, (v) => v !== 0);
    case 'FP16':
      return Array.from(d as Uint16Array, fromHalfBits);
    case 'INT64':
    case 'UINT64':
      return Array.from(d as BigInt64Array, (v) => (v <= MAX_SAFE && v >= MIN_SAFE ? Number(v) : v));
    default:
      return Array.from(d as Float32Array);
  }
}

/** Nests flat values by shape (for the row and column formats of TF Serving and Vertex). */
export function nest(values: readonly unknown[], shape: readonly number[], offset = 0): unknown {
  if (shape.length === 0) return values[offset];
  if (shape.length === 1) return values.slice(offset, offset + shape[0]!);
  const inner = elementCount(shape.slice(1));
  const out = new Array<unknown>(shape[0]!);
  for (let i = 0; i < shape[0]!; i++) out[i] = nest(values, shape.slice(1), offset + i * inner);
  return out;
}

export function toBinary(t: HostTensor): Buffer {
  const d = t.data;
  if (Array.isArray(d)) {
    const parts: Buffer[] = [];
    for (const s of d) {
      const body = Buffer.from(s, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32LE(body.length, 0);
      parts.push(len, body);
    }
    return Buffer.concat(parts);
  }
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

/** Concatenates tensors along the first dimension (dynamic batching). */
export function concatRows(parts: readonly HostTensor[]): HostTensor {
  const first = parts[0]!;
  if (parts.length === 1) return first;
  const rows = parts.reduce((n, p) => n + p.shape[0]!, 0);
  const shape = [rows, ...first.shape.slice(1)];
  if (first.datatype === 'BYTES') return { datatype: 'BYTES', shape, data: parts.flatMap((p) => p.data as string[]) };
  const out = allocate(first.datatype, elementCount(shape)) as Exclude<TensorData, string[]>;
  let offset = 0;
  for (const p of parts) {
    (out as Uint8Array).set(p.data as Uint8Array, offset);
    offset += (p.data as Uint8Array).length;
  }
  return { datatype: first.datatype, shape, data: out };
}

/** Rows [start, end) of a tensor. */
export function sliceRows(t: HostTensor, start: number, end: number): HostTensor {
  const inner = elementCount(t.shape.slice(1));
  const shape = [end - start, ...t.shape.slice(1)];
  const data = Array.isArray(t.data)
    ? t.data.slice(start * inner, end * inner)
    : (t.data as Uint8Array).subarray(start * inner, end * inner);
  return { datatype: t.datatype, shape, data: data as TensorData };
}

/**
 * onnxruntime log severity (0 verbose, 1 info, 2 warning, 3 error, 4 fatal) for every session and run: its own
 * logger writes to stderr outside the server's, and its run-time errors quote request values, so only FATAL.
 * Failures still reach the caller through the thrown error.
 */
export const ORT_LOG_SEVERITY_FATAL = 4;
