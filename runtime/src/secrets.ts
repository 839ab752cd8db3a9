/**
 * MODEL_SERVER_SECRET_REFS: variables whose values the server fetches itself, once, at start, from the
 * cloud's secret store with the platform's managed identity, before the rest of the configuration is read.
 * The values go into the process environment under those names only and are never logged; a failure stops
 * the start with a message naming the variable and the reference.
 *
 * Identities, as each platform hands them to a container:
 * - SageMaker: the execution role, through the AWS SDK's default credential chain (the container credentials
 *   endpoint when AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI is set, else the instance metadata service).
 * - Vertex AI: the endpoint's service account, as an access token from the metadata server
 *   (computeMetadata/v1/instance/service-accounts/default/token, header Metadata-Flavor: Google).
 * - Azure ML: the deployment's managed identity: IDENTITY_ENDPOINT + IDENTITY_HEADER (api-version 2019-08-01),
 *   else MSI_ENDPOINT + MSI_SECRET (api-version 2017-09-01), else the instance metadata service; with
 *   AZURE_CLIENT_ID, that user-assigned identity.
 */
import { parseSecretRefs, SECRET_REFS_VARIABLE, type SecretRef, type SecretRefs } from '../../lib/contract';

export class SecretResolutionError extends Error {}

export interface SecretResolverOptions {
  /** HTTP client for the Google and Azure calls. */
  readonly fetch?: typeof fetch;
  /** Longest wait for each call (token and secret), in milliseconds. */
  readonly timeoutMs?: number;
}

export const GCP_METADATA_TOKEN_URL = 'http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token';
export const GCP_SECRET_MANAGER_BASE = 'https://secretmanager.googleapis.com/v1';
export const AZURE_IMDS_TOKEN_URL = 'http://169.254.169.254/metadata/identity/oauth2/token';
export const KEY_VAULT_API_VERSION = '7.4';

const DEFAULT_TIMEOUT_MS = 10_000;

/** What a reference names, for messages: never the value. */
export function describeRef(ref: SecretRef): string {
  switch (ref.source) {
    case 'aws-secretsmanager':
      return `aws-secretsmanager ${ref.secretId}${ref.jsonField === undefined ? '' : ` (field ${ref.jsonField})`}`;
    case 'gcp-secretmanager':
      return `gcp-secretmanager ${ref.name}/versions/${ref.version}`;
    case 'azure-keyvault':
      return `azure-keyvault ${ref.secretId}`;
  }
}

/**
 * Fetches every referenced secret and returns name -> value; `{}` when MODEL_SERVER_SECRET_REFS is unset.
 * Throws SecretResolutionError listing every failure (variable and reference, never a value).
 */
