/**
 * Typed environment tables for the functions the constructs deploy (budget enforcers, rollout
 * controllers): the construct renders the variables from one table and the handler parses them back with
 * the same table, so a name, a format or an allowed value is written once. The server's own variables
 * follow the same idea in lib/contract.ts (SERVER_ENV).
 *
 * Imports nothing: handlers are bundled with it.
 */

export interface EnvField<T> {
  readonly name: string;
  /** An optional field reads a missing variable as empty. @default false */
  readonly optional?: boolean;
  /** Human description of the allowed values, for error messages. */
  readonly allowed: string;
  parse(raw: string): T | undefined;
  format(value: T, toJson: (value: unknown) => string): string;
}

export const EnvFields = {
  text(name: string): EnvField<string> {
    return { name, allowed: 'a non-empty string', parse: (raw) => (raw.length > 0 ? raw : undefined), format: (v) => v };
  },
  positiveNumber(name: string): EnvField<number> {
    return {
      name,
      allowed: 'a number above 0',
      parse: (raw) => {
        const n = raw.trim() === '' ? NaN : Number(raw);
        return Number.isFinite(n) && n > 0 ? n : undefined;
      },
      format: (v) => String(v),
    };
  },
  /** Text matching `pattern` (anchored by the caller); `allowed` says what it is in words. */
  matching(name: string, pattern: RegExp, allowed: string): EnvField<string> {
    return { name, allowed, parse: (raw) => (pattern.test(raw) ? raw : undefined), format: (v) => v };
  },
  /** `field`, or empty for none: parsed as `null`, rendered as `''`. */
  optional<T>(field: EnvField<T>): EnvField<T | null> {
    return {
      name: field.name,
      optional: true,
      allowed: `empty, or ${field.allowed}`,
      parse: (raw) => (raw === '' ? null : field.parse(raw)),
      format: (v, toJson) => (v === null ? '' : field.format(v, toJson)),
    };
  },
  oneOf<T extends string>(name: string, values: readonly T[]): EnvField<T> {
    return { name, allowed: `one of ${values.join(', ')}`, parse: (raw) => values.find((v) => v === raw), format: (v) => v };
  },
  /** JSON, checked by `isValid` (which names what it expects in `allowed`). */
  json<T>(name: string, allowed: string, isValid: (value: unknown) => value is T): EnvField<T> {
    return {
      name,
      allowed,
      parse: (raw) => {
        try {
          const value: unknown = JSON.parse(raw);
          return isValid(value) ? value : undefined;
        } catch {
          return undefined;
        }
      },
      format: (v, toJson) => toJson(v),
    };
  },
};

export type EnvTable<T> = { readonly [K in keyof T]: EnvField<T[K]> };

/**
 * Renders values as variables. `toJson` serializes JSON fields; a construct passes its toolkit's
 * token-aware serializer (CDK's `stack.toJsonString`) so unresolved references survive.
 */
export function renderEnvironment<T>(table: EnvTable<T>, values: T, toJson: (value: unknown) => string = JSON.stringify): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(table) as (keyof T)[]) out[table[key].name] = table[key].format(values[key], toJson);
  return out;
}

/** Parses variables back; throws once, naming every missing or malformed variable and what it allows. */
export function parseEnvironment<T>(table: EnvTable<T>, env: Readonly<Record<string, string | undefined>>): T {
  const out: Partial<T> = {};
  const problems: string[] = [];
  for (const key of Object.keys(table) as (keyof T)[]) {
    const field = table[key];
    const raw = env[field.name] ?? (field.optional ? '' : undefined);
    const value = raw === undefined ? undefined : field.parse(raw);
    if (value === undefined) problems.push(`${field.name}: got ${raw === undefined ? 'nothing' : JSON.stringify(raw)}; allowed: ${field.allowed}`);
    else out[key] = value;
  }
  if (problems.length > 0) throw new Error(`invalid function environment (the construct that deployed this function sets it):\n  ${problems.join('\n  ')}`);
  return out as T;
}
