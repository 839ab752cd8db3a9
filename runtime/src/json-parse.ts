/**
 * JSON request bodies parsed straight from their bytes, to the same value JSON.parse gives.
 *
 * Why: an inference body is mostly one long array of decimals, and V8's JSON.parse reads every number with
 * its general string-to-double conversion. Measured on the platform CNN's batch-1 body (4.7 KB, 784 FP32
 * values, 2-core AMD EPYC, node 20): JSON.parse(buf.toString()) 23 us, this parser 6-7 us; on the event
 * loop that serves every request this was the largest single cost (profile in runtime/README.md).
 *
 * Numbers: a literal of at most 15 significant digits, at most 22 of them after the point and no exponent is
 * an exact integer divided by an exact power of ten, and IEEE division rounds that quotient correctly
 * (Clinger's fast path), which is what JSON.parse returns; any other literal is checked against the JSON
 * grammar and converted by Number(), which also rounds correctly. Strings of printable ASCII are sliced as
 * they are; a string with escapes or other bytes is decoded by JSON.parse on its own text. Keys named
 * __proto__ become own properties, as JSON.parse makes them.
 *
 * parseJsonBytes returns undefined for anything that is not valid JSON (or nests deeper than `maxDepth`):
 * the caller then runs JSON.parse, whose error message names what is wrong. It never returns a value for
 * text JSON.parse refuses (test/json-parse.test.ts checks both against each other on generated and mutated
 * texts).
 */

/** Exact powers of ten as doubles (10^22 is the largest that is exact). */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/** Elements of one array of numbers gathered in a reused buffer before the array is made (512 KiB at most). */
const SCRATCH_MAX = 65536;
const SCRATCH = { values: new Float64Array(1024) };

class NotJson {}
const NOT_JSON = new NotJson();

/** An array of numbers left unread: its bytes from '[' to ']' (parseJsonBytes with deferAtLeast). */
export class NumberText {
  constructor(readonly bytes: Uint8Array) {}
}

/** How the last readNumberRun ended: at the array's ']', at an element that is not a number, or with the target full. */
const RUN_CLOSED = 0;
const RUN_NOT_NUMBER = 1;
const RUN_FULL = 2;
const RUN = { end: 0, count: 0, status: RUN_CLOSED };

/**
 * Reads the numbers of an array from `p` (after '[' or a ',') into target[offset...], in one loop with the
 * number reading inlined (measured twice as fast as a call per element). Sets RUN: `end` (after the ']',
 * or where reading stopped), `count` (values written), `status`. Throws NOT_JSON where the grammar breaks.
 */
function readNumberRun(b: Uint8Array, p: number, target: Float64Array | Float32Array, offset: number): void {
  const capacity = target.length;
  let n = offset;
  for (;;) {
    let c = b[p];
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++p];
    if (n === capacity) {
      RUN.status = RUN_FULL;
      break;
    }
    const start = p;
    const negative = c === 0x2d;
    if (negative) c = b[++p];
    let mantissa = 0;
    let digits = 0;
    let fraction = 0;
    if (c === 0x30) {
      c = b[++p];
      if (c !== undefined && c >= 0x30 && c <= 0x39) throw NOT_JSON; // no leading zeros
    } else if (c !== undefined && c >= 0x31 && c <= 0x39) {
      do {
        mantissa = mantissa * 10 + (c - 0x30);
        digits++;
        c = b[++p];
      } while (c !== undefined && c >= 0x30 && c <= 0x39);
    } else if (negative) {
      throw NOT_JSON;
    } else {
      RUN.status = RUN_NOT_NUMBER; // a string, object, array, true, false or null
      break;
    }
    if (c === 0x2e) {
      c = b[++p];
      if (c === undefined || c < 0x30 || c > 0x39) throw NOT_JSON;
      do {
        mantissa = mantissa * 10 + (c - 0x30);
        digits++;
        fraction++;
        c = b[++p];
      } while (c !== undefined && c >= 0x30 && c <= 0x39);
    }
    let exponent = 0;
    if (c === 0x65 || c === 0x45) {
      c = b[++p];
      const down = c === 0x2d;
      if (down || c === 0x2b) c = b[++p];
      if (c === undefined || c < 0x30 || c > 0x39) throw NOT_JSON;
      do {
        if (exponent < 1e6) exponent = exponent * 10 + (c - 0x30);
        c = b[++p];
      } while (c !== undefined && c >= 0x30 && c <= 0x39);
      if (down) exponent = -exponent;
    }
    const scale = exponent - fraction;
    let value: number;
    if (digits > 15 || scale > 22 || scale < -22) value = Number(Buffer.from(b.buffer, b.byteOffset + start, p - start).toString('latin1'));
    else {
      value = scale === 0 ? mantissa : scale > 0 ? mantissa * POW10[scale]! : mantissa / POW10[-scale]!;
      if (negative) value = -value;
    }
    target[n++] = value;
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++p];
    p++;
    if (c === 0x2c) continue;
    if (c === 0x5d) {
      RUN.status = RUN_CLOSED;
      break;
    }
    throw NOT_JSON;
  }
  RUN.end = p;
  RUN.count = n - offset;
}

