/**
 * The one HTTP boundary of the deployer and the Cloud Functions: Google REST calls with a bearer token,
 * errors that carry Google's status and message, and long-running-operation polling. Tests replace
 * `fetch` and the token source; nothing else is mocked.
 */

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<{
  status: number;
  text(): Promise<string>;
}>;

export interface RestOptions {
  /** Returns an OAuth access token for the calls. */
  readonly token: () => Promise<string>;
  /** @default globalThis.fetch */
  readonly fetch?: FetchLike;
  /** Waits between polls; tests pass one that returns at once. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Writes one log line. @default console.log */
  readonly log?: (line: string) => void;
  /**
   * Sends every call to `<apiRoot>/<host><path>` instead of `https://<host><path>`: for a proxy in front of
   * Google APIs, or a test double. @default - Google's hosts
   */
  readonly apiRoot?: string;
}

/** A Google API error: HTTP status plus `error.status` (e.g. `NOT_FOUND`) and `error.message`. */
export class GoogleApiError extends Error {
  constructor(
    public readonly method: string,
    public readonly url: string,
    public readonly httpStatus: number,
    public readonly status: string,
    public readonly detail: string,
  ) {
    super(`${method} ${url} failed: HTTP ${httpStatus} ${status}: ${detail}`);
    this.name = 'GoogleApiError';
  }
}

/** A long-running operation that finished with an error. */
export class OperationFailedError extends Error {
  constructor(public readonly operation: string, public readonly code: number, public readonly detail: string) {
    super(`operation ${operation} failed (code ${code}): ${detail}`);
    this.name = 'OperationFailedError';
  }
}

/** A long-running operation still running when its caller stopped waiting; it continues in Google Cloud. */
export class OperationTimeoutError extends Error {
  constructor(public readonly operation: string, message: string) {
    super(message);
    this.name = 'OperationTimeoutError';
  }
}

export interface Operation {
  readonly name: string;
  readonly done?: boolean;
  readonly error?: { code?: number; message?: string };
  readonly response?: Record<string, unknown>;
}

export class GoogleRest {
  private readonly fetchFn: FetchLike;
  public readonly sleep: (ms: number) => Promise<void>;
  public readonly log: (line: string) => void;

  constructor(private readonly options: RestOptions) {
    this.fetchFn = options.fetch ?? (globalThis.fetch as unknown as FetchLike);
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.log = options.log ?? ((line) => console.log(line));
  }

  /**
   * One call. Reads (GET) are retried on 429, 5xx and network errors, up to 4 times with backoff: an
   * operation poll must not fail a deployment that is going well. Writes are not retried here; a re-run
   * of the deployer, or Pub/Sub's redelivery, resumes them from what exists.
   */
  public async request<T = Record<string, unknown>>(method: string, url: string, body?: unknown): Promise<T> {
    const retries = method === 'GET' ? 4 : 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once<T>(method, url, body);
      } catch (e) {
        const transient = !(e instanceof GoogleApiError) || e.httpStatus === 429 || e.httpStatus >= 500;
        if (!transient || attempt >= retries) throw e;
        this.log(JSON.stringify({ event: 'retry', method, url, attempt: attempt + 1, error: (e as Error).message }));
        await this.sleep(1000 * 2 ** attempt);
      }
    }
  }

  private async once<T>(method: string, url: string, body?: unknown): Promise<T> {
    const token = await this.options.token();
    const target = this.options.apiRoot ? url.replace(/^https:\/\//, `${this.options.apiRoot.replace(/\/$/, '')}/`) : url;
    const res = await this.fetchFn(target, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = undefined;
    }
    if (res.status < 200 || res.status >= 300) {
      const err = (parsed as { error?: { status?: string; message?: string } } | undefined)?.error;
      throw new GoogleApiError(method, url, res.status, err?.status ?? 'UNKNOWN', err?.message ?? text.slice(0, 500));
    }
    return (parsed ?? {}) as T;
  }

  /** GET that answers undefined on 404 instead of throwing. */
  public async getOrUndefined<T = Record<string, unknown>>(url: string): Promise<T | undefined> {
    try {
      return await this.request<T>('GET', url);
    } catch (e) {
      if (e instanceof GoogleApiError && e.httpStatus === 404) return undefined;
      throw e;
    }
  }

  /**
   * Polls `GET {host}/v1/{operation}` until done (at the same regional host that started it). Throws
   * `OperationFailedError` when the operation ends in an error, and a timeout error naming the operation
   * so a re-run can pick it up.
   */
  public async waitForOperation(host: string, op: Operation, timeoutSeconds: number, what: string): Promise<Record<string, unknown>> {
    let current = op;
    let waitMs = 5_000;
    let waited = 0;
    while (!current.done) {
      if (waited >= timeoutSeconds * 1000) {
        throw new OperationTimeoutError(current.name, `${what}: operation ${current.name} still running after ${timeoutSeconds} s; it continues in Vertex AI. ` +
          'Run `terraform apply` again: the deployer picks up what the operation created.');
      }
      await this.sleep(waitMs);
      waited += waitMs;
      waitMs = Math.min(waitMs * 2, 30_000);
      current = await this.request<Operation>('GET', `${host}/v1/${op.name}`);
      this.log(JSON.stringify({ event: 'poll', what, operation: op.name, done: current.done === true }));
    }
    if (current.error) {
      throw new OperationFailedError(current.name, current.error.code ?? 0, current.error.message ?? 'no message');
    }
    return current.response ?? {};
  }
}

/**
 * A token source using the credentials the Terraform Google provider would use, in its order:
 * `GOOGLE_OAUTH_ACCESS_TOKEN`, `GOOGLE_CREDENTIALS` (key JSON), then Application Default Credentials
 * (google-auth-library, loaded lazily; on Cloud Functions it reads the metadata server).
 */
export function applicationDefaultToken(env: NodeJS.ProcessEnv = process.env): () => Promise<string> {
  const fixed = env.GOOGLE_OAUTH_ACCESS_TOKEN;
  if (fixed) return async () => fixed;
  let auth: { getAccessToken(): Promise<string | null | undefined> } | undefined;
  return async () => {
    if (!auth) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { GoogleAuth } = require('google-auth-library') as typeof import('google-auth-library');
      const scopes = ['https://www.googleapis.com/auth/cloud-platform'];
      auth = env.GOOGLE_CREDENTIALS
        ? new GoogleAuth({ scopes, credentials: JSON.parse(env.GOOGLE_CREDENTIALS) as Record<string, string> })
        : new GoogleAuth({ scopes });
    }
    const token = await auth.getAccessToken();
    if (!token) throw new Error('Application Default Credentials returned no access token: run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS');
    return token;
  };
}
