/**
 * Checks a JSON request body against Vertex AI's own API definition: the protos `@google-cloud/aiplatform`
 * ships as build/protos/protos.json. Stricter than protobufjs `verify` (which ignores unknown keys): an
 * unknown field, a field of the wrong JSON type, an enum value the API does not define, two members of one
 * oneof, a missing REQUIRED field or a set OUTPUT_ONLY field is a problem.
 */
import { readFileSync } from 'node:fs';

interface FieldDef {
  readonly type: string;
  readonly rule?: string;
  readonly keyType?: string;
  readonly options?: Record<string, unknown>;
}
interface TypeDef {
  readonly fields?: Record<string, FieldDef>;
  readonly oneofs?: Record<string, { oneof: string[] }>;
  readonly values?: Record<string, number>;
  readonly nested?: Record<string, TypeDef>;
}

const ROOT = JSON.parse(readFileSync(require.resolve('@google-cloud/aiplatform/build/protos/protos.json'), 'utf8')) as TypeDef;
export const V1 = 'google.cloud.aiplatform.v1';

/** Further API definitions (protobufjs `Root.toJSON()` of other protos, e.g. Cloud Monitoring's dashboards). */
const EXTRA_ROOTS: TypeDef[] = [];
export function addProtoRoot(root: unknown): void {
  EXTRA_ROOTS.push(root as TypeDef);
}

function find(path: readonly string[]): TypeDef | undefined {
  for (const root of [ROOT, ...EXTRA_ROOTS]) {
    let node: TypeDef | undefined = root;
    for (const part of path) node = node?.nested?.[part];
    if (node) return node;
  }
  return undefined;
}

/** Resolves a type name the way protoc does: from the innermost scope outwards. */
function resolve(name: string, scope: readonly string[]): { path: string[]; def: TypeDef } {
  const parts = name.replace(/^\./, '').split('.');
  if (name.startsWith('.')) {
    const def = find(parts);
    if (def) return { path: parts, def };
  }
  for (let i = scope.length; i >= 0; i--) {
    const path = [...scope.slice(0, i), ...parts];
    const def = find(path);
    if (def) return { path, def };
  }
  throw new Error(`type ${name} not found from ${scope.join('.')}`);
}

const INT32 = new Set(['int32', 'sint32', 'sfixed32', 'uint32', 'fixed32']);
const INT64 = new Set(['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']);

function scalarProblem(type: string, value: unknown): string | undefined {
  if (type === 'string') return typeof value === 'string' ? undefined : 'a string';
  if (type === 'bool') return typeof value === 'boolean' ? undefined : 'a boolean';
  if (type === 'bytes') return typeof value === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(value) ? undefined : 'base64 bytes';
  if (type === 'double' || type === 'float') return typeof value === 'number' && Number.isFinite(value) ? undefined : 'a number';
  if (INT32.has(type)) {
    const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
    const unsigned = type.startsWith('u') || type === 'fixed32';
    return typeof n === 'number' && Number.isInteger(n) && n <= 2 ** 31 - 1 && n >= (unsigned ? 0 : -(2 ** 31)) ? undefined : `an ${type}`;
  }
  if (INT64.has(type)) {
    return (typeof value === 'number' && Number.isSafeInteger(value)) || (typeof value === 'string' && /^-?\d+$/.test(value)) ? undefined : `an ${type}`;
  }
  return `unknown scalar ${type}`;
}

const WELL_KNOWN: Record<string, (v: unknown) => string | undefined> = {
  'google.protobuf.Duration': (v) => (typeof v === 'string' && /^-?\d+(\.\d{1,9})?s$/.test(v) ? undefined : 'a duration like "1800s"'),
  'google.protobuf.Timestamp': (v) => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? undefined : 'an RFC 3339 timestamp'),
  'google.protobuf.FieldMask': (v) => (typeof v === 'string' && /^[a-zA-Z0-9_.]+(,[a-zA-Z0-9_.]+)*$/.test(v) ? undefined : 'a field mask "a.b,c"'),
  'google.protobuf.Struct': (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? undefined : 'a JSON object'),
  'google.protobuf.Value': () => undefined,
  'google.protobuf.ListValue': (v) => (Array.isArray(v) ? undefined : 'a JSON array'),
  'google.protobuf.Int32Value': (v) => scalarProblem('int32', v),
  'google.protobuf.Int64Value': (v) => scalarProblem('int64', v),
  'google.protobuf.BoolValue': (v) => scalarProblem('bool', v),
  'google.protobuf.StringValue': (v) => scalarProblem('string', v),
  'google.protobuf.DoubleValue': (v) => scalarProblem('double', v),
  'google.protobuf.FloatValue': (v) => scalarProblem('float', v),
};

