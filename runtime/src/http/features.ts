/**
 * The hooks of the platform features on every HTTP route: a per-request `features` record (JWT rights,
 * fallback flag), the request's trace (W3C traceparent in, a server span, traceparent out) and the
 * fallback response header. Registered before the shared hooks so authentication runs inside the trace.
 */
import type { FastifyInstance } from 'fastify';
import { FALLBACK_HEADER, newFeatures, type RequestFeatures, type ServingCore } from '../core';

declare module 'fastify' {
  interface FastifyRequest {
    features: RequestFeatures;
  }
}

export function registerFeatureHooks(app: FastifyInstance, core: ServingCore, healthRoutes: ReadonlySet<string>): void {
  app.decorateRequest('features', null as unknown as RequestFeatures);
  const tracing = core.tracing;
  // Only what is configured costs anything: with no JWT, breaker or tracing, no hook is added at all.
  const needed = tracing !== undefined || core.breakers.size > 0 || core.config.jwtJwksUri !== '';
  if (!needed) return;
  app.addHook('onRequest', async (request) => {
    const features = newFeatures();
    request.features = features;
    if (tracing === undefined) return;
    const route = request.routeOptions.url;
    if (route === undefined || healthRoutes.has(route)) return;
    const headers = request.headers;
    features.trace = tracing.startRequest(`${request.method} ${route}`, (k) => {
      const v = headers[k];
      return typeof v === 'string' ? v : undefined;
    }, { 'http.request.method': request.method, 'http.route': route });
  });
  if (tracing === undefined && core.breakers.size === 0) return;
  app.addHook('onSend', async (request, reply, payload) => {
    const features = request.features;
    if (features?.fallback) void reply.header(FALLBACK_HEADER, 'true');
    if (features?.trace) for (const [k, v] of Object.entries(features.trace.outgoing())) void reply.header(k, v);
    return payload;
  });
  if (tracing === undefined) return;
  app.addHook('onResponse', async (request, reply) => {
    const features = request.features;
    features?.trace?.end(reply.statusCode, { 'http.response.status_code': reply.statusCode, ...(features.fallback ? { 'model_server.fallback': true } : {}) });
  });
}
