/**
 * MODEL_SERVER_SECRET_REFS against fakes that answer as the platforms' published examples do:
 * - AWS Secrets Manager GetSecretValue (JSON 1.1 protocol, `X-Amz-Target: secretsmanager.GetSecretValue`), response
 *   and error shapes from the API reference, https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
 *   ("Example 1: To retrieve the encrypted secret value of a secret", Errors: ResourceNotFoundException, AccessDeniedException
 *   in CommonErrors); credentials from the container credentials endpoint in the format of
 *   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html (AccessKeyId, SecretAccessKey, Token,
 *   Expiration), which the SDK's default chain reads through AWS_CONTAINER_CREDENTIALS_FULL_URI.
 * - Google: the metadata server's token answer (https://cloud.google.com/compute/docs/access/authenticate-workloads,
 *   "access_token", "expires_in", "token_type") and Secret Manager's AccessSecretVersionResponse
 *   (https://cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets.versions/access: name, payload.data
 *   base64, payload.dataCrc32c), errors as google.rpc.Status JSON ({"error": {"code", "message", "status"}}).
 * - Azure: the managed identity endpoint's token answer (https://learn.microsoft.com/azure/app-service/overview-managed-identity,
 *   "REST endpoint reference": IDENTITY_ENDPOINT, X-IDENTITY-HEADER, api-version 2019-08-01) and Key Vault's SecretBundle
 *   (https://learn.microsoft.com/rest/api/keyvault/secrets/get-secret/get-secret, api-version 7.4: value, id, attributes),
 *   errors as KeyVaultError ({"error": {"code", "message"}}).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SECRET_REFS_VARIABLE } from '../../lib/contract';
import { resolveOptions } from '../src/config';
import { resolveSecretRefs, SecretResolutionError } from '../src/secrets';
import { mlp, repository } from './models';

const ARN = 'arn:aws:secretsmanager:us-west-2:123456789012:secret:MyTestDatabaseSecret-a1b2c3';
const REDIS_URL = 'rediss://default:s3cr3t-EXAMPLE-PASSWORD@redis.example.internal:6380/0';

// ---------------------------------------------------------------------------------------------- AWS fake
interface AwsSeen { target?: string; body?: string; authorization?: string; credentialsCalls: number }
let aws: Server;
let awsUrl = '';
const awsSeen: AwsSeen = { credentialsCalls: 0 };
let awsAnswer: (body: { SecretId: string }) => { status: number; body: unknown; hang?: boolean } = () => ({ status: 500, body: {} });

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => resolve(text));
  });
}

beforeAll(async () => {
  aws = createServer(async (req, res) => {
    const body = await readBody(req);
    if (req.url === '/creds') {
      awsSeen.credentialsCalls++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ AccessKeyId: 'ASIAEXAMPLEFROMROLE', SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', Token: 'IQoJb3JpZ2luX2VjEXAMPLE', Expiration: new Date(Date.now() + 3_600_000).toISOString(), RoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution' }));
      return;
    }
    awsSeen.target = req.headers['x-amz-target'] as string;
    awsSeen.body = body;
    awsSeen.authorization = req.headers.authorization;
    const answer = awsAnswer(JSON.parse(body) as { SecretId: string });
    if (answer.hang) return; // never answers: the deadline must cut it
    res.statusCode = answer.status;
    res.setHeader('content-type', 'application/x-amz-json-1.1');
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((r) => aws.listen(0, '127.0.0.1', r));
  awsUrl = `http://127.0.0.1:${(aws.address() as AddressInfo).port}`;
});
afterAll(async () => {
  aws.closeAllConnections();
  await new Promise((r) => aws.close(r));
});

/** The SDK reads these from the process environment, as it does in the container. */
function awsEnvironment(): Record<string, string> {
  return {
    AWS_CONTAINER_CREDENTIALS_FULL_URI: `${awsUrl}/creds`,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: awsUrl,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent/config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
  };
}

