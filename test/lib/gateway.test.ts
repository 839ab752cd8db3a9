// The shared gateway spec (lib/gateway.ts): defaults, every problem, and refusals by the gateway's capabilities.
import { BackendCapabilities, Duration, GatewayCapabilities, GatewayRouteInput, ModelGatewaySpec, Size, SpecResolver, SpecValidationError } from '../../lib';
import { TEST_CAPABILITIES } from '../support/test-capabilities';

const FULL: GatewayCapabilities = {
  product: 'TestGateway',
  jwtAlgorithms: ['RS256', 'ES256', 'EdDSA'],
  jwtModelsClaim: true,
  perKeyRateLimit: true,
  bodyKeyedCache: true,
  maxRequestBodyBytes: 10 * 1024 * 1024,
};
const caps = (gateway?: Partial<GatewayCapabilities>): BackendCapabilities => ({ ...TEST_CAPABILITIES, gateway: gateway === undefined ? FULL : { ...FULL, ...gateway } });
const jwt = { issuer: 'https://login.example.com/', audiences: ['https://api.example.com'], jwksUri: 'https://login.example.com/.well-known/jwks.json' };
const routes: GatewayRouteInput[] = [{ model: 'cnn' }, { model: 'fraud', cache: true }, { model: 'sentiment' }];
const spec: ModelGatewaySpec = { jwt, apiKeys: {}, cache: {} };

function problems(s: ModelGatewaySpec, r = routes, c = caps()): string[] {
  return SpecResolver.gateway(s, r, c).problems.map((p) => `${p.field}: got ${p.given}; allowed: ${p.allowed}. Fix: ${p.fix}`);
}

describe('defaults: the seeds\' platform shape', () => {
  test('routes under /api/v1/<model>, 100 requests/min per x-api-key, RS256+ES256, 5 min cache on the opted-in route', () => {
    const g = SpecResolver.gateway(spec, routes, caps()).throwIfInvalid('ModelGateway test');
    expect(g.routes).toEqual([
      { model: 'cnn', path: '/api/v1/cnn', cache: false },
      { model: 'fraud', path: '/api/v1/fraud', cache: true },
      { model: 'sentiment', path: '/api/v1/sentiment', cache: false },
    ]);
    expect(g.apiKeys).toEqual({ header: 'x-api-key', requestsPerMinute: 100 });
    expect(g.jwt?.algorithms).toEqual(['RS256', 'ES256']);
    expect(g.cacheTtl?.toSeconds()).toBe(300);
    expect(g.maxRequestBodyBytes).toBe(10 * 1024 * 1024);
    expect(g.accessLogs).toBe(true);
  });
  test('no platform limit: 6 MiB', () => {
    const g = SpecResolver.gateway({ jwt }, [{ model: 'cnn' }], caps({ maxRequestBodyBytes: undefined })).throwIfInvalid('x');
    expect(g.maxRequestBodyBytes).toBe(6 * 1024 * 1024);
    expect(g.cacheTtl).toBeUndefined();
    // A route that opts in without a gateway-level cache gets the default lifetime.
    expect(SpecResolver.gateway({ jwt }, routes, caps()).throwIfInvalid('x').cacheTtl?.toSeconds()).toBe(300);
  });
});

