/**
 * FP32 request data read on the inference thread instead of the event loop.
 *
 * The event loop serves every request; on a batch-1 image request, reading 784 JSON numbers was its
 * largest single cost. For an OIP infer request whose flat `data` array spans at least DEFER_DATA_BYTES,
 * the body parser keeps the array's bytes (json-parse.ts NumberText); the input becomes a TextTensor, and the
 * inference thread that runs its batch reads the numbers straight into the batch's buffer (readFloats).
 *
 * Nothing can see unread data by mistake: TextTensor.data reads the text on first use (the prediction cache's
 * key, the event-loop session of a tiny model, a model with a circuit breaker), with the same checks and
 * messages as any JSON input. A text the fast reader does not take whole (wrong count, a value that is not a
 * number or not finite, text that is not JSON) is read again the general way for the message, which reaches
 * that request alone as a 400; the rest of its batch runs without it.
 */
import { numbersOf, NumberText, readFloats } from './json-parse';
import { BadInput } from './errors';
import { elementCount, fromJsonTensor, type DecodeOptions, type HostTensor, type TensorData } from './tensor';

/** Flat `data` arrays at least this long (bytes of JSON text) are read on the inference thread. */
export const DEFER_DATA_BYTES = 1024;

/** An FP32 input whose values are still JSON text. */
export class TextTensor implements HostTensor {
  private decoded?: TensorData;

  constructor(
    readonly name: string,
    readonly datatype: string,
    readonly shape: readonly number[],
    readonly text: Uint8Array,
    readonly allowNonFinite: boolean,
  ) {}

  /** The values, read here on first use (BadInput when they are not what the shape and datatype need). */
  get data(): TensorData {
    this.decoded ??= decodeText(this.name, this.datatype, this.shape, this.text, this.allowNonFinite);
    return this.decoded;
  }

  /** Whether the values are still unread (then an inference thread can read them). */
  get pending(): boolean {
    return this.decoded === undefined;
  }
}

/** The input for OIP `data` that the body parser left as text. */
export function tensorFromText(name: string, datatype: string, shape: readonly number[], text: NumberText, options: DecodeOptions): HostTensor {
  // A count the text cannot hold is refused now, with the usual message, before anything is queued.
  if (datatype === 'FP32' && elementCount(shape) <= mostNumbersIn(text.bytes)) return new TextTensor(name, datatype, shape, text.bytes, options.allowNonFinite);
  return { datatype, shape, data: decodeText(name, datatype, shape, text.bytes, options.allowNonFinite) };
}

/** Reads a text's values: the fast reader for FP32 when it takes the text whole, else the general path (with its message). */
export function decodeText(name: string, datatype: string, shape: readonly number[], text: Uint8Array, allowNonFinite: boolean): TensorData {
  const count = elementCount(shape);
  // The fast reader writes into a buffer of the shape's size: only when the text can hold that many values.
  if (datatype === 'FP32' && count <= mostNumbersIn(text)) {
    const out = new Float32Array(count);
    if (readFloats(text, out, 0, count, allowNonFinite)) return out;
  }
  return fromJsonTensor(name, datatype, shape, valuesOfText(name, new NumberText(text)), { allowNonFinite }).data;
}

/** The values of an input's data text as JSON.parse reads them (BadInput when it is not JSON). */
export function valuesOfText(name: string, text: NumberText): unknown[] {
  const values = numbersOf(text);
  if (values !== undefined) return values;
  let why = 'not valid JSON';
  try {
    JSON.parse(Buffer.from(text.bytes.buffer, text.bytes.byteOffset, text.bytes.length).toString('utf8'));
  } catch (error) {
    why = (error as Error).message;
  }
  throw new BadInput(`malformed JSON in the data of input '${name}': ${why}`);
}

/** The most values a JSON array text of this length can hold: "[" and "]" around digits and commas. */
function mostNumbersIn(text: Uint8Array): number {
  return Math.max(0, Math.floor((text.length - 1) / 2));
}