async function withAwsEnv<T>(fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
  Object.assign(process.env, awsEnvironment());
  try {
    return await fn();
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

// The API reference's example answer, with our value.
const getSecretValueExample = (secretString: string) => ({
  ARN, CreatedDate: 1.523477145713e9, Name: 'MyTestDatabaseSecret', SecretString: secretString,
  VersionId: 'EXAMPLE1-90ab-cdef-fedc-ba987SECRET1', VersionStages: ['AWSCURRENT'],
});

const refs = (r: Record<string, unknown>) => ({ [SECRET_REFS_VARIABLE]: JSON.stringify(r) });

describe('AWS Secrets Manager with the execution role', () => {
  test('GetSecretValue is signed with the container credentials and the SecretString fills the variable', async () => {
    awsAnswer = () => ({ status: 200, body: getSecretValueExample(REDIS_URL) });
    awsSeen.credentialsCalls = 0;
    const values = await withAwsEnv(() => resolveSecretRefs(refs({ MODEL_SERVER_CACHE_REDIS_URL: { source: 'aws-secretsmanager', secretId: ARN } })));
    expect(values).toEqual({ MODEL_SERVER_CACHE_REDIS_URL: REDIS_URL });
    expect(awsSeen.target).toBe('secretsmanager.GetSecretValue');
    expect(JSON.parse(awsSeen.body!)).toEqual({ SecretId: ARN });
    // SigV4 with the role's key, in the secret's region, for the secretsmanager service.
    expect(awsSeen.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEFROMROLE\/\d{8}\/us-west-2\/secretsmanager\/aws4_request/);
    expect(awsSeen.credentialsCalls).toBe(1);
  });

  test('jsonField picks one key of a JSON secret', async () => {
    awsAnswer = () => ({ status: 200, body: getSecretValueExample(JSON.stringify({ username: 'david', url: REDIS_URL })) });
    const values = await withAwsEnv(() => resolveSecretRefs(refs({ MODEL_SERVER_CACHE_REDIS_URL: { source: 'aws-secretsmanager', secretId: ARN, jsonField: 'url' } })));
    expect(values.MODEL_SERVER_CACHE_REDIS_URL).toBe(REDIS_URL);
  });

  test('a missing jsonField stops the start without quoting the secret', async () => {
    awsAnswer = () => ({ status: 200, body: getSecretValueExample(JSON.stringify({ password: REDIS_URL })) });
    const error = await withAwsEnv(() => resolveSecretRefs(refs({ MODEL_SERVER_CACHE_REDIS_URL: { source: 'aws-secretsmanager', secretId: ARN, jsonField: 'url' } })).catch((e: unknown) => e));
    expect(error).toBeInstanceOf(SecretResolutionError);
    expect((error as Error).message).toMatch(/MODEL_SERVER_CACHE_REDIS_URL from aws-secretsmanager arn:aws:secretsmanager:us-west-2:123456789012:secret:MyTestDatabaseSecret-a1b2c3 \(field url\): the secret's JSON has no string field url/);
    expect((error as Error).message).not.toContain('s3cr3t');
  });

  test.each([
    ['ResourceNotFoundException', 'Secrets Manager can\'t find the specified secret.'],
    ['AccessDeniedException', 'User: arn:aws:sts::123456789012:assumed-role/SageMakerExecution/x is not authorized to perform: secretsmanager:GetSecretValue'],
  ])('%s stops the start, naming the variable, the reference and the error', async (type, message) => {
    awsAnswer = () => ({ status: 400, body: { __type: type, Message: message } });
    const error = await withAwsEnv(() => resolveSecretRefs(refs({ MODEL_SERVER_API_KEY_SHA256: { source: 'aws-secretsmanager', secretId: ARN } })).catch((e: unknown) => e));
    expect(error).toBeInstanceOf(SecretResolutionError);
    expect((error as Error).message).toContain(`MODEL_SERVER_SECRET_REFS: cannot resolve a secret:\n  MODEL_SERVER_API_KEY_SHA256 from aws-secretsmanager ${ARN}: Secrets Manager GetSecretValue failed: ${type} (HTTP 400)`);
  });

  test('a Secrets Manager that never answers is cut at the deadline', async () => {
    awsAnswer = () => ({ status: 0, body: {}, hang: true });
    const started = Date.now();
    const error = await withAwsEnv(() => resolveSecretRefs(refs({ MODEL_SERVER_CACHE_REDIS_URL: { source: 'aws-secretsmanager', secretId: ARN } }), { timeoutMs: 500 }).catch((e: unknown) => e));
    expect((error as Error).message).toMatch(/MODEL_SERVER_CACHE_REDIS_URL from aws-secretsmanager .*: Secrets Manager did not answer within 500 ms/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

// ---------------------------------------------------------------------------------------------- fetch fake
interface Seen { url: string; headers: Record<string, string> }
type Handler = (url: URL, headers: Record<string, string>) => { status: number; body: unknown } | 'hang';

function fakeFetch(handler: Handler, seen: Seen[]): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const headers = Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
    seen.push({ url: url.toString(), headers });
    const answer = handler(url, headers);
    if (answer === 'hang') {
      return new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)));
    }
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
}

const GCP_NAME = 'projects/acme-ml/secrets/redis-url';
const GCP_TOKEN = 'ya29.AHES6ZRN3-HlhAPya30GnW_bHSb_QtAS08i85nHq39HE3C2LTrCARA';

function gcp(secret: (url: URL) => { status: number; body: unknown } | 'hang', token: () => { status: number; body: unknown } | 'hang' = () => ({ status: 200, body: { access_token: GCP_TOKEN, expires_in: 3599, token_type: 'Bearer' } })): Handler {
  return (url) => (url.hostname === 'metadata.google.internal' ? token() : secret(url));
}

describe('Google Secret Manager with the endpoint\'s service account', () => {
  const ref = { MODEL_SERVER_CACHE_REDIS_URL: { source: 'gcp-secretmanager', name: GCP_NAME, version: '3' } };

  test('the metadata token is used on versions/N:access and payload.data is decoded', async () => {
    const seen: Seen[] = [];
    const values = await resolveSecretRefs(refs(ref), {
      fetch: fakeFetch(gcp(() => ({ status: 200, body: { name: 'projects/123456789/secrets/redis-url/versions/3', payload: { data: Buffer.from(REDIS_URL).toString('base64'), dataCrc32c: '2380359340' } } })), seen),
    });
    expect(values).toEqual({ MODEL_SERVER_CACHE_REDIS_URL: REDIS_URL });
    expect(seen).toEqual([
      { url: 'http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token', headers: { 'metadata-flavor': 'Google' } },
      { url: 'https://secretmanager.googleapis.com/v1/projects/acme-ml/secrets/redis-url/versions/3:access', headers: { authorization: `Bearer ${GCP_TOKEN}` } },
    ]);
  });

  test.each([
    [403, { error: { code: 403, message: `Permission 'secretmanager.versions.access' denied for resource '${GCP_NAME}/versions/3' (or it may not exist).`, status: 'PERMISSION_DENIED' } }, /Secret Manager answered HTTP 403 \(PERMISSION_DENIED: Permission 'secretmanager.versions.access' denied/],
    [404, { error: { code: 404, message: `Secret Version [${GCP_NAME}/versions/3] not found.`, status: 'NOT_FOUND' } }, /Secret Manager answered HTTP 404 \(NOT_FOUND: Secret Version/],
  ])('HTTP %d stops the start with Google\'s reason', async (status, body, reason) => {
    const error = await resolveSecretRefs(refs(ref), { fetch: fakeFetch(gcp(() => ({ status, body })), []) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretResolutionError);
    expect((error as Error).message).toContain(`MODEL_SERVER_CACHE_REDIS_URL from gcp-secretmanager ${GCP_NAME}/versions/3: `);
    expect((error as Error).message).toMatch(reason);
  });

  test('no metadata server (not on Google Cloud) stops the start', async () => {
    const error = await resolveSecretRefs(refs(ref), { fetch: fakeFetch(gcp(() => ({ status: 200, body: {} }), () => ({ status: 404, body: 'Not Found' })), []) }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/the metadata server \(service account token\) answered HTTP 404/);
  });

  test('a Secret Manager that never answers is cut at the deadline', async () => {
    const error = await resolveSecretRefs(refs(ref), { fetch: fakeFetch(gcp(() => 'hang'), []), timeoutMs: 200 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/Secret Manager did not answer within 200 ms/);
  });
});

const VAULT_SECRET = 'https://fraud-kv.vault.azure.net/secrets/redis-url';
const AZURE_TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.EXAMPLE.SIG';

function azure(secret: () => { status: number; body: unknown } | 'hang'): Handler {
  return (url) => (url.hostname === 'fraud-kv.vault.azure.net' ? secret() : { status: 200, body: { access_token: AZURE_TOKEN, expires_on: '1586984735', resource: 'https://vault.azure.net', token_type: 'Bearer' } });
}
const bundle = (value: string) => ({ value, id: `${VAULT_SECRET}/4387e9f3d6e14c459867679a90fd0f79`, attributes: { enabled: true, created: 1493938410, updated: 1493938410, recoveryLevel: 'Recoverable+Purgeable' } });

describe('Azure Key Vault with the deployment\'s managed identity', () => {
  const ref = { MODEL_SERVER_CACHE_REDIS_URL: { source: 'azure-keyvault', secretId: VAULT_SECRET } };

  test('IDENTITY_ENDPOINT + IDENTITY_HEADER (with a user-assigned AZURE_CLIENT_ID), then GET the secret with api-version 7.4', async () => {
    const seen: Seen[] = [];
    const values = await resolveSecretRefs({ ...refs(ref), IDENTITY_ENDPOINT: 'http://localhost:42356/msi/token', IDENTITY_HEADER: 'header-secret', AZURE_CLIENT_ID: '5e29463d-71da-4fe0-8e69-999b57db23b0' }, { fetch: fakeFetch(azure(() => ({ status: 200, body: bundle(REDIS_URL) })), seen) });
    expect(values).toEqual({ MODEL_SERVER_CACHE_REDIS_URL: REDIS_URL });
    expect(seen).toEqual([
      { url: 'http://localhost:42356/msi/token?api-version=2019-08-01&client_id=5e29463d-71da-4fe0-8e69-999b57db23b0&resource=https%3A%2F%2Fvault.azure.net', headers: { 'x-identity-header': 'header-secret' } },
      { url: `${VAULT_SECRET}?api-version=7.4`, headers: { authorization: `Bearer ${AZURE_TOKEN}` } },
    ]);
  });

  test('MSI_ENDPOINT + MSI_SECRET, else the instance metadata service', async () => {
    const seen: Seen[] = [];
    await resolveSecretRefs({ ...refs(ref), MSI_ENDPOINT: 'http://127.0.0.1:41299/msi/token/', MSI_SECRET: 'A23EF88FD0284B859B0B0B68FAC8BF9E' }, { fetch: fakeFetch(azure(() => ({ status: 200, body: bundle(REDIS_URL) })), seen) });
    expect(seen[0]).toEqual({ url: 'http://127.0.0.1:41299/msi/token/?api-version=2017-09-01&resource=https%3A%2F%2Fvault.azure.net', headers: { secret: 'A23EF88FD0284B859B0B0B68FAC8BF9E' } });
    seen.length = 0;
    await resolveSecretRefs(refs(ref), { fetch: fakeFetch(azure(() => ({ status: 200, body: bundle(REDIS_URL) })), seen) });
    expect(seen[0]).toEqual({ url: 'http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net', headers: { metadata: 'true' } });
  });

  test.each([
    [403, { error: { code: 'Forbidden', message: 'Caller is not authorized to perform action on resource.', innererror: { code: 'ForbiddenByRbac' } } }, /Key Vault answered HTTP 403 \(Forbidden: Caller is not authorized/],
    [404, { error: { code: 'SecretNotFound', message: 'A secret with (name/id) redis-url was not found in this service.' } }, /Key Vault answered HTTP 404 \(SecretNotFound: A secret with/],
  ])('HTTP %d stops the start with Key Vault\'s reason', async (status, body, reason) => {
    const error = await resolveSecretRefs(refs(ref), { fetch: fakeFetch(azure(() => ({ status, body })), []) }).catch((e: unknown) => e);
    expect((error as Error).message).toContain(`MODEL_SERVER_CACHE_REDIS_URL from azure-keyvault ${VAULT_SECRET}: `);
    expect((error as Error).message).toMatch(reason);
  });

  test('a Key Vault that never answers is cut at the deadline', async () => {
    const error = await resolveSecretRefs(refs(ref), { fetch: fakeFetch(azure(() => 'hang'), []), timeoutMs: 200 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/Key Vault did not answer within 200 ms/);
  });
});

describe('the variable itself', () => {
  test.each([
    ['not JSON', 'redis://x'],
    ['a name that is not a server variable', JSON.stringify({ PATH: { source: 'azure-keyvault', secretId: VAULT_SECRET } })],
    ['itself', JSON.stringify({ MODEL_SERVER_SECRET_REFS: { source: 'azure-keyvault', secretId: VAULT_SECRET } })],
    ['an unknown source', JSON.stringify({ MODEL_SERVER_CACHE_REDIS_URL: { source: 'vault', path: 'x' } })],
    ['a short GCP name', JSON.stringify({ MODEL_SERVER_CACHE_REDIS_URL: { source: 'gcp-secretmanager', name: 'redis-url', version: '1' } })],
  ])('%s is refused before anything is fetched', async (_, raw) => {
    const seen: Seen[] = [];
    const error = await resolveSecretRefs({ [SECRET_REFS_VARIABLE]: raw }, { fetch: fakeFetch(() => ({ status: 200, body: {} }), seen) }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^MODEL_SERVER_SECRET_REFS is not a JSON object from server variable names/);
    expect(seen).toEqual([]);
  });

  test('a variable set both directly and by reference is refused', async () => {
    const error = await resolveSecretRefs({ ...refs({ MODEL_SERVER_CACHE_REDIS_URL: { source: 'azure-keyvault', secretId: VAULT_SECRET } }), MODEL_SERVER_CACHE_REDIS_URL: 'redis://plain:6379' }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('MODEL_SERVER_SECRET_REFS: MODEL_SERVER_CACHE_REDIS_URL is also set directly; set each variable either directly or by reference, not both');
  });

  test('a resolved value the server cannot use is reported without its value', () => {
    const env = { MODEL_SERVER_CACHE_REDIS_URL: 'http://user:s3cr3t@host', MODEL_SERVER_CACHE_MODELS: 'fraud' };
    expect(() => resolveOptions(['--model-repository', '/tmp'], env, () => true, new Set(['MODEL_SERVER_CACHE_REDIS_URL'])))
      .toThrow(/MODEL_SERVER_CACHE_REDIS_URL=\(the value of its secret reference, not shown\) is not a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => resolveOptions(['--model-repository', '/tmp'], env, () => true, new Set(['MODEL_SERVER_CACHE_REDIS_URL']))).not.toThrow(/s3cr3t/);
  });
});

// ---------------------------------------------------------------------------------------------- the built server
const MAIN = join(__dirname, '..', 'dist', 'main.js');

function run(env: Record<string, string>, port: number): { output: () => string; exited: Promise<number | null>; kill: () => void } {
  const dir = repository({ 'fraud/1': mlp() });
  const child = spawn(process.execPath, [MAIN, 'serve', '--model-repository', dir, '--port', String(port)], { env: { PATH: process.env.PATH ?? '', MODEL_SERVER_GRPC_PORT: '0', ...awsEnvironment(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { output: () => out, exited: new Promise((r) => child.on('exit', (code) => r(code))), kill: () => child.kill('SIGKILL') };
}

describe('node dist/main.js with MODEL_SERVER_SECRET_REFS', () => {
  const port = 19600 + Math.floor(Math.random() * 300);

  test('API-key digests from Secrets Manager: the key works, no key is refused, and the digests are never logged', async () => {
    const key = 'fraud-api-key-EXAMPLE-0123456789';
    const digest = createHash('sha256').update(key).digest('hex');
    awsAnswer = () => ({ status: 200, body: getSecretValueExample(JSON.stringify({ digests: digest })) });
    const server = run({ ...refs({ MODEL_SERVER_API_KEY_SHA256: { source: 'aws-secretsmanager', secretId: ARN, jsonField: 'digests' } }) }, port);
    try {
      let ready = false;
      for (let i = 0; i < 200 && !ready; i++) {
        ready = await fetch(`http://127.0.0.1:${port}/v2/health/ready`).then((r) => r.status === 200, () => false);
        if (!ready) await new Promise((r) => setTimeout(r, 50));
      }
      expect(ready).toBe(true);
      const body = JSON.stringify({ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [0.1, 0.2, 0.3, 0.4] }] });
      const without = await fetch(`http://127.0.0.1:${port}/v2/models/fraud/infer`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      expect(without.status).toBe(401);
      const withKey = await fetch(`http://127.0.0.1:${port}/v2/models/fraud/infer`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-api-key': key } });
      expect(withKey.status).not.toBe(401);
      expect(server.output()).toContain('variables resolved from secret references');
      expect(server.output()).not.toContain(digest);
    } finally {
      server.kill();
      await server.exited;
    }
  });

  test('a refused secret stops the start with exit 2 and the reason, and nothing else is started', async () => {
    awsAnswer = () => ({ status: 400, body: { __type: 'AccessDeniedException', Message: 'not authorized to perform: secretsmanager:GetSecretValue' } });
    const server = run(refs({ MODEL_SERVER_CACHE_REDIS_URL: { source: 'aws-secretsmanager', secretId: ARN } }), port + 1);
    expect(await server.exited).toBe(2);
    // (On Node 20 the SDK first warns that it will need Node 22, as the images run; the line after it is ours.)
    const out = server.output();
    expect(out.slice(out.indexOf('model-server:'))).toBe(`model-server: MODEL_SERVER_SECRET_REFS: cannot resolve a secret:\n  MODEL_SERVER_CACHE_REDIS_URL from aws-secretsmanager ${ARN}: Secrets Manager GetSecretValue failed: AccessDeniedException (HTTP 400): not authorized to perform: secretsmanager:GetSecretValue\n`);
  });

  test('a resolved Redis URL the server cannot use is refused without printing it', async () => {
    awsAnswer = () => ({ status: 200, body: getSecretValueExample('http://default:s3cr3t@redis:6379') });
    const server = run({ ...refs({ MODEL_SERVER_CACHE_REDIS_URL: { source: 'aws-secretsmanager', secretId: ARN } }), MODEL_SERVER_CACHE_MODELS: 'fraud' }, port + 2);
    expect(await server.exited).toBe(2);
    expect(server.output()).toContain('MODEL_SERVER_CACHE_REDIS_URL=(the value of its secret reference, not shown) is not a redis:// or rediss:// URL');
    expect(server.output()).not.toContain('s3cr3t');
  });
});