describe('problems, all at once', () => {
  test('authentication is on by default: neither jwt nor apiKeys is refused', () => {
    expect(problems({}, [{ model: 'cnn' }])).toEqual([expect.stringMatching(/^jwt: got neither jwt nor apiKeys; .*Fix: set jwt .*allowUnauthenticated: true/)]);
    expect(problems({ allowUnauthenticated: true }, [{ model: 'cnn' }])).toEqual([]);
    expect(problems({ allowUnauthenticated: true, jwt }, [{ model: 'cnn' }])).toEqual([expect.stringMatching(/^allowUnauthenticated: got true together with jwt/)]);
  });
  test('bad JWT settings, each named', () => {
    const p = problems({ jwt: { issuer: 'http://login.example.com/', audiences: [], jwksUri: 'https://user:pw@x.example.com/jwks', algorithms: ['HS256', 'none'] as never, modelsClaim: '9 bad' } });
    expect(p).toEqual([
      expect.stringMatching(/^jwt\.issuer: got "http:\/\/login\.example\.com\/"; allowed: an https URL/),
      expect.stringMatching(/^jwt\.jwksUri: got "https:\/\/user:pw@x\.example\.com\/jwks"; allowed: an https URL without credentials/),
      expect.stringMatching(/^jwt\.audiences: got \[\]; allowed: one or more non-empty/),
      expect.stringMatching(/^jwt\.algorithms: got \["HS256", "none"\]; allowed: one or more of RS256.*"none" and HMAC algorithms are never accepted/),
      expect.stringMatching(/^jwt\.modelsClaim: got "9 bad"/),
    ]);
  });
  test('routes: none, bad path, duplicates and nested prefixes', () => {
    expect(problems(spec, [])).toEqual([expect.stringMatching(/^routes: got \[\]; allowed: at least one route/)]);
    expect(problems({ jwt }, [{ model: 'a', path: '/API/a/' }, { model: 'b', path: '/x/b' }, { model: 'c', path: '/x/b' }, { model: 'd', path: '/x/b/d' }])).toEqual([
      expect.stringMatching(/^routes\[0\]\.path: got "\/API\/a\/"; allowed: a path starting with "\/"/),
      expect.stringMatching(/^routes\[2\]\.path: got "\/x\/b" \(also routes\[1\], model b\); allowed: one route per path/),
      expect.stringMatching(/^routes\[3\]\.path: got "\/x\/b\/d" \(under routes\[1\]: "\/x\/b"\); allowed: paths that are not prefixes/),
      expect.stringMatching(/^routes\[3\]\.path: got "\/x\/b\/d" \(under routes\[2\]: "\/x\/b"\)/),
    ]);
    // "/api/v1/cnn" and "/api/v1/cnn2" are siblings, not prefixes on a segment boundary.
    expect(problems({ jwt }, [{ model: 'cnn' }, { model: 'cnn2' }])).toEqual([]);
  });
  test('API key header, limit, cache ttl, body size and base path', () => {
    expect(problems({ basePath: 'api', apiKeys: { header: 'Authorization', requestsPerMinute: 0.5 }, cache: { ttl: Duration.hours(2) }, maxRequestBodySize: Size.mebibytes(20) })).toEqual([
      expect.stringMatching(/^basePath: got "api"/),
      expect.stringMatching(/^apiKeys\.header: got "Authorization"; allowed: a lower-case HTTP header name/),
      expect.stringMatching(/^apiKeys\.requestsPerMinute: got 0\.5; allowed: a whole number/),
      expect.stringMatching(/^cache\.ttl: got 2h; allowed: whole seconds from 1s to 1h/),
      expect.stringMatching(/^maxRequestBodySize: got 20971520 bytes; allowed: on TestCloud: at most 10485760 bytes \(TestGateway's limit\)/),
    ]);
  });
  test('guardrails are validated like an endpoint\'s', () => {
    expect(problems({ jwt, guardrails: { maxErrorRatePercent: 0 } })).toEqual([expect.stringMatching(/^guardrails\.maxErrorRatePercent: got 0/)]);
  });
  test('one SpecValidationError listing every problem', () => {
    const r = SpecResolver.gateway({ apiKeys: { requestsPerMinute: -1 } }, [], caps());
    expect(() => r.throwIfInvalid('ModelGateway Stack/Gw')).toThrow(SpecValidationError);
    expect(() => r.throwIfInvalid('ModelGateway Stack/Gw')).toThrow(/ModelGateway Stack\/Gw has 2 invalid settings:\n  1\. routes: .*\n  2\. apiKeys\.requestsPerMinute: got -1/);
  });
});

describe('jwt.algorithms left out: the default never names an algorithm the platform refuses', () => {
  const resolved = (gatewayAlgorithms: GatewayCapabilities['jwtAlgorithms'], algorithms?: ModelGatewaySpec['jwt']) =>
    SpecResolver.gateway({ jwt: algorithms ?? jwt }, routes, caps({ jwtAlgorithms: gatewayAlgorithms }));
  test('the shared default (RS256, ES256) narrowed to what the gateway verifies', () => {
    expect(resolved(['RS256', 'ES256', 'EdDSA']).throwIfInvalid('test').jwt?.algorithms).toEqual(['RS256', 'ES256']);
    // Azure API Management's list (constructs/azure/capabilities.ts, from its validate-jwt policy reference).
    expect(resolved(['RS256', 'RS512', 'PS256']).throwIfInvalid('test').jwt?.algorithms).toEqual(['RS256']);
  });
  test('nothing in common: the gateway\'s own list, not a refusal', () => {
    const r = resolved(['PS256', 'RS512']);
    expect(r.problems).toEqual([]);
    expect(r.throwIfInvalid('test').jwt?.algorithms).toEqual(['PS256', 'RS512']);
  });
  test('set explicitly, an algorithm the gateway cannot verify is still refused', () => {
    expect(problems({ jwt: { ...jwt, algorithms: ['ES256'] } }, routes, caps({ jwtAlgorithms: ['RS256', 'RS512', 'PS256'] }))).toEqual([
      expect.stringMatching(/^jwt\.algorithms: got \["ES256"\]; allowed: on TestCloud: TestGateway validates RS256, RS512, PS256/),
    ]);
  });
});

describe('refusals name the backend and the gateway product', () => {
  test('a backend without a gateway', () => {
    const r = SpecResolver.gateway(spec, routes, TEST_CAPABILITIES);
    expect(r.refusals.map((p) => p.field)).toEqual(['ModelGateway']);
    expect(r.refusals[0].allowed).toMatch(/^on TestCloud: no managed gateway/);
  });
  test('no JWT, no per-key limit, no body cache, no claims, limited algorithms and ranges', () => {
    const none = caps({ jwtAlgorithms: [], perKeyRateLimit: false, bodyKeyedCache: false, jwtModelsClaim: false });
    expect(problems({ ...spec, jwt: { ...jwt, modelsClaim: 'models' } }, routes, none)).toEqual([
      expect.stringMatching(/^jwt: got JWT validation; allowed: on TestCloud: no JWT validation in TestGateway\. Fix: use apiKeys, or validate tokens in the model server/),
      expect.stringMatching(/^jwt\.modelsClaim: got "models"; allowed: on TestCloud: no per-route claim checks/),
      expect.stringMatching(/^apiKeys\.requestsPerMinute: got 100\/min; allowed: on TestCloud: no per-key rate limit/),
      expect.stringMatching(/^cache: got a cache \(5min\); allowed: on TestCloud: no cache keyed on the request body.*server\.cache with Redis/),
    ]);
    expect(problems({ jwt: { ...jwt, algorithms: ['EdDSA', 'PS256'] } }, routes, caps({ jwtAlgorithms: ['RS256'] }))).toEqual([
      expect.stringMatching(/^jwt\.algorithms: got \["EdDSA", "PS256"\]; allowed: on TestCloud: TestGateway validates RS256/),
    ]);
    expect(problems({ apiKeys: { requestsPerMinute: 5 } }, routes, caps({ rateLimitRange: { min: 10, max: 1000 } }))).toEqual([
      expect.stringMatching(/^apiKeys\.requestsPerMinute: got 5\/min; allowed: on TestCloud: 10 to 1000 requests per minute per key/),
    ]);
    expect(problems({ jwt }, [{ model: 'a' }, { model: 'b' }], caps({ maxRoutes: 1 }))).toEqual([expect.stringMatching(/^routes: got 2 routes; allowed: on TestCloud: at most 1 routes/)]);
  });
});