/**
 * The values of a NumberText read straight into out[offset, offset + count) (an inference thread joining a
 * batch). True only when the text is exactly `count` numbers, each finite after conversion or `allowNonFinite`;
 * otherwise false, and the caller reads the text the slow way (numbersOf, then the usual checks) for the
 * message. out[] may hold partial values after false.
 */
export function readFloats(text: Uint8Array, out: Float32Array | Float64Array, offset: number, count: number, allowNonFinite: boolean): boolean {
  if (text[0] !== 0x5b) return false;
  const end = offset + count;
  const view = out.subarray(0, end);
  let p = 1;
  while (isSpace(text[p])) p++;
  if (text[p] === 0x5d) {
    if (count !== 0) return false;
    p++;
  } else {
    try {
      readNumberRun(text, p, view, offset);
    } catch (error) {
      if (error === NOT_JSON) return false;
      throw error;
    }
    if (RUN.status !== RUN_CLOSED || RUN.count !== count) return false;
    p = RUN.end;
  }
  if (p !== text.length) return false;
  if (!allowNonFinite) {
    for (let i = offset; i < end; i++) {
      const f = out[i]!;
      if (f - f !== 0) return false; // NaN or +-Infinity
    }
  }
  return true;
}

/** The values of a NumberText as JSON.parse gives them; undefined where JSON.parse would refuse the text. */
export function numbersOf(text: NumberText): unknown[] | undefined {
  const bytes = Buffer.from(text.bytes.buffer, text.bytes.byteOffset, text.bytes.length);
  const values = parseJsonBytes(bytes);
  return Array.isArray(values) ? values : undefined;
}

/**
 * `deferAtLeast` (bytes, 0 for never): in an OIP body, `inputs[i].data` that is an array starting with a
 * number and spanning at least this many bytes comes back as NumberText, unread (see Parser.deferred); the
 * reader of that input checks it. Only there: a deferred array anywhere else might never be read, and the
 * body would pass unchecked. A body with a repeated key is parsed again without deferring (the value a
 * repeated key replaces would never be read either).
 */
export function parseJsonBytes(input: Buffer, maxDepth = 512, deferAtLeast = 0): unknown {
  const parser = new Parser(input, maxDepth, deferAtLeast);
  try {
    const value = parser.value(deferAtLeast > 0 ? AT_ROOT : ANYWHERE);
    parser.skipSpace();
    return parser.pos === input.length ? value : undefined;
  } catch (error) {
    if (error === NOT_JSON) return undefined;
    if (error === REPEATED_KEY) return parseJsonBytes(input, maxDepth, 0);
    throw error;
  }
}

/** Where a value sits, for deferring: the body, its "inputs" array, one input object, anywhere else. */
const ANYWHERE = 0;
const AT_ROOT = 1;
const IN_INPUTS = 2;
const IN_INPUT = 3;
type Place = typeof ANYWHERE | typeof AT_ROOT | typeof IN_INPUTS | typeof IN_INPUT;

class RepeatedKey {}
const REPEATED_KEY = new RepeatedKey();

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

class Parser {
  pos = 0;

