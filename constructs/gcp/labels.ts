/**
 * Google Cloud label rules: keys 1-63 characters, lower-case letters, digits, `_` and `-`, starting with a
 * letter; values 0-63 characters of the same. The spec's tags allow `.` (versions like `3.1.0`), so they
 * are rewritten here, the same way on every resource. Plain TypeScript.
 */

const MAX = 63;

export function sanitizeLabelValue(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9_-]/g, '-').slice(0, MAX);
}

export function sanitizeLabelKey(key: string): string {
  const k = key.toLowerCase().replace(/[^a-z0-9_-]/g, '-');
  return (/^[a-z]/.test(k) ? k : `l-${k}`).slice(0, MAX);
}

/** Labels for every resource, from the spec's tags. */
export function googleLabels(tags: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) out[sanitizeLabelKey(k)] = sanitizeLabelValue(v);
  return out;
}
