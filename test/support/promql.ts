/**
 * PromQL checked for real: parsed with Prometheus' own grammar (@prometheus-io/lezer-promql, the parser of the
 * Prometheus web UI, github.com/prometheus/prometheus web/ui/module/lezer-promql), and evaluated at one instant
 * against a small in-memory series set by a deliberately small evaluator of the subset the constructs emit.
 *
 * Semantics follow the Prometheus documentation (prometheus.io/docs/prometheus/latest/querying/):
 * - selectors match on every label matcher; `=~` is a fully anchored RE2 match ("operators": regex matches are
 *   fully anchored);
 * - `rate(v[w])`: per-second increase over the window; this evaluator takes the first and last sample inside
 *   (now - w, now] and divides by their distance (Prometheus extrapolates to the window's edges; the series
 *   the tests build have samples at both edges, where the two agree), counter resets are added back;
 * - aggregations (`sum`, `avg`, `max`, `min`, `count`) with `by (...)`/`without (...)`; the result drops the
 *   metric name;
 * - binary operators: vector/vector one-to-one on all labels but the name, or `on (...)`/`ignoring (...)`,
 *   `group_left`; comparisons filter (no `bool`); `or` is the union that keeps left-hand label sets first;
 *   arithmetic drops the metric name;
 * - `vector(s)`, `clamp_min`, `label_replace`, `histogram_quantile` (linear interpolation inside the bucket,
 *   Prometheus' bucketQuantile: the lowest bucket starts at 0, the +Inf bucket returns the highest finite bound).
 * Anything else throws, so a query outside the subset fails loudly instead of evaluating wrongly.
 */
import { parser } from '@prometheus-io/lezer-promql';

type Node = NonNullable<ReturnType<typeof parser.parse>['topNode']>;
export type Labels = Readonly<Record<string, string>>;
export interface Series {
  readonly labels: Labels;
  /** [unix seconds, value], in time order. */
  readonly samples: readonly (readonly [number, number])[];
}
export interface Sample {
  readonly labels: Labels;
  readonly value: number;
}
type Value =
  | { kind: 'vector'; samples: Sample[] }
  | { kind: 'scalar'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'matrix'; series: Series[] };

/** Syntax errors of `expr` ("<offset>: <text around it>"); empty when Prometheus' grammar accepts it. */
export function promqlSyntaxErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.type.isError) errors.push(`${n.from}: ${JSON.stringify(expr.slice(Math.max(0, n.from - 20), n.to + 20))}`);
    },
  });
  return errors;
}

/** Every vector selector of `expr`: its metric name and label matchers. */
export function promqlSelectors(expr: string): { metric: string; matchers: { label: string; op: string; value: string }[] }[] {
  const out: { metric: string; matchers: { label: string; op: string; value: string }[] }[] = [];
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.name !== 'VectorSelector') return;
      const node = n.node;
      const ident = node.getChild('Identifier');
      out.push({ metric: ident ? expr.slice(ident.from, ident.to) : '', matchers: matchersOf(node, expr) });
    },
  });
  return out;
}

/** Every label name `expr` groups or matches on (by/without/on/ignoring clauses). */
export function promqlGroupingLabels(expr: string): string[] {
  const out = new Set<string>();
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.name === 'GroupingLabels') for (const l of n.node.getChildren('LabelName')) out.add(expr.slice(l.from, l.to));
    },
  });
  return [...out];
}

function matchersOf(selector: Node, src: string): { label: string; op: string; value: string }[] {
  const list = selector.getChild('LabelMatchers');
  if (!list) return [];
  return list.getChildren('UnquotedLabelMatcher').map((m) => ({
    label: text(m.getChild('LabelName')!, src),
    op: text(m.getChild('MatchOp')!, src),
    value: JSON.parse(text(m.getChild('StringLiteral')!, src)) as string,
  }));
}

const text = (n: Node, src: string): string => src.slice(n.from, n.to);

function durationSeconds(s: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g;
  let m: RegExpExecArray | null;
  let consumed = '';
  while ((m = re.exec(s))) {
    total += Number(m[1]) * units[m[2]];
    consumed += m[0];
  }
  if (consumed !== s) throw new Error(`unsupported duration ${s}`);
  return total;
}