  constructor(
    private readonly b: Buffer,
    private depthLeft: number,
    private readonly deferAtLeast: number,
  ) {}

  skipSpace(): void {
    const b = this.b;
    let p = this.pos;
    while (isSpace(b[p])) p++;
    this.pos = p;
  }

  value(place: Place = ANYWHERE): unknown {
    this.skipSpace();
    const b = this.b;
    const p = this.pos;
    const c = b[p];
    if (c === 0x22) return this.string();
    if (c === 0x2d || isDigit(c)) return this.number();
    if (c === 0x5b) return this.array(place === IN_INPUTS);
    if (c === 0x7b) return this.object(place);
    if (c === 0x74 && b[p + 1] === 0x72 && b[p + 2] === 0x75 && b[p + 3] === 0x65) {
      this.pos = p + 4;
      return true;
    }
    if (c === 0x66 && b[p + 1] === 0x61 && b[p + 2] === 0x6c && b[p + 3] === 0x73 && b[p + 4] === 0x65) {
      this.pos = p + 5;
      return false;
    }
    if (c === 0x6e && b[p + 1] === 0x75 && b[p + 2] === 0x6c && b[p + 3] === 0x6c) {
      this.pos = p + 4;
      return null;
    }
    throw NOT_JSON;
  }

  /** `inputs`: the body's "inputs" array (its objects are inputs, whose "data" may be deferred). */
  array(inputs = false): unknown[] {
    if (--this.depthLeft < 0) throw NOT_JSON;
    const b = this.b;
    const open = this.pos;
    this.pos++;
    this.skipSpace();
    if (b[this.pos] === 0x5d) {
      this.pos++;
      this.depthLeft++;
      return [];
    }
    const first = b[this.pos];
    if (first === 0x2d || isDigit(first)) {
      const numbers = this.numbers();
      if (numbers !== undefined) {
        this.depthLeft++;
        return numbers;
      }
      this.pos = open + 1; // not numbers only: read it again, value by value
    }
    const out: unknown[] = [];
    for (;;) {
      out.push(this.value(inputs ? IN_INPUT : ANYWHERE));
      this.skipSpace();
      const c = b[this.pos++];
      if (c === 0x2c) continue;
      if (c === 0x5d) break;
      throw NOT_JSON;
    }
    this.depthLeft++;
    return out;
  }

  /**
   * The rest of an array made of numbers only (tensor data), from `pos` to after its ']'; undefined at the
   * first element that is not a number. Values gather in a reused Float64Array up to SCRATCH_MAX elements.
   */
  numbers(): unknown[] | undefined {
    const b = this.b;
    let scratch = SCRATCH.values;
    let n = 0;
    let p = this.pos;
    for (;;) {
      readNumberRun(b, p, scratch, n);
      n += RUN.count;
      p = RUN.end;
      if (RUN.status === RUN_NOT_NUMBER) return undefined;
      if (RUN.status === RUN_CLOSED) break;
      // The scratch is full: grow it, or past SCRATCH_MAX read the rest into a plain array.
      if (scratch.length < SCRATCH_MAX) {
        const grown = new Float64Array(Math.min(SCRATCH_MAX, scratch.length * 2));
        grown.set(scratch);
        scratch = SCRATCH.values = grown;
        continue;
      }
      const rest = this.spill(p, Array.from(scratch));
      return rest;
    }
    this.pos = p;
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = scratch[i]!;
    return out;
  }

  /** Numbers past SCRATCH_MAX: read in SCRATCH_MAX runs into a plain array. */
  private spill(p: number, out: number[]): number[] | undefined {
    const chunk = new Float64Array(SCRATCH_MAX);
    for (;;) {
      readNumberRun(this.b, p, chunk, 0);
      for (let i = 0; i < RUN.count; i++) out.push(chunk[i]!);
      p = RUN.end;
      if (RUN.status === RUN_NOT_NUMBER) return undefined;
      if (RUN.status === RUN_CLOSED) break;
    }
    this.pos = p;
    return out;
  }

