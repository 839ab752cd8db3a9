/**
 * A parser for Cloud Monitoring filters, written from the grammar Google documents ("Monitoring filters",
 * cloud.google.com/monitoring/api/v3/filters): comparisons `<selector> <operator> <value>` joined by AND / OR
 * (AND binds tighter; a blank between comparisons is an AND), NOT and parentheses; operators `=`, `!=`, `<`,
 * `>`, `<=`, `>=` and `:` (has); values are double-quoted strings, numbers, or the documented functions
 * starts_with, ends_with, has_substring, one_of and monitoring.regex.full_match; selectors `project`, `group.id`,
 * `metric.type`, `metric.labels.<KEY>`, `resource.type`, `resource.labels.<KEY>`, `metadata.system_labels.<KEY>`,
 * `metadata.user_labels.<KEY>`. No published parser exists on npm; anything outside this grammar throws.
 */
export interface FilterComparison {
  readonly selector: string;
  readonly operator: string;
  /** The string or number compared with, or `<function>(<args>)`. */
  readonly value: string;
  readonly negated: boolean;
}

const SELECTOR = /^(project|group\.id|metric\.type|resource\.type|(metric|resource)\.labels\.[A-Za-z_][A-Za-z0-9_]*|metadata\.(system|user)_labels\.("[^"]+"|[A-Za-z_][A-Za-z0-9_]*))$/;
const FUNCTIONS = ['starts_with', 'ends_with', 'has_substring', 'one_of', 'monitoring.regex.full_match'];

type Token = { kind: 'word' | 'string' | 'number' | 'op' | '(' | ')' | ','; text: string; at: number };

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s+|"((?:[^"\\]|\\.)*)"|(<=|>=|!=|=|<|>|:)|([()])|(,)|(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_.]*(?:\."[^"]+")?)/y;
  let at = 0;
  while (at < filter.length) {
    re.lastIndex = at;
    const m = re.exec(filter);
    if (!m) throw new SyntaxError(`Monitoring filter: unexpected ${JSON.stringify(filter.slice(at, at + 10))} at ${at}`);
    if (m[1] !== undefined) tokens.push({ kind: 'string', text: m[1], at });
    else if (m[2]) tokens.push({ kind: 'op', text: m[2], at });
    else if (m[3]) tokens.push({ kind: m[3] as '(' | ')', text: m[3], at });
    else if (m[4]) tokens.push({ kind: ',', text: ',', at });
    else if (m[5]) tokens.push({ kind: 'number', text: m[5], at });
    else if (m[6]) tokens.push({ kind: 'word', text: m[6], at });
    at = re.lastIndex;
  }
  return tokens;
}

/** The comparisons of `filter`, in order; throws a SyntaxError naming the position of the first problem. */
export function parseMonitoringFilter(filter: string): FilterComparison[] {
  const tokens = tokenize(filter);
  let i = 0;
  const out: FilterComparison[] = [];
  const peek = () => tokens[i];
  const fail = (what: string): never => {
    throw new SyntaxError(`Monitoring filter: ${what} at ${peek()?.at ?? filter.length} in ${filter}`);
  };
  const value = (): string => {
    const t = peek() ?? fail('a value expected');
    if (t.kind === 'string' || t.kind === 'number') {
      i++;
      return t.text;
    }
    if (t.kind === 'word' && FUNCTIONS.includes(t.text) && tokens[i + 1]?.kind === '(') {
      i += 2;
      const argsOut: string[] = [];
      while (peek()?.kind !== ')') {
        const a = peek() ?? fail('")" expected');
        if (a.kind !== 'string') fail(`a string argument of ${t.text} expected`);
        argsOut.push(a.text);
        i++;
        if (peek()?.kind === ',') i++;
      }
      i++;
      return `${t.text}(${argsOut.map((a) => JSON.stringify(a)).join(', ')})`;
    }
    return fail(`a quoted string, number or function expected, got ${JSON.stringify(t.text)}`);
  };
  const comparison = (negated: boolean): void => {
    const t = peek() ?? fail('a selector expected');
    if (t.kind === '(') {
      i++;
      expression(negated);
      if (peek()?.kind !== ')') fail('")" expected');
      i++;
      return;
    }
    if (t.kind === 'word' && t.text === 'NOT') {
      i++;
      comparison(!negated);
      return;
    }
    if (t.kind !== 'word' || !SELECTOR.test(t.text)) fail(`unknown selector ${JSON.stringify(t.text)}`);
    i++;
    const op = peek();
    if (op?.kind !== 'op') fail(`an operator expected after ${t.text}`);
    i++;
    out.push({ selector: t.text, operator: op!.text, value: value(), negated });
  };
  const expression = (negated: boolean): void => {
    comparison(negated);
    while (i < tokens.length && peek().kind !== ')') {
      const t = peek();
      if (t.kind === 'word' && (t.text === 'AND' || t.text === 'OR')) i++;
      else if (t.kind === 'word' && /^(and|or)$/.test(t.text)) fail(`operators are upper case (${t.text})`);
      comparison(negated);
    }
  };
  if (tokens.length === 0) fail('empty filter');
  expression(false);
  if (i !== tokens.length) fail('unexpected ")"');
  return out;
}
