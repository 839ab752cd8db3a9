/**
 * A small Azure Resource Manager client for the Functions the constructs deploy: a managed-identity token,
 * retries on throttling and transient failures, and long-running operation polling. HTTP goes through an
 * injected `fetch`, so tests mock the boundary and nothing else. Bundled into each handler.
 */

export const ARM_ENDPOINT = 'https://management.azure.com';
export const ML_API_VERSION = '2025-06-01';
export const AUTOSCALE_API_VERSION = '2022-10-01';
/** Microsoft.Consumption budgets (azure-rest-api-specs specification/consumption/.../stable/2024-08-01). */
export const CONSUMPTION_API_VERSION = '2024-08-01';
/** Microsoft.AlertsManagement alerts (azure-rest-api-specs specification/alertsmanagement/.../stable/2018-05-05). */
export const ALERTS_API_VERSION = '2018-05-05';

export interface HttpResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}
export type Fetch = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<HttpResponse>;

export class ArmError extends Error {
  constructor(public readonly status: number, public readonly code: string, message: string, public readonly url: string) {
    super(`${status} ${code}: ${message} (${url.replace(/[?&]code=[^&]*/, '')})`);
    this.name = 'ArmError';
  }
}

export interface ArmClientOptions {
  readonly fetch?: Fetch;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Waits between retries and polls; tests pass a no-op. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Attempts per request on 408, 409, 429, 5xx and network errors. @default 4 */
  readonly attempts?: number;
}

/** 409: ARM's "another operation is in progress on this resource" (e.g. an endpoint still updating); it clears. */
const RETRYABLE = new Set([408, 409, 429, 500, 502, 503, 504]);

export class ArmClient {
  private readonly fetchFn: Fetch;
  private readonly env: Readonly<Record<string, string | undefined>>;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly attempts: number;
  private cachedToken?: { value: string; expiresAt: number };

  constructor(options: ArmClientOptions = {}) {
    this.fetchFn = options.fetch ?? (globalThis.fetch as unknown as Fetch);
    this.env = options.env ?? process.env;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.attempts = options.attempts ?? 4;
  }

  /** A token for ARM from the Function's managed identity (App Service's IDENTITY_ENDPOINT protocol). */
  public async token(): Promise<string> {
    if (this.cachedToken && this.cachedToken.expiresAt - 300_000 > Date.now()) return this.cachedToken.value;
    const endpoint = this.env.IDENTITY_ENDPOINT;
    const header = this.env.IDENTITY_HEADER;
    if (!endpoint || !header) throw new Error('IDENTITY_ENDPOINT and IDENTITY_HEADER are not set: the Function app needs its system-assigned identity');
    const url = `${endpoint}?resource=${encodeURIComponent(`${ARM_ENDPOINT}/`)}&api-version=2019-08-01`;
    const res = await this.send(url, { method: 'GET', headers: { 'X-IDENTITY-HEADER': header } });
    const body = JSON.parse(await res.text()) as { access_token?: string; expires_on?: string | number };
    if (!body.access_token) throw new Error('the managed identity endpoint returned no access_token');
    this.cachedToken = { value: body.access_token, expiresAt: Number(body.expires_on ?? 0) * 1000 };
    return body.access_token;
  }

  public async get<T>(id: string, apiVersion = ML_API_VERSION): Promise<T | undefined> {
    const res = await this.call('GET', id, apiVersion, undefined, true);
    return res === undefined ? undefined : (res as T);
  }
  public async put(id: string, body: unknown, apiVersion = ML_API_VERSION): Promise<unknown> {
    return this.call('PUT', id, apiVersion, body);
  }
  public async patch(id: string, body: unknown, apiVersion = ML_API_VERSION): Promise<unknown> {
    return this.call('PATCH', id, apiVersion, body);
  }
  /** Deletes; false when it was gone already. */
  public async delete(id: string, apiVersion = ML_API_VERSION): Promise<boolean> {
    const res = await this.call('DELETE', id, apiVersion, undefined, true);
    return res !== undefined;
  }
  public async list<T>(id: string, apiVersion = ML_API_VERSION): Promise<T[]> {
    const res = (await this.call('GET', id, apiVersion)) as { value?: T[] } | undefined;
    return res?.value ?? [];
  }

