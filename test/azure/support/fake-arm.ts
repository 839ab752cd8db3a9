import { ArmClient, Fetch, HttpResponse } from '../../../constructs/azure/function-runtime/arm';

export interface Call {
  readonly method: string;
  /** Path without host and api-version. */
  readonly path: string;
  readonly apiVersion?: string;
  readonly body?: any;
}

export type Reply = { status: number; body?: unknown; headers?: Record<string, string | undefined> };
export type Handler = (call: Call) => Reply | undefined;

const IDENTITY = 'http://127.0.0.1:41741/msi/token';

/**
 * Azure at the HTTP boundary: the managed identity endpoint and ARM. Handlers answer in order; the first that
 * returns a reply wins; an unmatched call is a 599 so a test sees it. Every ARM call is recorded.
 */
export function fakeArm(...handlers: Handler[]): { arm: ArmClient; calls: Call[]; writes: () => Call[] } {
  const calls: Call[] = [];
  const fetch: Fetch = async (url, init) => {
    if (url.startsWith(IDENTITY)) {
      expect(init.headers['X-IDENTITY-HEADER']).toBe('secret-header');
      return reply({ status: 200, body: { access_token: 'token-1', expires_on: String(Math.floor(Date.now() / 1000) + 3600) } });
    }
    expect(init.headers.Authorization).toBe('Bearer token-1');
    const u = new URL(url);
    const call: Call = { method: init.method, path: u.pathname, apiVersion: u.searchParams.get('api-version') ?? undefined, body: init.body ? JSON.parse(init.body) : undefined };
    calls.push(call);
    for (const h of handlers) {
      const r = h(call);
      if (r) return reply(r);
    }
    return reply({ status: 599, body: { error: { code: 'Unmatched', message: `${call.method} ${call.path}` } } });
  };
  const arm = new ArmClient({ fetch, env: { IDENTITY_ENDPOINT: IDENTITY, IDENTITY_HEADER: 'secret-header' }, sleep: async () => undefined, attempts: 3 });
  return { arm, calls, writes: () => calls.filter((c) => c.method !== 'GET') };
}

function reply(r: Reply): HttpResponse {
  const headers = Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    status: r.status,
    headers: { get: (name: string) => headers[name.toLowerCase()] ?? null },
    text: async () => (r.body === undefined ? '' : JSON.stringify(r.body)),
  };
}
