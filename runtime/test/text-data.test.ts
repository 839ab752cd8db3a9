/**
 * FP32 data read on the inference thread (text-tensor.ts): an OIP infer body's flat `data` array of at least
 * DEFER_DATA_BYTES stays JSON text until the thread that runs its batch reads it. What must hold: the same
 * answers as data read on the event loop; the same 400 messages for data that is wrong (a value that is not a
 * number, a count the shape does not take, a value beyond FP32, text that is not JSON); a wrong request in a
 * batch fails alone while the others are answered; a shape the text cannot fill is refused before anything
 * is queued or allocated. Last, the binary path's own fast copy and non-finite scan (fromBinaryTensor).
 */
import { heavy, repository } from './models';
import { heavyForward, metricValue, start, until, type Started } from './helpers';
import { NumberText, numbersOf, parseJsonBytes, readFloats } from '../src/json-parse';
import { DEFER_DATA_BYTES } from '../src/text-tensor';
import { fromBinaryTensor } from '../src/tensor';

const WIDTH = 256;
const LAYERS = 2;

function row(i: number): number[] {
  return Array.from({ length: WIDTH }, (_, k) => Math.round(Math.sin(i * 31 + k) * 5000) / 10000);
}

/** An OIP body whose data array is given as raw JSON text (to send what JSON.stringify never writes). */
function body(dataText: string, shape: readonly number[] = [1, WIDTH]): string {
  return `{"inputs":[{"name":"x","datatype":"FP32","shape":${JSON.stringify(shape)},"data":${dataText}}]}`;
}

describe('the body parser leaves long flat data as text', () => {
  it('keeps a "data" array of numbers from DEFER_DATA_BYTES on, and reads everything else', () => {
    const long = JSON.stringify(row(1));
    expect(long.length).toBeGreaterThanOrEqual(DEFER_DATA_BYTES);
    const parsed = parseJsonBytes(Buffer.from(body(long)), 64, DEFER_DATA_BYTES) as { inputs: { data: unknown; shape: unknown }[] };
    expect(parsed.inputs[0]!.data).toBeInstanceOf(NumberText);
    expect(Buffer.from((parsed.inputs[0]!.data as NumberText).bytes).toString()).toBe(long);
    expect(parsed.inputs[0]!.shape).toEqual([1, WIDTH]);
    // Short, nested, string-holding or non-"data" arrays are read as JSON.parse reads them.
    const short = JSON.stringify(row(1).slice(0, 8));
    const nested = JSON.stringify([row(1)]);
    const withString = JSON.stringify([...row(1), 'NaN']);
    const other = `{"inputs":[],"parameters":{"weights":${long}}}`;
    for (const text of [body(short), body(nested), body(withString), other]) {
      expect(parseJsonBytes(Buffer.from(text), 64, DEFER_DATA_BYTES)).toEqual(JSON.parse(text));
    }
  });

  it('defers only inputs[i].data, and a body JSON.parse refuses is refused or holds a data text that does not read (6,000 mutated bodies)', () => {
    let seed = 11;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const numbers = (n: number) => Array.from({ length: n }, () => Math.round((rand() - 0.5) * 2000) / 1000);
    const docs = [
      `{"inputs":[{"name":"x","datatype":"FP32","shape":[1,8],"data":${JSON.stringify(numbers(8))}},{"name":"y","data":${JSON.stringify(numbers(9))}}]}`,
      `{"id":"a","parameters":{"data":${JSON.stringify(numbers(8))}},"inputs":[{"name":"x","data":${JSON.stringify(numbers(12))},"parameters":{"binary_data_size":4}}],"outputs":[{"name":"y","data":${JSON.stringify(numbers(8))}}]}`,
      `{"data":${JSON.stringify(numbers(10))},"inputs":[{"name":"x","extra":{"data":${JSON.stringify(numbers(10))}},"data":[${JSON.stringify(numbers(4))}]}]}`,
    ];
    const alphabet = '[]{}",:.-+eE0123456789 x\n';
    let refusedByJson = 0;
    for (let i = 0; i < 6000; i++) {
      const doc = docs[i % docs.length]!;
      const at = Math.floor(rand() * doc.length);
      const op = rand();
      const text = op < 0.4 ? doc.slice(0, at) + doc.slice(at + 1) : op < 0.8 ? doc.slice(0, at) + alphabet[Math.floor(rand() * alphabet.length)] + doc.slice(at) : doc.replace('"name"', `"name":"dup","name"`);
      let want: unknown;
      try {
        want = JSON.parse(text);
      } catch {
        want = undefined;
        refusedByJson++;
      }
      const got = parseJsonBytes(Buffer.from(text), 64, 8);
      // Deferred texts may only sit at inputs[i].data; read them back the way the server does.
      let unreadable = false;
      const inputs = (got as { inputs?: unknown })?.inputs;
      const readBack = JSON.parse(JSON.stringify(got ?? null, (key, v: unknown) => {
        if (!(v instanceof NumberText)) return v;
        expect(key).toBe('data');
        const values = numbersOf(v);
        if (values === undefined) unreadable = true;
        return values ?? null;
      }));
      if (Array.isArray(inputs)) for (const input of inputs) if (input && typeof input === 'object') expect(Object.values(input).filter((v) => v instanceof NumberText).length).toBeLessThanOrEqual(1);
      if (want === undefined) expect(got === undefined || unreadable).toBe(true);
      else {
        expect(unreadable).toBe(false);
        expect(readBack).toEqual(want);
      }
    }
    expect(refusedByJson).toBeGreaterThan(1000);
    // Where the reader looks: nothing outside inputs[i].data is deferred.
    const outside = JSON.parse(JSON.stringify(parseJsonBytes(Buffer.from(docs[1]!), 64, 8), (_k, v: unknown) => (v instanceof NumberText ? 'TEXT' : v)));
    expect(outside.parameters.data).not.toBe('TEXT');
    expect(outside.outputs[0].data).not.toBe('TEXT');
    expect(outside.inputs[0].data).toBe('TEXT');
  });

  it('readFloats takes a text whole or not at all', () => {
    const values = row(2);
    const out = new Float32Array(WIDTH + 2);
    expect(readFloats(Buffer.from(JSON.stringify(values)), out, 2, WIDTH, false)).toBe(true);
    expect(Array.from(out.subarray(2))).toEqual(Array.from(Float32Array.from(values)));
    const refused = [
      JSON.stringify(values.slice(1)), // one value short
      JSON.stringify([...values, 0.5]), // one value over
      JSON.stringify(values).replace(/,/, ',true,').replace(/,[^,]*\]$/, ']'), // a non-number, right count
      JSON.stringify(values).replace(/,/, ',1e39,').replace(/,[^,]*\]$/, ']'), // beyond FP32
      JSON.stringify(values).replace(/,/, ',,'), // not JSON
      `${JSON.stringify(values)} x`,
    ];
    for (const text of refused) expect(readFloats(Buffer.from(text), new Float32Array(WIDTH), 0, WIDTH, false)).toBe(false);
    expect(readFloats(Buffer.from(JSON.stringify(values).replace(/,/, ',1e39,').replace(/,[^,]*\]$/, ']')), new Float32Array(WIDTH), 0, WIDTH, true)).toBe(true);
  });
});

