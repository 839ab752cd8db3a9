/** Vertex AI custom container: health at AIP_HEALTH_ROUTE, predictions at AIP_PREDICT_ROUTE (when set). */
import type { FastifyPluginAsync } from 'fastify';
import type { ProtocolOptions } from './oip';
import { answerAny } from './respond';
import { defaultModel } from './sagemaker';
import { anySchema, errorResponses, readyResponse } from './schemas';

export interface VertexOptions extends ProtocolOptions {
  readonly healthRoute?: string;
  readonly predictRoute?: string;
}

export const vertexPlugin: FastifyPluginAsync<VertexOptions> = async (app, { core, healthRoute, predictRoute }) => {
  if (healthRoute) {
    app.get(healthRoute, { schema: { response: { 200: readyResponse, ...errorResponses } } }, async (_request, reply) => {
      const why = core.notReadyReason();
      if (why === undefined) return { ready: true };
      return reply.code(503).send({ error: `not ready: ${why}` });
    });
  }
  if (predictRoute) app.post(predictRoute, { schema: anySchema }, async (request, reply) => answerAny(core, request, reply, defaultModel(core, request)));
};