/** One input of an execution as it travels to the inference thread: values, or the texts of its requests. */
export type Feed = HostTensor | TextFeed;

/**
 * The texts of one FP32 input of an execution, in one buffer (one transfer, a few objects to clone whatever
 * the batch size): part i is bytes[ends[i-1], ends[i]) with rows[i] rows.
 */
export interface TextFeed {
  readonly datatype: 'FP32';
  /** The execution's shape (the parts' rows added up; one part: its own shape). */
  readonly shape: readonly number[];
  readonly name: string;
  readonly allowNonFinite: boolean;
  readonly bytes: Uint8Array;
  /** ends[i]: where part i's text ends in `bytes`; rows[i]: its first dimension. */
  readonly index: Uint32Array;
}

export function isTextFeed(feed: Feed): feed is TextFeed {
  return (feed as TextFeed).bytes !== undefined;
}

/**
 * The feed for one input of an execution: the texts when every part is unread (copied into one buffer that
 * moves to the thread), else the joined values.
 */
export function feedFor(parts: readonly HostTensor[], join: (parts: readonly HostTensor[]) => HostTensor, transfer: ArrayBuffer[]): Feed {
  if (!parts.every((t) => t instanceof TextTensor && t.pending)) {
    const joined = join(parts);
    return { datatype: joined.datatype, shape: joined.shape, data: joined.data };
  }
  const texts = parts as readonly TextTensor[];
  const bytes = new Uint8Array(texts.reduce((n, t) => n + t.text.length, 0));
  const index = new Uint32Array(2 * texts.length);
  let end = 0;
  let rows = 0;
  texts.forEach((t, i) => {
    bytes.set(t.text, end);
    end += t.text.length;
    index[i] = end;
    index[texts.length + i] = t.shape[0] ?? 1;
    rows += t.shape[0] ?? 1;
  });
  transfer.push(bytes.buffer, index.buffer);
  const first = texts[0]!;
  return {
    datatype: 'FP32',
    shape: texts.length === 1 ? first.shape : [rows, ...first.shape.slice(1)],
    name: first.name,
    allowNonFinite: first.allowNonFinite,
    bytes,
    index,
  };
}

/** Reads the values of every input that is still text (BadInput for the first that fails). */
export function decodeAll(inputs: Readonly<Record<string, HostTensor>>): void {
  for (const t of Object.values(inputs)) if (t instanceof TextTensor) void t.data;
}

/**
 * The inference thread's side: the execution's FP32 buffer read from its parts' texts, or the parts that
 * failed with their messages (the execution then does not run).
 */
export function readTextFeed(feed: TextFeed): { data: Float32Array } | { failures: { part: number; message: string }[] } {
  const parts = feed.index.length / 2;
  const inner = feed.shape.slice(1);
  const shapeOf = (i: number): readonly number[] => (parts === 1 ? feed.shape : [feed.index[parts + i]!, ...inner]);
  // Parts were admitted only with counts their texts can hold (tensorFromText): the buffer is bounded by the texts.
  let total = 0;
  for (let i = 0; i < parts; i++) total += elementCount(shapeOf(i));
  const out = new Float32Array(total);
  const failures: { part: number; message: string }[] = [];
  let offset = 0;
  for (let i = 0; i < parts; i++) {
    const shape = shapeOf(i);
    const count = elementCount(shape);
    const text = feed.bytes.subarray(i === 0 ? 0 : feed.index[i - 1]!, feed.index[i]!);
    if (!readFloats(text, out, offset, count, feed.allowNonFinite)) {
      try {
        out.set(decodeText(feed.name, 'FP32', shape, text, feed.allowNonFinite) as Float32Array, offset);
      } catch (error) {
        if (!(error instanceof BadInput)) throw error;
        failures.push({ part: i, message: error.message });
      }
    }
    offset += count;
  }
  return failures.length > 0 ? { failures } : { data: out };
}