describe('FP32 data read on the inference thread', () => {
  let s: Started;
  beforeAll(async () => {
    s = await start(repository({ 'wide/1': heavy(WIDTH, LAYERS) }), { maxBatchSize: 8, maxQueueDelayMs: 0 });
  });
  afterAll(async () => {
    await s.app.close();
  });
  const infer = (payload: string) => s.app.inject({ method: 'POST', url: '/v2/models/wide/infer', headers: { 'content-type': 'application/json' }, payload });

  it('answers what the model computes, alone and in a batch', async () => {
    const alone = await infer(body(JSON.stringify(row(3))));
    expect(alone.statusCode).toBe(200);
    const expected = heavyForward(WIDTH, LAYERS, Array.from(Float32Array.from(row(3))));
    (alone.json().outputs[0].data as number[]).forEach((v, k) => expect(v).toBeCloseTo(expected[k]!, 4));

    const model = s.app.repository.resolve('wide');
    model.scheduler.pause();
    const pending = Array.from({ length: 6 }, (_, i) => infer(body(JSON.stringify(row(10 + i)))));
    await until(() => model.scheduler.inflight === 6);
    model.scheduler.resume();
    const answers = await Promise.all(pending);
    answers.forEach((res, i) => {
      expect(res.statusCode).toBe(200);
      const want = heavyForward(WIDTH, LAYERS, Array.from(Float32Array.from(row(10 + i))));
      (res.json().outputs[0].data as number[]).forEach((v, k) => expect(v).toBeCloseTo(want[k]!, 4));
    });
  });

  it('gives the messages data read on the event loop gives', async () => {
    const good = row(4);
    const cases: [string, string][] = [
      [JSON.stringify(good).replace(/,[^,]*,/, ',true,'), "input 'x' element 1: expected a number (FP32), got true"],
      [JSON.stringify(good).replace(/,[^,]*,/, ',1e39,'), "input 'x' element 1 is 1e+39 after conversion to FP32; NaN and Infinity are refused"],
      [JSON.stringify(good.slice(1)), "input 'x': shape [1,256] needs 256 elements, data has 255"],
    ];
    for (const [flat, message] of cases) {
      const res = await infer(body(flat));
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toContain(message);
      // The same values nested one level (never deferred: read on the event loop) are refused alike.
      const nested = await infer(body(`[${flat}]`, [1, WIDTH]));
      expect(nested.statusCode).toBe(400);
      if (!message.includes('needs 256 elements')) expect(nested.json().error).toBe(res.json().error);
    }
    const malformed = await infer(body(JSON.stringify(good).replace(/,/, ',,')));
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error).toMatch(/^malformed JSON in the data of input 'x': /);
  });

  it('answers a wrong request in a batch with its 400 and runs the others once without it', async () => {
    const model = s.app.repository.resolve('wide');
    const before = metricValue(await s.app.metrics.registry.metrics(), 'model_server_inference_exec_count', { model: 'wide', version: '1' });
    model.scheduler.pause();
    const texts = [
      JSON.stringify(row(20)),
      JSON.stringify(row(21)).replace(/,[^,]*,/, ',null,'),
      JSON.stringify(row(22)),
      JSON.stringify(row(23).slice(2)),
      JSON.stringify(row(24)),
    ];
    const pending = texts.map((t) => infer(body(t)));
    await until(() => model.scheduler.inflight === texts.length);
    model.scheduler.resume();
    const answers = await Promise.all(pending);
    expect(answers.map((a) => a.statusCode)).toEqual([200, 400, 200, 400, 200]);
    expect(answers[1]!.json().error).toContain("element 1: expected a number (FP32), got null");
    expect(answers[3]!.json().error).toContain('needs 256 elements, data has 254');
    for (const i of [0, 2, 4]) {
      const want = heavyForward(WIDTH, LAYERS, Array.from(Float32Array.from(row(20 + i))));
      (answers[i]!.json().outputs[0].data as number[]).forEach((v, k) => expect(v).toBeCloseTo(want[k]!, 4));
    }
    const after = metricValue(await s.app.metrics.registry.metrics(), 'model_server_inference_exec_count', { model: 'wide', version: '1' });
    expect(after - before).toBe(1); // the three good requests in one execution; the refused attempt did not run
  });

  it('answers 400 to long arrays that are not JSON wherever they sit (read or not), as JSON.parse refuses them', async () => {
    const junk = JSON.stringify(row(6)).replace(/,/, ',x,');
    const good = JSON.stringify(row(6));
    const input = (extra: string) => `{"name":"x","datatype":"FP32","shape":[1,${WIDTH}]${extra}}`;
    const bodies = [
      `{"data":${junk},"inputs":[${input(`,"data":${good}`)}]}`,
      `{"parameters":{"data":${junk}},"inputs":[${input(`,"data":${good}`)}]}`,
      `{"inputs":[${input(`,"data":${good}`)}],"outputs":[{"name":"y","data":${junk}}]}`,
      `{"inputs":[${input(`,"extra":{"data":${junk}},"data":${good}`)}]}`,
      `{"inputs":[${input(`,"data":${junk},"data":${good}`)}]}`,
      `{"inputs":[${input(`,"data":${junk}`)}],"inputs":[${input(`,"data":${good}`)}]}`,
    ];
    for (const b of bodies) {
      expect(() => JSON.parse(b)).toThrow();
      const res = await infer(b);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatch(/^malformed JSON/);
    }
  });

  it('refuses a shape its text cannot fill before queueing or allocating it', async () => {
    const res = await infer(body(JSON.stringify(row(5)), [100_000_000, WIDTH]));
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toContain("input 'x': shape [100000000,256] needs 25600000000 elements, data has 256");
    const after = await infer(body(JSON.stringify(row(5))));
    expect(after.statusCode).toBe(200);
  });
});

