/**
 * Vertex AI hands the model over as AIP_STORAGE_URI (gs://bucket/prefix) and expects the container to copy
 * it: the access token comes from the metadata server, the objects from the Cloud Storage JSON API.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { GCP_METADATA_TOKEN_URL as METADATA_TOKEN_URL } from './secrets';

export async function downloadGcsPrefix(uri: string, target: string, fetchImpl: typeof fetch = fetch): Promise<number> {
  const m = /^gs:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m) throw new Error(`${uri} is not a gs:// URI`);
  const bucket = m[1]!;
  const prefix = m[2]!.replace(/\/?$/, m[2] ? '/' : '');
  let token: string;
  try {
    const res = await fetchImpl(METADATA_TOKEN_URL, { headers: { 'Metadata-Flavor': 'Google' } });
    if (!res.ok) throw new Error(`metadata server answered ${res.status}`);
    token = ((await res.json()) as { access_token: string }).access_token;
  } catch (error) {
    throw new Error(
      `cannot download ${uri}: no access token from the GCE metadata server (${(error as Error).message}). Outside Vertex AI, copy the model into the container and pass --model-repository instead`,
    );
  }
  const auth = { Authorization: `Bearer ${token}` };
  let pageToken: string | undefined;
  let count = 0;
  do {
    const list = new URL(`https://storage.googleapis.com/storage/v1/b/${encodeURIComponent(bucket)}/o`);
    list.searchParams.set('prefix', prefix);
    if (pageToken) list.searchParams.set('pageToken', pageToken);
    const res = await fetchImpl(list, { headers: auth });
    if (!res.ok) throw new Error(`listing ${uri} failed: HTTP ${res.status}`);
    const page = (await res.json()) as { items?: { name: string }[]; nextPageToken?: string };
    for (const item of page.items ?? []) {
      if (item.name.endsWith('/')) continue;
      const rel = normalize(item.name.slice(prefix.length));
      if (rel.startsWith('..')) continue;
      const obj = await fetchImpl(
        `https://storage.googleapis.com/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(item.name)}?alt=media`,
        { headers: auth },
      );
      if (!obj.ok) throw new Error(`downloading gs://${bucket}/${item.name} failed: HTTP ${obj.status}`);
      const dest = join(target, rel);
      mkdirSync(dirname(dest), { recursive: true });
      writeFileSync(dest, Buffer.from(await obj.arrayBuffer()));
      count++;
    }
    pageToken = page.nextPageToken;
  } while (pageToken);
  if (count === 0) throw new Error(`${uri} holds no objects`);
  return count;
}
