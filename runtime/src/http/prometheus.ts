/** `GET /metrics` in Prometheus text format. */
import type { FastifyPluginAsync } from 'fastify';
import { ROUTES } from '../../../lib/contract';
import type { ProtocolOptions } from './oip';

export const prometheusPlugin: FastifyPluginAsync<ProtocolOptions> = async (app, { core }) => {
  app.get(ROUTES.metrics, { schema: { response: { 200: { type: 'string' } } } }, async (_request, reply) => {
    void reply.type(core.metrics.registry.contentType);
    return core.metrics.registry.metrics();
  });
};