const signature = (labels: Labels, only?: readonly string[], ignore: readonly string[] = []): string =>
  JSON.stringify(
    Object.entries(labels)
      .filter(([k]) => k !== '__name__' && (only ? only.includes(k) : !ignore.includes(k)))
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
const withoutName = (labels: Labels): Labels => Object.fromEntries(Object.entries(labels).filter(([k]) => k !== '__name__'));

/** Evaluates `expr` at `now` (unix seconds) over `series` (each with a `__name__` label). */
export function evaluatePromQL(expr: string, series: readonly Series[], now: number): Sample[] | number {
  const errors = promqlSyntaxErrors(expr);
  if (errors.length) throw new Error(`PromQL syntax errors in ${expr}: ${errors.join('; ')}`);
  const v = evalNode(parser.parse(expr).topNode.firstChild!, expr, series, now);
  if (v.kind === 'vector') return v.samples;
  if (v.kind === 'scalar') return v.value;
  throw new Error(`expression evaluates to a ${v.kind}`);
}

function selectSeries(node: Node, src: string, series: readonly Series[]): Series[] {
  const ident = node.getChild('Identifier');
  const metric = ident ? text(ident, src) : undefined;
  const matchers = matchersOf(node, src);
  return series.filter((s) => {
    if (metric !== undefined && s.labels.__name__ !== metric) return false;
    return matchers.every(({ label, op, value }) => {
      const have = s.labels[label] ?? '';
      if (op === '=') return have === value;
      if (op === '!=') return have !== value;
      if (op === '=~') return new RegExp(`^(?:${value})$`).test(have);
      if (op === '!~') return !new RegExp(`^(?:${value})$`).test(have);
      throw new Error(`unsupported matcher ${op}`);
    });
  });
}

function args(node: Node): Node[] {
  const body = node.getChild('FunctionCallBody')!;
  const out: Node[] = [];
  for (let c = body.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

function evalNode(node: Node, src: string, series: readonly Series[], now: number): Value {
  switch (node.name) {
    case 'ParenExpr':
      return evalNode(node.firstChild!, src, series, now);
    case 'NumberDurationLiteral':
      return { kind: 'scalar', value: Number(text(node, src)) };
    case 'StringLiteral':
      return { kind: 'string', value: JSON.parse(text(node, src)) as string };
    case 'VectorSelector':
      return {
        kind: 'vector',
        samples: selectSeries(node, src, series).flatMap((s) => {
          // Instant selectors see the latest sample of the last 5 minutes (the lookback delta).
          const latest = [...s.samples].reverse().find(([t]) => t <= now && t > now - 300);
          return latest ? [{ labels: s.labels, value: latest[1] }] : [];
        }),
      };
    case 'MatrixSelector': {
      const window = durationSeconds(text(node.getChild('DurationExpr')!, src));
      const selected = selectSeries(node.getChild('VectorSelector')!, src, series);
      return { kind: 'matrix', series: selected.map((s) => ({ labels: s.labels, samples: s.samples.filter(([t]) => t > now - window && t <= now) })) };
    }
    case 'FunctionCall':
      return evalFunction(node, src, series, now);
    case 'AggregateExpr':
      return evalAggregate(node, src, series, now);
    case 'BinaryExpr':
      return evalBinary(node, src, series, now);
    default:
      throw new Error(`unsupported PromQL node ${node.name}: ${text(node, src)}`);
  }
}

function evalFunction(node: Node, src: string, series: readonly Series[], now: number): Value {
  const name = text(node.getChild('FunctionIdentifier')!, src);
  const a = args(node).map((n) => evalNode(n, src, series, now));
  const vec = (i: number): Sample[] => {
    const v = a[i];
    if (v.kind !== 'vector') throw new Error(`${name}: argument ${i + 1} is not an instant vector`);
    return v.samples;
  };
  const num = (i: number): number => {
    const v = a[i];
    if (v.kind !== 'scalar') throw new Error(`${name}: argument ${i + 1} is not a scalar`);
    return v.value;
  };
  const str = (i: number): string => {
    const v = a[i];
    if (v.kind !== 'string') throw new Error(`${name}: argument ${i + 1} is not a string`);
    return v.value;
  };
  switch (name) {
    case 'rate': {
      const m = a[0];
      if (m.kind !== 'matrix') throw new Error('rate: argument is not a range vector');
      return {
        kind: 'vector',
        samples: m.series.flatMap((s) => {
          if (s.samples.length < 2) return [];
          let increase = 0;
          for (let i = 1; i < s.samples.length; i++) {
            const d = s.samples[i][1] - s.samples[i - 1][1];
            increase += d >= 0 ? d : s.samples[i][1];
          }
          return [{ labels: withoutName(s.labels), value: increase / (s.samples[s.samples.length - 1][0] - s.samples[0][0]) }];
        }),
      };
    }
    case 'vector':
      return { kind: 'vector', samples: [{ labels: {}, value: num(0) }] };
    case 'clamp_min':
      return { kind: 'vector', samples: vec(0).map((s) => ({ labels: withoutName(s.labels), value: Math.max(s.value, num(1)) })) };
    case 'label_replace': {
      const [dst, replacement, srcLabel, regex] = [str(1), str(2), str(3), str(4)];
      return {
        kind: 'vector',
        samples: vec(0).map((s) => {
          const m = new RegExp(`^(?:${regex})$`).exec(s.labels[srcLabel] ?? '');
          if (!m) return s;
          const value = replacement.replace(/\$(\d+)/g, (_x, g: string) => m[Number(g)] ?? '');
          const labels: Record<string, string> = { ...s.labels };
          if (value === '') delete labels[dst];
          else labels[dst] = value;
          return { labels, value: s.value };
        }),
      };
    }
    case 'histogram_quantile':
      return { kind: 'vector', samples: histogramQuantile(num(0), vec(1)) };
    default:
      throw new Error(`unsupported PromQL function ${name}`);
  }
}

function histogramQuantile(q: number, buckets: Sample[]): Sample[] {
  const groups = new Map<string, { labels: Labels; buckets: { le: number; count: number }[] }>();
  for (const b of buckets) {
    const key = signature(b.labels, undefined, ['le']);
    const labels = Object.fromEntries(Object.entries(withoutName(b.labels)).filter(([k]) => k !== 'le'));
    const g = groups.get(key) ?? { labels, buckets: [] };
    g.buckets.push({ le: b.labels.le === '+Inf' ? Infinity : Number(b.labels.le), count: b.value });
    groups.set(key, g);
  }
  return [...groups.values()].map(({ labels, buckets: bs }) => {
    bs.sort((x, y) => x.le - y.le);
    const total = bs[bs.length - 1].count;
    if (bs[bs.length - 1].le !== Infinity || total === 0) return { labels, value: NaN };
    const rank = q * total;
    let i = bs.findIndex((b) => b.count >= rank);
    if (bs[i].le === Infinity) return { labels, value: bs[bs.length - 2].le };
    const lower = i === 0 ? 0 : bs[i - 1].le;
    const before = i === 0 ? 0 : bs[i - 1].count;
    return { labels, value: lower + (bs[i].le - lower) * ((rank - before) / (bs[i].count - before)) };
  });
}

function evalAggregate(node: Node, src: string, series: readonly Series[], now: number): Value {
  const op = text(node.getChild('AggregateOp')!, src);
  const modifier = node.getChild('AggregateModifier');
  const labels = modifier ? modifier.getChild('GroupingLabels')!.getChildren('LabelName').map((l) => text(l, src)) : [];
  const without = modifier !== null && modifier.getChild('Without') !== null;
  const inner = args(node);
  if (inner.length !== 1) throw new Error(`unsupported ${op} with parameters`);
  const v = evalNode(inner[0], src, series, now);
  if (v.kind !== 'vector') throw new Error(`${op}: argument is not an instant vector`);
  const groups = new Map<string, { labels: Labels; values: number[] }>();
  for (const s of v.samples) {
    const kept = Object.fromEntries(Object.entries(withoutName(s.labels)).filter(([k]) => (without ? !labels.includes(k) : labels.includes(k))));
    const key = signature(kept);
    const g = groups.get(key) ?? { labels: kept, values: [] };
    g.values.push(s.value);
    groups.set(key, g);
  }
  const reduce: Record<string, (xs: number[]) => number> = {
    sum: (xs) => xs.reduce((x, y) => x + y, 0),
    avg: (xs) => xs.reduce((x, y) => x + y, 0) / xs.length,
    max: (xs) => Math.max(...xs),
    min: (xs) => Math.min(...xs),
    count: (xs) => xs.length,
  };
  if (!reduce[op]) throw new Error(`unsupported aggregation ${op}`);
  return { kind: 'vector', samples: [...groups.values()].map((g) => ({ labels: g.labels, value: reduce[op](g.values) })) };
}

const ARITHMETIC: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => a + b, Sub: (a, b) => a - b, Mul: (a, b) => a * b, Div: (a, b) => a / b,
};
const COMPARISON: Record<string, (a: number, b: number) => boolean> = {
  Gtr: (a, b) => a > b, Lss: (a, b) => a < b, Gte: (a, b) => a >= b, Lte: (a, b) => a <= b, Eql: (a, b) => a === b, Neq: (a, b) => a !== b,
};

function evalBinary(node: Node, src: string, series: readonly Series[], now: number): Value {
  const children: Node[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) children.push(c);
  const [leftNode, opNode] = children;
  const rightNode = children[children.length - 1];
  const matching = children.find((c) => c.name === 'MatchingModifierClause');
  if (children.some((c) => c.name === 'BoolModifier')) throw new Error('unsupported: bool modifier');
  const op = opNode.name;
  const left = evalNode(leftNode, src, series, now);
  const right = evalNode(rightNode, src, series, now);

  if (op === 'Or') {
    if (left.kind !== 'vector' || right.kind !== 'vector') throw new Error('or needs two instant vectors');
    const seen = new Set(left.samples.map((s) => signature(s.labels)));
    return { kind: 'vector', samples: [...left.samples, ...right.samples.filter((s) => !seen.has(signature(s.labels)))] };
  }
  const apply = (a: number, b: number, labels: Labels): Sample | undefined => {
    if (ARITHMETIC[op]) return { labels: withoutName(labels), value: ARITHMETIC[op](a, b) };
    if (COMPARISON[op]) return COMPARISON[op](a, b) ? { labels, value: a } : undefined;
    throw new Error(`unsupported binary operator ${op}`);
  };
  if (left.kind === 'scalar' && right.kind === 'scalar') {
    if (!ARITHMETIC[op]) throw new Error('scalar comparison needs bool');
    return { kind: 'scalar', value: ARITHMETIC[op](left.value, right.value) };
  }
  if (left.kind === 'vector' && right.kind === 'scalar') {
    return { kind: 'vector', samples: left.samples.map((s) => apply(s.value, right.value, s.labels)).filter((s): s is Sample => s !== undefined) };
  }
  if (left.kind === 'scalar' && right.kind === 'vector') {
    // A comparison keeps the vector side's value (Prometheus: the sample value of the vector element).
    return {
      kind: 'vector',
      samples: right.samples
        .map((s) => (COMPARISON[op] ? (COMPARISON[op](left.value, s.value) ? { labels: s.labels, value: s.value } : undefined) : apply(left.value, s.value, s.labels)))
        .filter((s): s is Sample => s !== undefined),
    };
  }
  if (left.kind !== 'vector' || right.kind !== 'vector') throw new Error(`unsupported operands for ${op}`);
  let on: string[] | undefined;
  let ignoring: string[] = [];
  let groupLeft = false;
  if (matching) {
    const lists = matching.getChildren('GroupingLabels').map((g) => g.getChildren('LabelName').map((l) => text(l, src)));
    if (matching.getChild('On')) on = lists[0];
    else if (matching.getChild('Ignoring')) ignoring = lists[0];
    if (matching.getChild('GroupRight')) throw new Error('unsupported: group_right');
    groupLeft = matching.getChild('GroupLeft') !== null;
    if (groupLeft && lists[1] && lists[1].length > 0) throw new Error('unsupported: group_left with labels');
  }
  const rightBySig = new Map<string, Sample>();
  for (const s of right.samples) {
    const sig = signature(s.labels, on, ignoring);
    if (rightBySig.has(sig)) throw new Error(`many-to-many matching on ${sig}`);
    rightBySig.set(sig, s);
  }
  const usedLeft = new Set<string>();
  const out: Sample[] = [];
  for (const l of left.samples) {
    const sig = signature(l.labels, on, ignoring);
    const r = rightBySig.get(sig);
    if (!r) continue;
    if (!groupLeft) {
      if (usedLeft.has(sig)) throw new Error(`many-to-one matching on ${sig} needs group_left`);
      usedLeft.add(sig);
    }
    // One-to-one results keep the matching labels only (Prometheus: resultMetric drops the others for on()).
    const labels = groupLeft || on === undefined ? l.labels : Object.fromEntries(Object.entries(l.labels).filter(([k]) => on!.includes(k)));
    const s = apply(l.value, r.value, labels);
    if (s) out.push(s);
  }
  return { kind: 'vector', samples: out };
}
