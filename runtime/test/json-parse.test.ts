/**
 * parseJsonBytes (src/json-parse.ts) against the receiver of the same text: V8's JSON.parse, the parser the
 * server used before and the one its answers must match. For every text: JSON.parse refuses it and
 * parseJsonBytes returns undefined, or both give the same value (util.isDeepStrictEqual: -0 is not 0,
 * prototypes and own properties compared). Texts: fixed edge cases from RFC 8259's grammar, generated
 * documents (numbers written by every formatting JavaScript and Python use), and random byte mutations
 * of them.
 */
import { isDeepStrictEqual } from 'node:util';
import { parseJsonBytes } from '../src/json-parse';

function reference(text: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

/** The failing texts, each with what each parser gave (empty when all agree). */
function disagreements(texts: readonly (string | Buffer)[]): string[] {
  const out: string[] = [];
  for (const t of texts) {
    const bytes = typeof t === 'string' ? Buffer.from(t, 'utf8') : t;
    const want = reference(bytes);
    const got = parseJsonBytes(bytes);
    const same = want.ok ? isDeepStrictEqual(got, want.value) : got === undefined;
    if (!same) out.push(`${JSON.stringify(bytes.toString('latin1')).slice(0, 200)}: JSON.parse ${want.ok ? 'gave a value' : 'threw'}, parseJsonBytes gave ${String(JSON.stringify(got)).slice(0, 80)}`);
  }
  return out;
}

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('parseJsonBytes gives what JSON.parse gives', () => {
  it('on the grammar edges (RFC 8259 sections 2-7)', () => {
    const edges = [
      '0', '-0', '-0.0', '-0e0', '0e-0', '1', '-1', '10', '1.5', '-1.5e3', '1E+2', '1e-2', '2.5E-3', '123456789012345', '1234567890123456',
      '12345678901234567890', '9007199254740993', '-9007199254740993', '0.1', '0.30000000000000004', '1e22', '1e23', '1.7976931348623157e308',
      '1e309', '-1e309', '5e-324', '2e-324', '1e-400', '0.000000000000000000001', '123.456e-20', '1' + '0'.repeat(400), '0.' + '1'.repeat(40),
      '4.35', '8.41e21', '8.41e22', '9.109e-31', '1e0000000000000000000001', '1e-0000000000000000000001',
      // not JSON
      '01', '-01', '00', '1.', '.5', '-.5', '+1', '1e', '1e+', '1e-', '-', '--1', '1.e3', '0x10', 'Infinity', '-Infinity', 'NaN', '1_000', '1 2',
      '[1,]', '[,1]', '[1,,2]', '[1 2]', '[-]', '[01]', '[1.]', '[1e]', '[-0.e1]', '[1', '[1,', '[', ']', '[]]', '[[]', '[ ]', ' [ 1 , 2 ] ', '\t[\n1\r,2]\n',
      '{}', '{ }', '{"a":1}', '{"a":1,}', '{,}', '{"a"}', '{"a":}', '{a:1}', "{'a':1}", '{"a" 1}', '{"a":1 "b":2}', '{"a":1}}', '{"a":{"b":[1,{"c":null}]}}',
      '{"a":1,"a":2}', '{"b":1,"a":2,"b":3}', '{"2":1,"1":2,"a":3}', '{"__proto__":{"x":1}}', '{"__proto__":1,"a":2}', '{"constructor":1,"toString":2}',
      '""', '"abc"', '"a\\"b"', '"a\\\\"', '"\\u00e9"', '"\\ud83d\\ude00"', '"\\ud800"', '"\\x41"', '"\\u12"', '"\\"', '"a', 'a"', '"tab\there"', '"nl\nhere"',
      '"\u00e9"', '"\u{1F600}"', '"\u007f"', 'true', 'false', 'null', 'tru', 'nul', 'True', 'NULL', 'true false', 'nullx', '[true,false,null]',
      '[1,"a"]', '["a",1]', '[1,[2]]', '[[1,2],[3,4]]', '[1,true]', '[1,null]', '[1,{}]', '[1.5,-2.5e-3,0,-0,1e400]', '[ 1 ,\n 2 ]', '[1 ,2]',
      '', ' ', '\u00a0[1]', '\ufeff[1]', '[1]\u0000', '[1]x', 'x[1]',
    ];
    expect(disagreements(edges)).toEqual([]);
    // Invalid UTF-8 inside and outside strings: JSON.parse(toString('utf8')) sees U+FFFD, so must we.
    const bytes = [Buffer.from([0x22, 0xff, 0x22]), Buffer.from([0x22, 0xe2, 0x82, 0x22]), Buffer.from([0x5b, 0xff, 0x5d]), Buffer.from([0x22, 0xc3, 0xa9, 0x5c, 0x6e, 0x22])];
    expect(disagreements(bytes)).toEqual([]);
  });

  it('on numbers written as JavaScript and Python write them (20,000 values)', () => {
    const r = random(19);
    const texts: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const magnitude = 10 ** Math.floor(r() * 60 - 30);
      const v = (r() - 0.5) * 2 * magnitude;
      const f32 = Math.fround(v);
      texts.push(
        `[${v},${f32},${v.toFixed(Math.floor(r() * 20))},${v.toExponential(Math.floor(r() * 20))},${v.toPrecision(1 + Math.floor(r() * 21))}]`,
        // Python's repr of a float32 array as tolist() gives: shortest round-trip, exponent from 1e16 and below 1e-4.
        `[${f32.toPrecision(9)},${Math.round(v * 1000) / 1000},${Math.floor(r() * 2 ** 53)},${-Math.floor(r() * 2 ** 60)}]`,
      );
      const digits = Array.from({ length: 1 + Math.floor(r() * 24) }, () => Math.floor(r() * 10)).join('');
      const cut = Math.floor(r() * digits.length);
      texts.push(`[${digits.replace(/^0+(?=\d)/, '')}, 0.${digits}, ${digits.slice(0, cut).replace(/^0+(?=\d)/, '') || '0'}.${digits.slice(cut) || '0'}e${Math.floor(r() * 60 - 30)}]`);
      texts.push(`{"v":${v},"w":[${f32}]}`);
    }
    expect(disagreements(texts)).toEqual([]);
  });

  it('on generated documents and 20,000 random mutations of them', () => {
    const r = random(7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const space = () => pick(['', '', '', ' ', '\n', '\t', '\r\n ', '  ']);
    const keys = ['inputs', 'name', 'datatype', 'shape', 'data', 'parameters', '__proto__', 'a"b', 'é', '', '1', 'id'];
    const scalar = (): string =>
      pick([
        () => String((r() - 0.5) * 10 ** Math.floor(r() * 40 - 20)),
        () => String(Math.floor(r() * 1000)),
        () => JSON.stringify(pick(['FP32', 'x', 'tab\t', 'quote"', 'é', '\u{1F600}', '', '\\', '\u0001'])),
        () => pick(['true', 'false', 'null', '-0', '0', '1e5', '1E-5']),
      ])();
    const doc = (depth: number): string => {
      const k = r();
      if (depth > 3 || k < 0.3) return scalar();
      if (k < 0.6) {
        const n = Math.floor(r() * 6);
        const numeric = r() < 0.5;
        return `[${space()}${Array.from({ length: n }, () => (numeric ? String(Math.fround((r() - 0.5) * 100)) : doc(depth + 1))).join(`${space()},${space()}`)}${space()}]`;
      }
      const n = Math.floor(r() * 4);
      return `{${space()}${Array.from({ length: n }, () => `${JSON.stringify(pick(keys))}${space()}:${space()}${doc(depth + 1)}`).join(`,${space()}`)}${space()}}`;
    };
    const docs = Array.from({ length: 2000 }, () => `${space()}${doc(0)}${space()}`);
    const mutated: Buffer[] = [];
    const alphabet = Buffer.from('[]{}",:.-+eE0123456789 \\\ntrufalsn\u00ff', 'latin1');
    for (let i = 0; i < 20000; i++) {
      const b = Buffer.from(pick(docs), 'utf8');
      const at = Math.floor(r() * (b.length + 1));
      const op = r();
      if (op < 0.33) mutated.push(Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]));
      else if (op < 0.66) mutated.push(Buffer.concat([b.subarray(0, at), alphabet.subarray(Math.floor(r() * alphabet.length)).subarray(0, 1), b.subarray(at)]));
      else mutated.push(b.subarray(0, at));
    }
    const invalid = mutated.filter((m) => !reference(m).ok).length;
    expect(invalid).toBeGreaterThan(5000); // the mutations reach the refusals, not only valid texts
    expect(disagreements(docs)).toEqual([]);
    expect(disagreements(mutated)).toEqual([]);
  });

  it('on a tensor body of 200,000 values (past the reused buffer) and nested rows', () => {
    const r = random(3);
    const values = Array.from({ length: 200000 }, () => Math.fround(r() * 2 - 1));
    const rows = Array.from({ length: 28 }, (_, i) => values.slice(i * 28, i * 28 + 28));
    expect(disagreements([JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 200000], data: values }] }), JSON.stringify({ data: [[rows]] })])).toEqual([]);
  });

  it('returns undefined past the depth it is given, as the caller checks depth before', () => {
    expect(parseJsonBytes(Buffer.from('[[[1]]]'), 3)).toEqual([[[1]]]);
    expect(parseJsonBytes(Buffer.from('[[[1]]]'), 2)).toBeUndefined();
    expect(parseJsonBytes(Buffer.from('{"a":{"b":{}}}'), 2)).toBeUndefined();
  });
});