describe('binary tensors (fromBinaryTensor): copied into a buffer of their own, non-finite values found by their exponent bits', () => {
  it('names the first NaN or infinity of FP32 and FP64 data, accepts them when allowed, and keeps no view of the message', () => {
    for (const [datatype, Ctor] of [['FP32', Float32Array], ['FP64', Float64Array]] as const) {
      for (const bad of [NaN, Infinity, -Infinity]) {
        const values = Array.from({ length: 37 }, (_, i) => i / 7 - 2);
        values[29] = bad;
        values[33] = NaN;
        // At an odd offset inside a larger message, as protobuf hands raw_input_contents over.
        const message = Buffer.alloc(3 + values.length * Ctor.BYTES_PER_ELEMENT + 5, 0xee);
        Buffer.from(Ctor.from(values).buffer).copy(message, 3);
        const bytes = message.subarray(3, 3 + values.length * Ctor.BYTES_PER_ELEMENT);
        expect(() => fromBinaryTensor('x', datatype, [values.length], bytes, { allowNonFinite: false })).toThrow(`input 'x' element 29 is ${bad} after conversion to ${datatype}`);
        const t = fromBinaryTensor('x', datatype, [values.length], bytes, { allowNonFinite: true });
        expect(Array.from(t.data as Float32Array | Float64Array)).toEqual(Array.from(Ctor.from(values)));
        message.fill(0);
        expect((t.data as Float32Array | Float64Array)[1]).toBe(Ctor.from([1 / 7 - 2])[0]);
      }
      const fine = Ctor.from([0, -0, datatype === 'FP32' ? 3.4e38 : 1e308, -1e-45, 5e-324]);
      expect(Array.from(fromBinaryTensor('x', datatype, [5], Buffer.from(fine.buffer), { allowNonFinite: false }).data as Float32Array)).toEqual(Array.from(fine));
    }
  });
});