  /**
   * One ARM call. 404 is `undefined` when `allowMissing`; a 201/202 with an async-operation header is polled
   * to its end, so the caller's next call sees the new state.
   */
  private async call(method: string, id: string, apiVersion: string, body?: unknown, allowMissing = false): Promise<unknown> {
    const url = `${ARM_ENDPOINT}${id}${id.includes('?') ? '&' : '?'}api-version=${apiVersion}`;
    const headers: Record<string, string> = { Authorization: `Bearer ${await this.token()}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await this.send(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (res.status === 404 && allowMissing) return undefined;
    if (res.status >= 400) throw armError(res.status, text, url);
    const operation = res.headers.get('azure-asyncoperation') ?? (res.status === 202 ? res.headers.get('location') : null);
    if ((res.status === 201 || res.status === 202) && operation) await this.poll(operation, headers);
    return text ? JSON.parse(text) : {};
  }

  private async poll(url: string, headers: Record<string, string>): Promise<void> {
    for (let i = 0; i < 120; i++) {
      const res = await this.send(url, { method: 'GET', headers });
      const text = await res.text();
      if (res.status >= 400) throw armError(res.status, text, url);
      const status = text ? (JSON.parse(text) as { status?: string }).status : undefined;
      if (res.status === 200 && (status === undefined || status === 'Succeeded')) return;
      if (status === 'Failed' || status === 'Canceled') throw new ArmError(res.status, status, `operation ended ${status}: ${text}`, url);
      await this.sleep(Number(res.headers.get('retry-after') ?? 5) * 1000);
    }
    throw new Error(`operation ${url} did not finish after 120 polls`);
  }

  /** Sends with retries on throttling, transient server errors and network failures. */
  private async send(url: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<HttpResponse> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      try {
        const res = await this.fetchFn(url, init);
        if (!RETRYABLE.has(res.status) || attempt === this.attempts) return res;
        lastError = new ArmError(res.status, 'Retryable', await res.text(), url);
        const retryAfter = Number(res.headers.get('retry-after'));
        await this.sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 2 ** attempt * 500);
      } catch (err) {
        if (err instanceof ArmError) throw err;
        lastError = err;
        if (attempt === this.attempts) break;
        await this.sleep(2 ** attempt * 500);
      }
    }
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }
}

function armError(status: number, text: string, url: string): ArmError {
  let code = 'Error';
  let message = text;
  try {
    const e = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    code = e?.code ?? code;
    message = e?.message ?? message;
  } catch {
    // Not JSON: keep the text.
  }
  return new ArmError(status, code, message, url);
}

/** What an HTTP-triggered Function answers; structurally the part of HttpResponseInit the handlers use. */
export interface WebhookResponse {
  readonly status: number;
  readonly jsonBody: unknown;
}

/**
 * The answer to an action group when the work failed and another delivery should try again. Azure Monitor
 * action groups retry a webhook only on 408, 429, 503, 504 or no response: a 500 is delivered once and dropped,
 * so every retryable failure answers 503. The body is short and carries no error text (that goes to the log).
 */
export function retryLater(source: string, what: string, err?: unknown): WebhookResponse {
  const detail = err === undefined ? undefined : err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  log(source, { action: 'FAILED', what, ...(detail ? { error: detail } : {}) });
  const code = err instanceof ArmError ? `${err.status} ${err.code}` : undefined;
  return { status: 503, jsonBody: { error: `${what} failed; call again`, ...(code ? { code } : {}) } };
}

/** One JSON line per event; never request payloads. */
export function log(source: string, entry: Record<string, unknown>): void {
  console.log(JSON.stringify({ source, ...entry }));
}