  /** The value of a "data" key: a flat array of numbers may stay text (deferred), anything else is read. */
  dataValue(): unknown {
    this.skipSpace();
    const b = this.b;
    const open = this.pos;
    if (b[open] === 0x5b) {
      let p = open + 1;
      while (isSpace(b[p])) p++;
      if (b[p] === 0x2d || isDigit(b[p])) {
        const text = this.deferred(open);
        if (text !== undefined) return text;
      }
    }
    return this.value();
  }

  /**
   * An array of numbers long enough to be worth reading elsewhere (on an inference thread), kept as its
   * bytes: from '[' at `open` to its ']', found with native searches. Only when no '"', '[' or '{' comes
   * first, so the bytes hold no string or nesting; anything else in them is found when they are read
   * (readFloats, or numbersOf below, which refuses what JSON.parse refuses).
   */
  deferred(open: number): NumberText | undefined {
    const b = this.b;
    const close = b.indexOf(0x5d, open);
    if (close < 0 || close - open < this.deferAtLeast) return undefined;
    // Searched within the array only: a search to the end of the body for each of many arrays would be quadratic.
    const inner = b.subarray(open + 1, close);
    if (inner.indexOf(0x22) >= 0 || inner.indexOf(0x5b) >= 0 || inner.indexOf(0x7b) >= 0) return undefined;
    this.pos = close + 1;
    return new NumberText(b.subarray(open, close + 1));
  }

  object(place: Place = ANYWHERE): Record<string, unknown> {
    if (--this.depthLeft < 0) throw NOT_JSON;
    const b = this.b;
    this.pos++;
    this.skipSpace();
    const out: Record<string, unknown> = {};
    if (b[this.pos] === 0x7d) {
      this.pos++;
      this.depthLeft++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      if (b[this.pos] !== 0x22) throw NOT_JSON;
      const key = this.string();
      this.skipSpace();
      if (b[this.pos++] !== 0x3a) throw NOT_JSON;
      if (place !== ANYWHERE && Object.prototype.hasOwnProperty.call(out, key)) throw REPEATED_KEY;
      const value =
        place === AT_ROOT && key === 'inputs' ? this.value(IN_INPUTS) : place === IN_INPUT && key === 'data' ? this.dataValue() : this.value();
      // JSON.parse makes "__proto__" an own property; assigning it would set the object's prototype.
      if (key === '__proto__') Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
      else out[key] = value;
      this.skipSpace();
      const c = b[this.pos++];
      if (c === 0x2c) continue;
      if (c === 0x7d) break;
      throw NOT_JSON;
    }
    this.depthLeft++;
    return out;
  }

  /** A string at `pos` (its opening quote); leaves `pos` after the closing quote. */
  string(): string {
    const b = this.b;
    const start = this.pos;
    let p = start + 1;
    let plain = true;
    let c = b[p];
    while (c !== 0x22) {
      if (c === undefined) throw NOT_JSON;
      if (c === 0x5c) {
        plain = false;
        p++; // the escaped byte cannot end the string
      } else if (c < 0x20 || c > 0x7e) plain = false;
      c = b[++p];
    }
    this.pos = p + 1;
    if (plain) return b.toString('latin1', start + 1, p);
    try {
      return JSON.parse(b.toString('utf8', start, p + 1)) as string;
    } catch {
      throw NOT_JSON;
    }
  }

  /** A number at `pos` (a '-' or a digit there) outside an array of numbers; leaves `pos` after it. */
  number(): number {
    const b = this.b;
    const start = this.pos;
    let p = start;
    if (b[p] === 0x2d) p++;
    if (b[p] === 0x30) p++;
    else if (isDigit(b[p])) while (isDigit(b[p])) p++;
    else throw NOT_JSON;
    if (b[p] === 0x2e) {
      if (!isDigit(b[++p])) throw NOT_JSON;
      while (isDigit(b[p])) p++;
    }
    if (b[p] === 0x65 || b[p] === 0x45) {
      p++;
      if (b[p] === 0x2b || b[p] === 0x2d) p++;
      if (!isDigit(b[p])) throw NOT_JSON;
      while (isDigit(b[p])) p++;
    }
    this.pos = p;
    // A lone number (an id, a parameter) is rare enough for the general conversion, which rounds correctly.
    return Number(b.toString('latin1', start, p));
  }
}
