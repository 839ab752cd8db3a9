import { createHash } from 'node:crypto';

/**
 * Azure name rules the constructs generate names for. Until the shared name helper lands in lib/, this is
 * the one place that knows them.
 */

/** Online endpoint and deployment names: 3-32 characters, a letter first, letters, digits and single `-`. */
export const AZURE_ML_ENDPOINT_NAME = /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/;

export function shortHash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex');
}

/** Lower-case, letters/digits/single dashes, trimmed to `max` characters with no dash at either end. */
function slug(text: string, max: number): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+/, '').slice(0, max).replace(/-+$/, '');
}

/**
 * A 3-32 character endpoint name. Names are unique per Azure region across every subscription, so the model
 * name is followed by 8 hex characters of a hash over what makes this endpoint distinct (its construct path and
 * stack), e.g. `fraud-classifier-3f9a12bc`.
 */
export function azureMlEndpointName(modelName: string, ...distinct: string[]): string {
  const base = slug(modelName, 23) || 'model';
  const name = `${/^[a-z]/.test(base) ? base : `m-${base}`.slice(0, 23)}-${shortHash(modelName, ...distinct).slice(0, 8)}`;
  return name;
}

/**
 * A deployment name for one model version, e.g. `v3-1-0` for `3.1.0`; a version too long for 32 characters
 * keeps its first 23 and a hash.
 */
export function azureMlDeploymentName(version: string): string {
  const full = `v${slug(version, 64)}`.replace(/^v-/, 'v');
  if (full.length >= 3 && full.length <= 32 && AZURE_ML_ENDPOINT_NAME.test(full)) return full;
  const base = slug(`v${version}`, 23);
  return `${base}-${shortHash(version).slice(0, 8)}`.padEnd(3, '0');
}

/** AKS node pool names: a lower-case letter, then up to 11 lower-case letters and digits. */
export const AKS_NODE_POOL_NAME = /^[a-z][a-z0-9]{0,11}$/;

/** Storage account names: 3-24 lower-case letters and digits, globally unique. */
export function storageAccountName(prefix: string, ...distinct: string[]): string {
  const p = prefix.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 12) || 'ms';
  return `${p}${shortHash(prefix, ...distinct).slice(0, 24 - p.length).slice(0, 12)}`;
}

/** Key vault names: 3-24 characters, letters, digits and dashes, a letter first, globally unique. */
export function keyVaultName(prefix: string, ...distinct: string[]): string {
  const p = slug(prefix, 14) || 'kv';
  return `${/^[a-z]/.test(p) ? p : 'k'}-${shortHash(prefix, ...distinct).slice(0, 8)}`.slice(0, 24);
}
