/** `GET /metrics` in Prometheus text format: a route on the serving port, or a listener of its own. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import { ROUTES } from '../../../lib/contract';
import type { ServerMetrics } from '../metrics';
import type { ProtocolOptions } from './oip';

export const prometheusPlugin: FastifyPluginAsync<ProtocolOptions> = async (app, { core }) => {
  app.get(ROUTES.metrics, { schema: { response: { 200: { type: 'string' } } } }, async (_request, reply) => {
    void reply.type(core.metrics.registry.contentType);
    return core.metrics.registry.metrics();
  });
};

/**
 * The metrics listener (MODEL_SERVER_METRICS_PORT): `GET /metrics` and nothing else, so a network policy can
 * admit the scraper to this port alone. Other paths get the serving port's 404 shape, other methods 405.
 */
export function metricsHandler(metrics: ServerMetrics): (request: IncomingMessage, response: ServerResponse) => void {
  const json = (response: ServerResponse, code: number, error: string, headers: Record<string, string> = {}): void => {
    response.writeHead(code, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify({ error }));
  };
  return (request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== ROUTES.metrics) return json(response, 404, `no route ${request.method} ${path}`);
    if (request.method !== 'GET' && request.method !== 'HEAD') return json(response, 405, `${request.method} is not allowed on ${path}`, { allow: 'GET, HEAD' });
    metrics.registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'content-type': metrics.registry.contentType });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => json(response, 500, `metrics collection failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  };
}
