import { createHash } from 'node:crypto';
import { SpecProblem, describe, isUnresolved } from './errors';

/** The character rules of one kind of name or label on one platform. */
export interface NameRuleOptions {
  /** Platform and kind of name, for messages, e.g. `SageMaker endpoint name`. */
  readonly description: string;
  /** Fewest characters. */
  readonly minLength: number;
  /** Most characters. */
  readonly maxLength: number;
  /** Characters allowed anywhere, as a regular-expression character class body, e.g. `a-z0-9-`. */
  readonly characters: string;
  /** Only lower-case letters (sanitizing lower-cases). @default false */
  readonly lowerCaseOnly?: boolean;
  /** Must start with a letter. @default false (a letter or digit) */
  readonly startsWithLetter?: boolean;
  /** Must end with a letter or digit. @default true */
  readonly endsAlphanumeric?: boolean;
  /** `--` is not allowed. @default false */
  readonly noRepeatedDashes?: boolean;
  /** Where the name must be unique, for the docs and messages, e.g. `per Azure region`. @default - per scope */
  readonly uniqueWithin?: string;
  /** Character that replaces a disallowed one when sanitizing. @default '-' */
  readonly replacement?: string;
}

const HASH_LENGTH = 8;

/**
 * The rules for one kind of resource name or label on one platform, with a generator that turns any base
 * into a valid name carrying a stable hash suffix, and a sanitizer for tag and label values. Enum-like: the
 * constants cover the platforms this library targets; `NameRule.of()` declares another.
 */
export class NameRule {
  /** SageMaker endpoint, endpoint config and model names: letters, digits and `-`, 1-63 characters. */
  public static readonly SAGEMAKER_NAME = new NameRule({
    description: 'SageMaker name', minLength: 1, maxLength: 63, characters: 'a-zA-Z0-9-', noRepeatedDashes: false, uniqueWithin: 'per account and region',
  });
  /** Azure ML online endpoint (and deployment) names: 3-32 characters, a letter first, single dashes. */
  public static readonly AZURE_ML_ENDPOINT = new NameRule({
    description: 'Azure ML online endpoint name', minLength: 3, maxLength: 32, characters: 'a-zA-Z0-9-', startsWithLetter: true, noRepeatedDashes: true, uniqueWithin: 'per Azure region',
  });
  /** Kubernetes object names (DNS-1123 label): lower-case letters, digits and `-`, 1-63 characters. */
  public static readonly KUBERNETES_NAME = new NameRule({
    description: 'Kubernetes name (DNS-1123 label)', minLength: 1, maxLength: 63, characters: 'a-z0-9-', lowerCaseOnly: true, uniqueWithin: 'per namespace and kind',
  });
  /** Google Cloud resource IDs such as Vertex AI display names used as IDs: a lower-case letter first, 1-63. */
  public static readonly GCP_RESOURCE_ID = new NameRule({
    description: 'Google Cloud resource id', minLength: 1, maxLength: 63, characters: 'a-z0-9-', lowerCaseOnly: true, startsWithLetter: true, uniqueWithin: 'per project and location',
  });
  /** Google Cloud label values: lower-case letters, digits, `_` and `-`, at most 63 (no `.`). */
  public static readonly GCP_LABEL_VALUE = new NameRule({
    description: 'Google Cloud label value', minLength: 0, maxLength: 63, characters: 'a-z0-9_-', lowerCaseOnly: true, endsAlphanumeric: false,
  });
  /** Google Cloud label keys: a lower-case letter first, then lower-case letters, digits, `_` and `-`, at most 63. */
  public static readonly GCP_LABEL_KEY = new NameRule({
    description: 'Google Cloud label key', minLength: 1, maxLength: 63, characters: 'a-z0-9_-', lowerCaseOnly: true, startsWithLetter: true, endsAlphanumeric: false,
  });
  /** Kubernetes label values: letters, digits, `-`, `_` and `.`, alphanumeric at both ends, at most 63. */
  public static readonly KUBERNETES_LABEL_VALUE = new NameRule({
    description: 'Kubernetes label value', minLength: 0, maxLength: 63, characters: 'a-zA-Z0-9._-',
  });
  /** AWS tag values: letters, digits, spaces and `+ - = . _ : / @`, at most 256. */
  public static readonly AWS_TAG_VALUE = new NameRule({
    description: 'AWS tag value', minLength: 0, maxLength: 256, characters: 'a-zA-Z0-9 +=._:/@-', endsAlphanumeric: false,
  });
  /** Azure tag values: at most 256 characters (Azure forbids none of the characters metadata may hold). */
  public static readonly AZURE_TAG_VALUE = new NameRule({
    description: 'Azure tag value', minLength: 0, maxLength: 256, characters: 'a-zA-Z0-9 +=._:/@-', endsAlphanumeric: false,
  });

  /** A rule this library has no constant for. */
  public static of(options: NameRuleOptions): NameRule {
    return new NameRule(options);
  }

