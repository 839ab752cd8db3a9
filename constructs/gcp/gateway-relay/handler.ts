/**
 * Cloud Functions (2nd gen) HTTP entry point `handler` of a ModelGateway's relay (Functions Framework: an
 * Express request with `rawBody`). Shipped pre-bundled in dist/handlers/gcp/gateway-relay.
 */
import { RelayConfig, RelayFetch, metadataToken, readRelayConfig, relay } from './relay';

interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly rawBody?: Buffer;
  get(name: string): string | undefined;
}
interface HttpResponse {
  status(code: number): HttpResponse;
  set(headers: Record<string, string>): HttpResponse;
  send(body: Buffer): void;
}

const fetchFn = globalThis.fetch as unknown as RelayFetch;
let config: RelayConfig | undefined;
let token: (() => Promise<string>) | undefined;

export async function handler(req: HttpRequest, res: HttpResponse): Promise<void> {
  config ??= readRelayConfig(process.env);
  token ??= metadataToken(fetchFn);
  const answer = await relay({
    method: req.method,
    path: req.path,
    contentType: req.get('content-type'),
    inferenceHeaderContentLength: req.get('inference-header-content-length'),
    body: req.rawBody ?? Buffer.alloc(0),
  }, config, { fetch: fetchFn, token, log: (line) => console.log(line) });
  res.status(answer.status).set(answer.headers).send(answer.body);
}
