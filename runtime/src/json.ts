/**
 * JSON text of a response. 64-bit integer outputs beyond 2^53 arrive as BigInt (tensor.ts toJsonValues) and
 * are written as their exact digits, so a client reading them with a 64-bit parser gets the model's value,
 * not a rounded one.
 */
import { randomBytes } from 'node:crypto';

const marker = `\u0000${randomBytes(6).toString('hex')}:`;
const pattern = new RegExp(`"${marker.replace('\u0000', '\\\\u0000')}(-?\\d+)"`, 'g');

export function stringifyJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (!(error instanceof TypeError) || !/BigInt/i.test(error.message)) throw error;
  }
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${marker}${v.toString()}` : v)).replace(pattern, '$1');
}
