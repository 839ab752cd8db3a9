/**
 * Checks an ARM request body against a bicep-types graph the way the azapi provider does at plan time
 * (internal/azure/types/*.go): unknown properties, missing required ones, read-only ones set, string
 * literals and unions (enums), discriminated objects, and the JSON type of every value. Terraform
 * references (`${...}`) are unknown at plan time, so azapi skips them; so does this walker.
 *
 * Stricter than azapi in one place on purpose: a union that also admits any string (an "open enum" such
 * as `authMode`) is reported when the value matches none of its literals, because Azure ML treats those
 * values case-sensitively and azapi would let `"key"` through.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Ref { readonly $ref: string }
interface Property { readonly type: Ref; readonly flags: number; readonly description?: string }
type BicepType =
  | { $type: 'StringType'; minLength?: number; maxLength?: number; pattern?: string; sensitive?: boolean }
  | { $type: 'IntegerType'; minValue?: number; maxValue?: number }
  | { $type: 'BooleanType' }
  | { $type: 'AnyType' }
  | { $type: 'StringLiteralType'; value: string }
  | { $type: 'UnionType'; elements: Ref[] }
  | { $type: 'ArrayType'; itemType: Ref; minLength?: number; maxLength?: number }
  | { $type: 'ObjectType'; name: string; properties: Record<string, Property>; additionalProperties?: Ref }
  | { $type: 'DiscriminatedObjectType'; name: string; discriminator: string; baseProperties: Record<string, Property>; elements: Record<string, Ref> }
  | { $type: 'ResourceType'; name: string; body: Ref }
  | { $type: 'ResourceFunctionType'; name: string };

const REQUIRED = 1;
const READ_ONLY = 2;

export const AZURE_ML_TYPES_FILE = join(__dirname, '..', '..', 'fixtures', 'schemas', 'azure', 'microsoft.machinelearningservices-2025-06-01.types.json');

export class BicepTypes {
  public static load(file: string = AZURE_ML_TYPES_FILE): BicepTypes {
    return new BicepTypes(JSON.parse(readFileSync(file, 'utf8')) as BicepType[]);
  }

  private constructor(private readonly types: BicepType[]) {}

  /** Every `<type>@<api-version>` the file describes. */
  public get resourceTypes(): string[] {
    return this.types.flatMap((t) => (t.$type === 'ResourceType' ? [t.name] : []));
  }

  /**
   * Problems with `body` as the full ARM request body of `resourceType` (`<type>@<api-version>`): what
   * azapi sends, i.e. the `body` attribute merged with `name`, `location`, `tags` and `identity`.
   * An empty list means the body passes.
   */
  public validate(resourceType: string, body: unknown): string[] {
    const resource = this.types.find((t) => t.$type === 'ResourceType' && t.name === resourceType);
    if (!resource || resource.$type !== 'ResourceType') {
      return [`resource type ${resourceType} is not in the type graph (known: ${this.resourceTypes.length} types)`];
    }
    const errors: string[] = [];
    this.check(resource.body, body, '', errors, true);
    return errors;
  }

  private resolve(ref: Ref): BicepType {
    const index = Number(ref.$ref.replace(/^#\//, ''));
    const t = this.types[index];
    if (!t) throw new Error(`dangling type reference ${ref.$ref}`);
    return t;
  }

  private check(ref: Ref, value: unknown, path: string, errors: string[], root = false): void {
    if (isUnknown(value)) return;
    const t = this.resolve(ref);
    const at = path || '(body)';
    switch (t.$type) {
      case 'AnyType':
        return;
      case 'StringType':
        if (typeof value !== 'string') {
          errors.push(`${at}: expected a string, got ${typeName(value)}`);
          return;
        }
        if (t.minLength !== undefined && value.length < t.minLength) errors.push(`${at}: ${JSON.stringify(value)} is shorter than ${t.minLength}`);
        if (t.maxLength !== undefined && value.length > t.maxLength) errors.push(`${at}: ${JSON.stringify(value)} is longer than ${t.maxLength}`);
        if (t.pattern !== undefined && !new RegExp(t.pattern).test(value)) errors.push(`${at}: ${JSON.stringify(value)} does not match ${t.pattern}`);
        return;
      case 'IntegerType':
        if (typeof value !== 'number' || !Number.isInteger(value)) {
          errors.push(`${at}: expected an integer, got ${typeName(value)} ${JSON.stringify(value)}`);
          return;
        }
        if (t.minValue !== undefined && value < t.minValue) errors.push(`${at}: ${value} is below ${t.minValue}`);
        if (t.maxValue !== undefined && value > t.maxValue) errors.push(`${at}: ${value} is above ${t.maxValue}`);
        return;
      case 'BooleanType':
        if (typeof value !== 'boolean') errors.push(`${at}: expected a boolean, got ${typeName(value)} ${JSON.stringify(value)}`);
        return;
      case 'StringLiteralType':
        if (value !== t.value) errors.push(`${at}: expected ${JSON.stringify(t.value)}, got ${JSON.stringify(value)}`);
        return;
      case 'UnionType': {
        const literals: string[] = [];
        let passes = false;
        for (const el of t.elements) {
          const e = this.resolve(el);
          if (e.$type === 'StringLiteralType') {
            literals.push(e.value);
            if (value === e.value) passes = true;
            continue;
          }
          // Open enums (a literal list plus any string) are checked against the literals only; see header.
          if (e.$type === 'StringType' && t.elements.some((x) => this.resolve(x).$type === 'StringLiteralType')) continue;
          const sub: string[] = [];
          this.check(el, value, path, sub);
          if (sub.length === 0) passes = true;
        }
        if (!passes) errors.push(`${at}: ${JSON.stringify(value)} is not one of ${literals.length ? literals.map((l) => JSON.stringify(l)).join(', ') : 'the union\'s types'}`);
        return;
      }
      case 'ArrayType':
        if (!Array.isArray(value)) {
          errors.push(`${at}: expected an array, got ${typeName(value)}`);
          return;
        }
        if (t.minLength !== undefined && value.length < t.minLength) errors.push(`${at}: fewer than ${t.minLength} items`);
        if (t.maxLength !== undefined && value.length > t.maxLength) errors.push(`${at}: more than ${t.maxLength} items`);
        value.forEach((v, i) => this.check(t.itemType, v, `${path}[${i}]`, errors));
        return;
      case 'ObjectType':
        this.checkObject(t.properties, t.additionalProperties, value, path, errors, root);
        return;
      case 'DiscriminatedObjectType': {
        if (!isObject(value)) {
          errors.push(`${at}: expected an object, got ${typeName(value)}`);
          return;
        }
        const tag = value[t.discriminator];
        if (isUnknown(tag)) return;
        if (tag === undefined) {
          errors.push(`${path}.${t.discriminator}: required (the discriminator of ${t.name}; one of ${Object.keys(t.elements).join(', ')})`);
          return;
        }
        const element = typeof tag === 'string' ? t.elements[tag] : undefined;
        if (!element) {
          errors.push(`${path}.${t.discriminator}: ${JSON.stringify(tag)} is not one of ${Object.keys(t.elements).map((k) => JSON.stringify(k)).join(', ')}`);
          return;
        }
        const el = this.resolve(element);
        if (el.$type !== 'ObjectType') throw new Error(`discriminated element ${element.$ref} is ${el.$type}`);
        this.checkObject({ ...t.baseProperties, ...el.properties }, el.additionalProperties, value, path, errors, root);
        return;
      }
      default:
        errors.push(`${at}: cannot check a ${t.$type}`);
    }
  }

  private checkObject(properties: Record<string, Property>, additional: Ref | undefined, value: unknown, path: string, errors: string[], root: boolean): void {
    const at = path || '(body)';
    if (!isObject(value)) {
      errors.push(`${at}: expected an object, got ${typeName(value)}`);
      return;
    }
    for (const [key, v] of Object.entries(value)) {
      if (v === undefined || v === null) continue;
      const def = properties[key];
      if (def) {
        if (def.flags & READ_ONLY) {
          errors.push(`${path}.${key}: read-only, must not be set`);
          continue;
        }
        this.check(def.type, v, `${path}.${key}`, errors);
      } else if (additional) {
        this.check(additional, v, `${path}.${key}`, errors);
      } else {
        errors.push(`${path}.${key}: not a property of this type (allowed: ${Object.keys(properties).filter((k) => !(properties[k].flags & READ_ONLY)).join(', ')})`);
      }
    }
    for (const [key, def] of Object.entries(properties)) {
      if (!(def.flags & REQUIRED) || (def.flags & READ_ONLY)) continue;
      // azapi fills the root `name` from the resource's name attribute.
      if (root && key === 'name') continue;
      if (value[key] === undefined || value[key] === null) errors.push(`${path}.${key}: required`);
    }
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A Terraform expression: unknown until apply, so azapi skips it at plan time. */
function isUnknown(v: unknown): boolean {
  return typeof v === 'string' && v.includes('${');
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}
