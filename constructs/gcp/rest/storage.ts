import { GoogleApiError, GoogleRest } from './client';

const API = 'https://storage.googleapis.com';

export interface StoredObject<T> {
  readonly value: T;
  readonly generation: string;
}

/** Reads a JSON object; undefined when it does not exist. */
export async function readJsonObject<T>(rest: GoogleRest, bucket: string, object: string): Promise<StoredObject<T> | undefined> {
  const meta = await rest.getOrUndefined<{ generation?: string }>(`${API}/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(object)}`);
  if (!meta) return undefined;
  const value = await rest.request<T>('GET', `${API}/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(object)}?alt=media&generation=${meta.generation}`);
  return { value, generation: String(meta.generation) };
}

/**
 * Writes a JSON object only if its generation is still `ifGeneration` ("0": only if it does not exist).
 * Answers false when someone else wrote first (HTTP 412), so two concurrent invocations cannot both act.
 */
export async function writeJsonObject(rest: GoogleRest, bucket: string, object: string, value: unknown, ifGeneration: string): Promise<boolean> {
  try {
    await rest.request('POST',
      `${API}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=media&name=${encodeURIComponent(object)}&ifGenerationMatch=${ifGeneration}`,
      value);
    return true;
  } catch (e) {
    if (e instanceof GoogleApiError && e.httpStatus === 412) return false;
    throw e;
  }
}
