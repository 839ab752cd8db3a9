/** SageMaker's container contract: `GET /ping` (empty 200 when ready) and `POST /invocations`. */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ROUTES } from '../../../lib/contract';
import type { ServingCore } from '../core';
import type { ModelRuntime } from '../model';
import type { ProtocolOptions } from './oip';
import { answerAny } from './respond';
import { anySchema, errorResponses } from './schemas';

/** The model single-model routes (SageMaker, Vertex AI, Azure ML) serve. */
export function defaultModel(core: ServingCore, request: FastifyRequest): ModelRuntime {
  const model = core.repository.defaultModel(core.config.modelName);
  request.modelLabels = { model: model.name, version: model.version };
  return model;
}

export const sagemakerPlugin: FastifyPluginAsync<ProtocolOptions> = async (app, { core }) => {
  app.get(ROUTES.sagemakerPing, { schema: { response: { 200: { type: 'string' }, ...errorResponses } } }, async (_request, reply) => {
    const why = core.notReadyReason();
    if (why !== undefined) return reply.code(503).send({ error: `not ready: ${why}` });
    return reply.type('text/plain').send('');
  });
  app.post(ROUTES.sagemakerInvocations, { schema: anySchema }, async (request, reply) => answerAny(core, request, reply, defaultModel(core, request)));
};