export async function resolveSecretRefs(env: Readonly<Record<string, string | undefined>>, options: SecretResolverOptions = {}): Promise<Record<string, string>> {
  const raw = env[SECRET_REFS_VARIABLE];
  if (raw === undefined || raw === '') return {};
  const refs = parseSecretRefs(raw);
  if (refs === undefined) {
    throw new SecretResolutionError(`${SECRET_REFS_VARIABLE} is not a JSON object from server variable names (MODEL_SERVER_*) to {"source": "aws-secretsmanager" | "gcp-secretmanager" | "azure-keyvault", ...} references`);
  }
  const clash = Object.keys(refs).filter((name) => env[name] !== undefined);
  if (clash.length > 0) {
    throw new SecretResolutionError(`${SECRET_REFS_VARIABLE}: ${clash.join(', ')} ${clash.length === 1 ? 'is' : 'are'} also set directly; set each variable either directly or by reference, not both`);
  }
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const entries = Object.entries(refs);
  const results = await Promise.allSettled(entries.map(([, ref]) => fetchSecret(ref, env, fetchImpl, timeoutMs)));
  const values: Record<string, string> = {};
  const failures: string[] = [];
  results.forEach((r, i) => {
    const [name, ref] = entries[i]!;
    if (r.status === 'fulfilled') values[name] = r.value;
    else failures.push(`  ${name} from ${describeRef(ref)}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
  });
  if (failures.length > 0) {
    throw new SecretResolutionError(`${SECRET_REFS_VARIABLE}: cannot resolve ${failures.length === 1 ? 'a secret' : `${failures.length} secrets`}:\n${failures.join('\n')}`);
  }
  return values;
}

async function fetchSecret(ref: SecretRef, env: Readonly<Record<string, string | undefined>>, fetchImpl: typeof fetch, timeoutMs: number): Promise<string> {
  switch (ref.source) {
    case 'aws-secretsmanager':
      return awsSecret(ref, timeoutMs);
    case 'gcp-secretmanager':
      return gcpSecret(ref, fetchImpl, timeoutMs);
    case 'azure-keyvault':
      return azureSecret(ref, env, fetchImpl, timeoutMs);
  }
}

/** A call with a deadline; network errors and timeouts become one-line reasons. */
async function call(fetchImpl: typeof fetch, what: string, url: string, headers: Record<string, string>, timeoutMs: number): Promise<Response> {
  try {
    return await fetchImpl(url, { headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  } catch (error) {
    const e = error as Error;
    if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new Error(`${what} did not answer within ${timeoutMs} ms`);
    throw new Error(`${what} unreachable (${e.message})`);
  }
}

/** The error's own words from a Google or Azure error body ({"error": {"code", "message", "status"}}). */
async function errorReason(what: string, res: Response): Promise<string> {
  let detail = '';
  try {
    const body = (await res.json()) as { error?: { code?: unknown; message?: unknown; status?: unknown } | string; error_description?: unknown };
    if (typeof body.error === 'object' && body.error !== null) {
      const code = typeof body.error.status === 'string' ? body.error.status : typeof body.error.code === 'string' ? body.error.code : '';
      const message = typeof body.error.message === 'string' ? body.error.message : '';
      detail = [code, message].filter((s) => s !== '').join(': ');
    } else if (typeof body.error === 'string') {
      detail = [body.error, typeof body.error_description === 'string' ? body.error_description : ''].filter((s) => s !== '').join(': ');
    }
  } catch {
    // not JSON: the status alone
  }
  return `${what} answered HTTP ${res.status}${detail ? ` (${detail.slice(0, 300)})` : ''}`;
}

async function accessToken(fetchImpl: typeof fetch, what: string, url: string, headers: Record<string, string>, timeoutMs: number): Promise<string> {
  const res = await call(fetchImpl, what, url, headers, timeoutMs);
  if (!res.ok) throw new Error(await errorReason(what, res));
  const body = (await res.json().catch(() => ({}))) as { access_token?: unknown };
  if (typeof body.access_token !== 'string' || body.access_token === '') throw new Error(`${what} answered without an access_token`);
  return body.access_token;
}

async function gcpSecret(ref: Extract<SecretRef, { source: 'gcp-secretmanager' }>, fetchImpl: typeof fetch, timeoutMs: number): Promise<string> {
  const token = await accessToken(fetchImpl, 'the metadata server (service account token)', GCP_METADATA_TOKEN_URL, { 'Metadata-Flavor': 'Google' }, timeoutMs);
  const url = `${GCP_SECRET_MANAGER_BASE}/${ref.name}/versions/${ref.version}:access`;
  const res = await call(fetchImpl, 'Secret Manager', url, { Authorization: `Bearer ${token}` }, timeoutMs);
  if (!res.ok) throw new Error(await errorReason('Secret Manager', res));
  const body = (await res.json().catch(() => ({}))) as { payload?: { data?: unknown } };
  if (typeof body.payload?.data !== 'string') throw new Error('Secret Manager answered without payload.data');
  return Buffer.from(body.payload.data, 'base64').toString('utf8');
}

/** Key Vault's token audience for the vault's cloud (the host's suffix). */
function keyVaultResource(secretId: string): string {
  const host = new URL(secretId).hostname;
  return `https://${host.slice(host.indexOf('.') + 1)}`;
}

async function azureSecret(ref: Extract<SecretRef, { source: 'azure-keyvault' }>, env: Readonly<Record<string, string | undefined>>, fetchImpl: typeof fetch, timeoutMs: number): Promise<string> {
  const resource = keyVaultResource(ref.secretId);
  const clientId = env.AZURE_CLIENT_ID;
  let url: URL;
  let headers: Record<string, string>;
  let what: string;
  if (env.IDENTITY_ENDPOINT && env.IDENTITY_HEADER) {
    url = new URL(env.IDENTITY_ENDPOINT);
    url.searchParams.set('api-version', '2019-08-01');
    if (clientId) url.searchParams.set('client_id', clientId);
    headers = { 'X-IDENTITY-HEADER': env.IDENTITY_HEADER };
    what = 'the managed identity endpoint (IDENTITY_ENDPOINT)';
  } else if (env.MSI_ENDPOINT && env.MSI_SECRET) {
    url = new URL(env.MSI_ENDPOINT);
    url.searchParams.set('api-version', '2017-09-01');
    if (clientId) url.searchParams.set('clientid', clientId);
    headers = { Secret: env.MSI_SECRET };
    what = 'the managed identity endpoint (MSI_ENDPOINT)';
  } else {
    url = new URL(AZURE_IMDS_TOKEN_URL);
    url.searchParams.set('api-version', '2018-02-01');
    if (clientId) url.searchParams.set('client_id', clientId);
    headers = { Metadata: 'true' };
    what = 'the instance metadata service (managed identity token)';
  }
  url.searchParams.set('resource', resource);
  const token = await accessToken(fetchImpl, what, url.toString(), headers, timeoutMs);
  const res = await call(fetchImpl, 'Key Vault', `${ref.secretId}?api-version=${KEY_VAULT_API_VERSION}`, { Authorization: `Bearer ${token}` }, timeoutMs);
  if (!res.ok) throw new Error(await errorReason('Key Vault', res));
  const body = (await res.json().catch(() => ({}))) as { value?: unknown };
  if (typeof body.value !== 'string') throw new Error('Key Vault answered without a value');
  return body.value;
}

async function awsSecret(ref: Extract<SecretRef, { source: 'aws-secretsmanager' }>, timeoutMs: number): Promise<string> {
  // Loaded only when a reference needs it: the SDK is bundled but not evaluated otherwise.
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const region = ref.secretId.split(':')[3]!;
  const client = new SecretsManagerClient({ region, maxAttempts: 2, requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs } });
  let out: { SecretString?: string; SecretBinary?: Uint8Array };
  try {
    out = await client.send(new GetSecretValueCommand({ SecretId: ref.secretId }), { abortSignal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new Error(`Secrets Manager did not answer within ${timeoutMs} ms`);
    const status = e.$metadata?.httpStatusCode;
    throw new Error(`Secrets Manager GetSecretValue failed: ${e.name}${status ? ` (HTTP ${status})` : ''}: ${e.message.slice(0, 300)}`);
  } finally {
    client.destroy();
  }
  if (out.SecretString === undefined) throw new Error('the secret holds SecretBinary; store the value as a string (SecretString)');
  if (ref.jsonField === undefined) return out.SecretString;
  let parsed: unknown;
  try {
    parsed = JSON.parse(out.SecretString);
  } catch {
    throw new Error(`jsonField ${ref.jsonField} is set but the secret is not JSON`);
  }
  const field = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>)[ref.jsonField] : undefined;
  if (typeof field !== 'string') throw new Error(`the secret's JSON has no string field ${ref.jsonField}`);
  return field;
}

export type { SecretRefs };
