/** Azure ML online endpoints: liveness, readiness and scoring routes named by the environment. */
import type { FastifyPluginAsync } from 'fastify';
import { ROUTES } from '../../../lib/contract';
import type { ProtocolOptions } from './oip';
import { answerAny } from './respond';
import { defaultModel } from './sagemaker';
import { anySchema, errorResponses, liveResponse, readyResponse } from './schemas';

export const azurePlugin: FastifyPluginAsync<ProtocolOptions> = async (app, { core }) => {
  const { livenessRoute, readinessRoute, scoringRoute } = core.config;
  // The defaults are the OIP health routes, already served by the OIP plugin.
  if (livenessRoute !== ROUTES.live && livenessRoute !== ROUTES.ready) {
    app.get(livenessRoute, { schema: { response: { 200: liveResponse } } }, async () => ({ live: true }));
  }
  if (readinessRoute !== ROUTES.ready && readinessRoute !== ROUTES.live && readinessRoute !== livenessRoute) {
    app.get(readinessRoute, { schema: { response: { 200: readyResponse, ...errorResponses } } }, async (_request, reply) => {
      const why = core.notReadyReason();
      if (why === undefined) return { ready: true };
      return reply.code(503).send({ error: `not ready: ${why}` });
    });
  }
  app.post(scoringRoute, { schema: anySchema }, async (request, reply) => answerAny(core, request, reply, defaultModel(core, request)));
};
