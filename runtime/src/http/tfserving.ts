/** TensorFlow Serving's REST API: model status and `:predict` (row and column formats). */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { NotFound, UriTooLong } from '../errors';
import { MAX_PARAM_LENGTH, URI_TOO_LONG_MESSAGE } from './hooks';
import { resolveModel, type ProtocolOptions } from './oip';
import { answerAny } from './respond';
import { anySchema, errorResponses, modelParams } from './schemas';

type ModelParams = { model: string; version?: string };

const statusSchema = {
  params: modelParams,
  response: {
    200: {
      type: 'object',
      properties: {
        model_version_status: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              version: { type: 'string' },
              state: { type: 'string' },
              status: { type: 'object', properties: { error_code: { type: 'string' }, error_message: { type: 'string' } } },
            },
          },
        },
      },
    },
    ...errorResponses,
  },
};

export const tfServingPlugin: FastifyPluginAsync<ProtocolOptions> = async (app, { core }) => {
  const status = async (request: FastifyRequest): Promise<unknown> => {
    const p = request.params as ModelParams;
    const versions = p.version === undefined ? core.repository.versions(p.model) : [resolveModel(core, request, p.model, p.version).version];
    if (versions.length === 0) core.repository.resolve(p.model);
    return {
      model_version_status: versions.map((v) => {
        const m = core.repository.resolve(p.model, v);
        const state = m.state === 'READY' ? 'AVAILABLE' : m.state === 'LOADING' ? 'LOADING' : 'END';
        return { version: v, state, status: { error_code: m.state === 'UNAVAILABLE' ? 'UNAVAILABLE' : 'OK', error_message: m.reason } };
      }),
    };
  };
  app.get('/v1/models/:model', { schema: statusSchema }, status);
  app.get('/v1/models/:model/versions/:version', { schema: statusSchema }, status);
  app.post('/v1/models/*', { schema: { ...anySchema, params: { type: 'object', properties: { '*': { type: 'string' } } } } }, async (request, reply) => {
    // The router has already percent-decoded the path once; decoding again would let `%2570` reach `p`.
    const path = (request.params as { '*': string })['*'];
    // A wildcard is not bounded by the router's maxParamLength: the same 414 as every other route.
    if (path.split(/[/:]/).some((segment) => segment.length > MAX_PARAM_LENGTH)) throw new UriTooLong(URI_TOO_LONG_MESSAGE);
    const m = /^([^/:]+)(?:\/versions\/([^/:]+))?:predict$/.exec(path);
    if (!m) throw new NotFound(`no route POST /v1/models/${path}; TensorFlow Serving routes: /v1/models/{model}[/versions/{version}]:predict`);
    return answerAny(core, request, reply, resolveModel(core, request, m[1]!, m[2]));
  });
};
