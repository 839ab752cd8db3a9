/** The Open Inference Protocol's REST API: health, server and model metadata, model readiness, inference. */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ROUTES } from '../../../lib/contract';
import { EXTENSIONS, SERVER_NAME, SERVER_VERSION, type ServingCore } from '../core';
import type { ModelRuntime } from '../model';
import { answerOip } from './respond';
import { errorResponses, inferBody, inferResponse, liveResponse, modelMetadataSchema, modelParams, readyResponse } from './schemas';

export interface ProtocolOptions {
  readonly core: ServingCore;
}

type ModelParams = { model: string; version?: string };

/** The model a request names; its labels go on the request's metrics and log line. */
export function resolveModel(core: ServingCore, request: FastifyRequest, name: string, version?: string): ModelRuntime {
  const model = core.repository.resolve(name, version);
  request.modelLabels = { model: model.name, version: model.version };
  return model;
}

export const oipPlugin: FastifyPluginAsync<ProtocolOptions> = async (app, { core }) => {
  const live = async (): Promise<unknown> => ({ live: true });
  const ready = async (_request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const why = core.notReadyReason();
    if (why === undefined) return { ready: true };
    return reply.code(503).send({ error: `not ready: ${why}` });
  };
  app.get(ROUTES.live, { schema: { response: { 200: liveResponse } } }, live);
  app.get(ROUTES.ready, { schema: { response: { 200: readyResponse, ...errorResponses } } }, ready);
  app.get(ROUTES.serverMetadata, {
    schema: { response: { 200: { type: 'object', properties: { name: { type: 'string' }, version: { type: 'string' }, extensions: { type: 'array', items: { type: 'string' } } } } } },
  }, async () => ({ name: SERVER_NAME, version: SERVER_VERSION, extensions: EXTENSIONS }));

  const metadataSchema = { params: modelParams, response: { 200: modelMetadataSchema, ...errorResponses } };
  const metadata = async (request: FastifyRequest): Promise<unknown> => {
    const p = request.params as ModelParams;
    return core.metadata(resolveModel(core, request, p.model, p.version));
  };
  app.get(ROUTES.modelMetadata, { schema: metadataSchema }, metadata);
  app.get(ROUTES.modelVersionMetadata, { schema: metadataSchema }, metadata);

  const readySchema = { params: modelParams, response: { 200: readyResponse, ...errorResponses } };
  const modelReady = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const p = request.params as ModelParams;
    const model = resolveModel(core, request, p.model, p.version);
    const why = core.modelNotReadyReason(model);
    if (why === undefined) return { name: model.name, ready: true };
    return reply.code(503).send({ error: why });
  };
  app.get(ROUTES.modelReady, { schema: readySchema }, modelReady);
  app.get(ROUTES.modelVersionReady, { schema: readySchema }, modelReady);

  const inferSchema = { params: modelParams, body: inferBody, response: { 200: inferResponse, ...errorResponses } };
  const infer = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const p = request.params as ModelParams;
    return answerOip(core, request, reply, resolveModel(core, request, p.model, p.version));
  };
  app.post(ROUTES.infer, { schema: inferSchema }, infer);
  app.post(ROUTES.versionInfer, { schema: inferSchema }, infer);
};
