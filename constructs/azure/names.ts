import { createHash } from 'node:crypto';

/**
 * Azure names the shared NameRule does not cover (storage accounts, key vaults, AKS pools). Endpoint and
 * deployment names use NameRule.AZURE_ML_ENDPOINT from lib/.
 */

export function shortHash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex');
}

function slug(text: string, max: number): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+/, '').slice(0, max).replace(/-+$/, '');
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