  public readonly description: string;
  public readonly minLength: number;
  public readonly maxLength: number;
  public readonly uniqueWithin?: string;
  private readonly options: NameRuleOptions;
  private readonly pattern: RegExp;
  private readonly disallowed: RegExp;

  private constructor(options: NameRuleOptions) {
    this.options = options;
    this.description = options.description;
    this.minLength = options.minLength;
    this.maxLength = options.maxLength;
    this.uniqueWithin = options.uniqueWithin;
    const first = options.startsWithLetter ? (options.lowerCaseOnly ? 'a-z' : 'a-zA-Z') : (options.lowerCaseOnly ? 'a-z0-9' : 'a-zA-Z0-9');
    this.disallowed = new RegExp(`[^${options.characters}]`, 'g');
    this.pattern = new RegExp(`^[${first}][${options.characters}]*$`);
  }

  /** What is allowed, in words, for messages. */
  public get allowed(): string {
    const o = this.options;
    const parts = [`characters [${o.characters}]`, `${o.minLength}-${o.maxLength} long`];
    if (o.startsWithLetter) parts.push('starting with a letter');
    if (o.endsAlphanumeric ?? true) parts.push('ending with a letter or digit');
    if (o.noRepeatedDashes) parts.push('no "--"');
    if (o.uniqueWithin) parts.push(`unique ${o.uniqueWithin}`);
    return `${this.description}: ${parts.join(', ')}`;
  }

  /** Why `value` breaks the rule, or undefined when it is valid (and for deploy-time tokens). */
  public check(value: string): string | undefined {
    if (isUnresolved(value)) return undefined;
    const o = this.options;
    if (value.length < o.minLength || value.length > o.maxLength) return `${value.length} characters`;
    if (value.length === 0) return undefined;
    if (!this.pattern.test(value)) return o.startsWithLetter && !/^[a-zA-Z]/.test(value) ? 'does not start with a letter' : 'has characters outside the allowed set';
    if ((o.endsAlphanumeric ?? true) && !/[a-zA-Z0-9]$/.test(value)) return 'does not end with a letter or digit';
    if (o.noRepeatedDashes && value.includes('--')) return 'has "--"';
    return undefined;
  }

  /** A problem for `field` when `value` breaks the rule; undefined when it is valid. */
  public problem(field: string, value: string, fix: string): SpecProblem | undefined {
    const why = this.check(value);
    return why === undefined ? undefined : { field, given: `${describe(value)} (${why})`, allowed: this.allowed, fix };
  }

  /**
   * A valid name from `base`, unique per `seed` (e.g. the construct path): the sanitized base cut to fit, a
   * `-` and the first 8 hex digits of the seed's SHA-256. The same base and seed always give the same name.
   */
  public generate(base: string, seed: string): string {
    const hash = createHash('sha256').update(seed).digest('hex').slice(0, HASH_LENGTH);
    const room = this.maxLength - HASH_LENGTH - 1;
    let head = this.clean(base).slice(0, room).replace(/[^a-zA-Z0-9]+$/, '');
    if (head === '' || (this.options.startsWithLetter && !/^[a-zA-Z]/.test(head))) head = `m${head}`.slice(0, room);
    return `${head}-${hash}`;
  }

  /**
   * `value` made valid: disallowed characters replaced, case folded where required, cut to length with a
   * stable hash suffix when it was too long (so two long values stay distinct). Valid values come back as is.
   */
  public sanitize(value: string): string {
    if (isUnresolved(value) || this.check(value) === undefined) return value;
    let out = this.clean(value);
    if (out.length > this.maxLength) {
      const hash = createHash('sha256').update(value).digest('hex').slice(0, HASH_LENGTH);
      out = `${out.slice(0, this.maxLength - HASH_LENGTH - 1).replace(/[^a-zA-Z0-9]+$/, '')}-${hash}`;
    }
    if (this.options.startsWithLetter && !/^[a-zA-Z]/.test(out)) out = `m${out}`.slice(0, this.maxLength);
    while (out.length < this.minLength) out += '0';
    return out;
  }

  private clean(value: string): string {
    const o = this.options;
    let out = o.lowerCaseOnly ? value.toLowerCase() : value;
    out = out.replace(this.disallowed, o.replacement ?? '-');
    if (o.noRepeatedDashes) out = out.replace(/-{2,}/g, '-');
    out = out.replace(/^[^a-zA-Z0-9]+/, '');
    if (o.endsAlphanumeric ?? true) out = out.replace(/[^a-zA-Z0-9]+$/, '');
    return out;
  }
}

/** Sanitizes every key and value of a tag/label map with the given rules (keys are kept when no key rule). */
export function sanitizeLabels(labels: Readonly<Record<string, string>>, valueRule: NameRule, keyRule?: NameRule): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) out[keyRule ? keyRule.sanitize(k) : k] = valueRule.sanitize(v);
  return out;
}
