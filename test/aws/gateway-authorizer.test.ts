// The ModelGateway JWT authorizer (constructs/aws/gateway-authorizer) against real signed tokens: keys made
// and tokens signed with jose, then the handler's verdict. API Gateway's side of the contract, from "Use API
// Gateway Lambda authorizers" and "Output from an API Gateway Lambda authorizer"
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html):
// a TOKEN authorizer receives { type: 'TOKEN', authorizationToken, methodArn }; it answers with principalId
// and an IAM policy (execute-api:Invoke on method ARNs), or throws an error whose message is exactly
// "Unauthorized" for a 401 (any other error is a 500).
import { join } from 'node:path';
import { SignJWT, UnsecuredJWT, createLocalJWKSet, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { createAuthorizer, stagePostArn } from '../../constructs/aws/gateway-authorizer/handler';
import { AUTHORIZER_ENV } from '../../constructs/aws/gateway-authorizer/environment';
import { renderEnvironment } from '../../lib/backend';

const ISSUER = 'https://login.example.com/';
const AUDIENCE = 'https://models.example.com';
const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/POST/api/v1/fraud/infer';
const ROUTES = [{ model: 'cnn', path: '/api/v1/cnn' }, { model: 'fraud', path: '/api/v1/fraud' }, { model: 'sentiment', path: '/api/v1/sentiment' }];
const config = { issuer: ISSUER, audiences: [AUDIENCE, 'other-aud'], jwksUri: 'https://login.example.com/.well-known/jwks.json', algorithms: ['RS256', 'ES256'] as const, modelsClaim: null, routes: ROUTES };

type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let rsa: Key;
let ec: Key;
let attacker: Key;
let authorize: ReturnType<typeof createAuthorizer>;
let byModel: ReturnType<typeof createAuthorizer>;

beforeAll(async () => {
  const r = await generateKeyPair('RS256');
  const e = await generateKeyPair('ES256');
  rsa = r.privateKey;
  ec = e.privateKey;
  attacker = (await generateKeyPair('RS256')).privateKey;
  const keys: JWK[] = [{ ...(await exportJWK(r.publicKey)), kid: 'rsa-1', alg: 'RS256' }, { ...(await exportJWK(e.publicKey)), kid: 'ec-1', alg: 'ES256' }];
  authorize = createAuthorizer({ ...config, audiences: [...config.audiences], algorithms: [...config.algorithms] }, createLocalJWKSet({ keys }));
  byModel = createAuthorizer({ ...config, audiences: [...config.audiences], algorithms: [...config.algorithms], modelsClaim: 'models' }, createLocalJWKSet({ keys }));
});

const now = () => Math.floor(Date.now() / 1000);
function token(key: Key, opts: { alg?: string; kid?: string; iss?: string; aud?: string; exp?: number | null; sub?: string; claims?: Record<string, unknown> } = {}): Promise<string> {
  const jwt = new SignJWT({ scope: 'infer', ...opts.claims }).setProtectedHeader({ alg: opts.alg ?? 'RS256', kid: opts.kid ?? 'rsa-1' }).setIssuer(opts.iss ?? ISSUER).setAudience(opts.aud ?? AUDIENCE).setSubject(opts.sub ?? 'client-42').setIssuedAt();
  if (opts.exp !== null) jwt.setExpirationTime(opts.exp ?? now() + 300);
  return jwt.sign(key);
}
const event = (authorizationToken: string): APIGatewayTokenAuthorizerEvent => ({ type: 'TOKEN', authorizationToken, methodArn: METHOD_ARN });

describe('valid tokens get an Allow policy for POST on every route of the stage', () => {
  test('RS256 from the JWKS: principalId = sub, execute-api:Invoke on <api>/<stage>/POST/*', async () => {
    const result = await authorize(event(`Bearer ${await token(rsa)}`));
    expect(result).toEqual({
      principalId: 'client-42',
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/POST/*' }] },
    });
  });
  test('ES256, and the second accepted audience', async () => {
    const result = await authorize(event(`Bearer ${await token(ec, { alg: 'ES256', kid: 'ec-1', aud: 'other-aud' })}`));
    expect(result.policyDocument.Statement[0]).toEqual(expect.objectContaining({ Effect: 'Allow' }));
  });
  test('the policy covers the stage only, whatever route was called', () => {
    expect(stagePostArn('arn:aws:execute-api:us-east-1:111122223333:api9/v1/POST/x/y/infer')).toBe('arn:aws:execute-api:us-east-1:111122223333:api9/v1/POST/*');
    expect(() => stagePostArn('garbage')).toThrow(/^Unauthorized$/);
  });
});

describe('jwt.modelsClaim: the policy names only the routes of the models the token lists (403 elsewhere, cached or not)', () => {
  const STAGE = 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod';
  beforeEach(() => jest.spyOn(console, 'log').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  test('a space-separated claim: Allow on those routes only', async () => {
    const result = await byModel(event(`Bearer ${await token(rsa, { claims: { models: 'cnn fraud' } })}`));
    expect(result.policyDocument.Statement).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [`${STAGE}/POST/api/v1/cnn/infer`, `${STAGE}/POST/api/v1/fraud/infer`] }]);
  });
  test('an array claim', async () => {
    const result = await byModel(event(`Bearer ${await token(rsa, { claims: { models: ['sentiment'] } })}`));
    expect(result.policyDocument.Statement).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${STAGE}/POST/api/v1/sentiment/infer` }]);
  });
  test.each([
    ['no models claim', {}],
    ['a claim naming no model of this gateway', { models: 'other' }],
    ['a claim of the wrong type', { models: 42 }],
  ])('%s: Deny on the whole stage (403)', async (_label, claims) => {
    const result = await byModel(event(`Bearer ${await token(rsa, { claims })}`));
    expect(result.policyDocument.Statement).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: `${STAGE}/POST/*` }]);
  });
  test('an invalid token is still 401, whatever it claims', async () => {
    await expect(byModel(event(`Bearer ${await token(attacker, { claims: { models: 'cnn' } })}`))).rejects.toThrow(/^Unauthorized$/);
  });
});

describe('everything else is 401 ("Unauthorized"), and the token never reaches the logs', () => {
  let logs: string[];
  beforeEach(() => {
    logs = [];
    jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logs.push(args.map(String).join(' ')));
  });
  afterEach(() => jest.restoreAllMocks());

  const cases: [string, () => Promise<string>][] = [
    ['forged: signed by another key under the issuer\'s kid', () => token(attacker)],
    ['expired', () => token(rsa, { exp: now() - 120 })],
    ['no exp claim', () => token(rsa, { exp: null })],
    ['wrong audience', () => token(rsa, { aud: 'https://someone-else.example.com' })],
    ['wrong issuer', () => token(rsa, { iss: 'https://evil.example.com/' })],
    ['alg none (unsigned)', async () => new UnsecuredJWT({ sub: 'client-42' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime(now() + 300).encode()],
    ['HS256 (an HMAC key is never accepted)', () => new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime(now() + 300).sign(new TextEncoder().encode('a-shared-secret-of-32-bytes-long!'))],
  ];
  test.each(cases)('%s', async (_label, make) => {
    const jwt = await make();
    await expect(authorize(event(`Bearer ${jwt}`))).rejects.toThrow(/^Unauthorized$/);
    expect(logs.join('\n')).not.toContain(jwt.split('.')[1]);
    expect(logs.map((l) => JSON.parse(l) as { decision: string })).toEqual([expect.objectContaining({ decision: 'deny' })]);
  });

  test('an algorithm the gateway does not accept (ES256 where only RS256 is configured)', async () => {
    const rsOnly = createAuthorizer({ ...config, audiences: [AUDIENCE], algorithms: ['RS256'] }, createLocalJWKSet({ keys: [] }));
    await expect(rsOnly(event(`Bearer ${await token(ec, { alg: 'ES256', kid: 'ec-1' })}`))).rejects.toThrow(/^Unauthorized$/);
  });

  test('no bearer scheme, or not a JWT', async () => {
    const jwt = await token(rsa);
    await expect(authorize(event(jwt))).rejects.toThrow(/^Unauthorized$/);
    await expect(authorize(event('Basic dXNlcjpwdw=='))).rejects.toThrow(/^Unauthorized$/);
  });
});

describe('the bundled function (dist/handlers/aws/gateway-authorizer, what Lambda runs)', () => {
  const bundle = join(__dirname, '..', '..', 'dist', 'handlers', 'aws', 'gateway-authorizer', 'index.js');
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    jest.resetModules();
  });

  test('refuses a bad environment by variable name', async () => {
    process.env = { ...saved, ...renderEnvironment(AUTHORIZER_ENV, { ...config, audiences: [AUDIENCE], algorithms: ['RS256'] }), JWT_JWKS_URI: 'http://plain.example.com/jwks' };
    const { handler } = require(bundle) as { handler: (e: APIGatewayTokenAuthorizerEvent) => Promise<unknown> };
    await expect(handler(event('Bearer a.b.c'))).rejects.toThrow(/JWT_JWKS_URI: got "http:\/\/plain\.example\.com\/jwks"; allowed: an https URL/);
  });

  test('fails closed when the JWKS cannot be fetched: a well-signed token is still 401', async () => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    process.env = { ...saved, ...renderEnvironment(AUTHORIZER_ENV, { ...config, audiences: [AUDIENCE], algorithms: ['RS256'], jwksUri: 'https://127.0.0.1:9/jwks.json' }) };
    const { handler } = require(bundle) as { handler: (e: APIGatewayTokenAuthorizerEvent) => Promise<unknown> };
    await expect(handler(event(`Bearer ${await token(rsa)}`))).rejects.toThrow(/^Unauthorized$/);
    jest.restoreAllMocks();
  });
});