export interface CheckOptions {
  /** Fields that travel in the URL, not the body (e.g. `parent`, `endpoint`): not required in the body. */
  readonly inUrl?: readonly string[];
  /** Check REQUIRED fields (off for partial messages such as a PATCH body). @default true */
  readonly required?: boolean;
}

function check(typeName: string, scope: readonly string[], value: unknown, at: string, out: string[], opts: CheckOptions, top: boolean): void {
  const full = typeName.replace(/^\./, '');
  if (WELL_KNOWN[full]) {
    const p = WELL_KNOWN[full](value);
    if (p) out.push(`${at}: expected ${p}, got ${JSON.stringify(value)}`);
    return;
  }
  if (/^[a-z0-9]+$/.test(typeName)) {
    const p = scalarProblem(typeName, value);
    if (p) out.push(`${at}: expected ${p}, got ${JSON.stringify(value)}`);
    return;
  }
  const { path, def } = resolve(typeName, scope);
  const name = path.join('.');
  if (def.values) {
    const ok = (typeof value === 'string' && value in def.values) || (typeof value === 'number' && Object.values(def.values).includes(value));
    if (!ok) out.push(`${at}: ${JSON.stringify(value)} is not a value of enum ${name} (${Object.keys(def.values).join(', ')})`);
    return;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    out.push(`${at}: expected a ${name} object, got ${JSON.stringify(value)}`);
    return;
  }
  const fields = def.fields ?? {};
  const obj = value as Record<string, unknown>;
  for (const [key, v] of Object.entries(obj)) {
    const field = fields[key];
    if (!field) {
      out.push(`${at}.${key}: not a field of ${name}`);
      continue;
    }
    if (field.options?.['(google.api.field_behavior)'] === 'OUTPUT_ONLY') out.push(`${at}.${key}: OUTPUT_ONLY in ${name}, must not be sent`);
    if (field.keyType) {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        out.push(`${at}.${key}: expected a map, got ${JSON.stringify(v)}`);
        continue;
      }
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
        if (field.keyType !== 'string' && !/^-?\d+$/.test(k)) out.push(`${at}.${key}: map key ${JSON.stringify(k)} is not an ${field.keyType}`);
        check(field.type, path, item, `${at}.${key}[${JSON.stringify(k)}]`, out, opts, false);
      }
    } else if (field.rule === 'repeated') {
      if (!Array.isArray(v)) {
        out.push(`${at}.${key}: expected a list, got ${JSON.stringify(v)}`);
        continue;
      }
      v.forEach((item, i) => check(field.type, path, item, `${at}.${key}[${i}]`, out, opts, false));
    } else {
      check(field.type, path, v, `${at}.${key}`, out, opts, false);
    }
  }
  for (const [oneof, { oneof: members }] of Object.entries(def.oneofs ?? {})) {
    const set = members.filter((m) => obj[m] !== undefined);
    if (set.length > 1) out.push(`${at}: ${set.join(' and ')} are members of oneof ${name}.${oneof}; set one`);
  }
  if (opts.required !== false) {
    for (const [key, field] of Object.entries(fields)) {
      const required = field.options?.['(google.api.field_behavior)'] === 'REQUIRED';
      if (required && obj[key] === undefined && !(top && opts.inUrl?.includes(key))) out.push(`${at}.${key}: REQUIRED in ${name}, missing`);
    }
  }
}

/** Problems with `body` as the message `fullTypeName` (e.g. `google.monitoring.dashboard.v1.Dashboard`). */
export function messageProblems(fullTypeName: string, body: unknown, opts: CheckOptions = {}): string[] {
  const out: string[] = [];
  check(`.${fullTypeName}`, [], body, fullTypeName.split('.').pop()!, out, opts, true);
  return out;
}

/** Problems with `body` as a `google.cloud.aiplatform.v1.<typeName>`; empty when it conforms. */
export function protoProblems(typeName: string, body: unknown, opts: CheckOptions = {}): string[] {
  const out: string[] = [];
  check(`.${V1}.${typeName}`, [], body, typeName, out, opts, true);
  return out;
}
