/**
 * Inference answers over HTTP: OIP (JSON or binary) and the row/column formats. Bodies are built here,
 * not by fastify's serializer, so their size is checked against MODEL_SERVER_MAX_RESPONSE_BYTES and
 * 64-bit integers stay exact.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServingCore } from '../core';
import { BadInput } from '../errors';
import { stringifyJson } from '../json';
import type { ModelRuntime } from '../model';
import {
  decodeColumns, decodeInstances, decodeOipRequest, encodeColumns, encodeOipResponse, encodePredictions, isOipBody,
} from '../protocol';

function sendJson(core: ServingCore, model: ModelRuntime, reply: FastifyReply, value: unknown): FastifyReply {
  const text = stringifyJson(value);
  core.checkBodySize(model, Buffer.byteLength(text));
  return reply.type('application/json; charset=utf-8').send(text);
}

export async function answerOip(core: ServingCore, request: FastifyRequest, reply: FastifyReply, model: ModelRuntime): Promise<FastifyReply> {
  core.requireReady(model);
  const decoded = decodeOipRequest(request.body, request.binaryData, model, core.decodeOptions);
  const wanted = decoded.outputs ?? model.outputs.map((t) => ({ name: t.name, binary: decoded.binaryDefault }));
  core.checkResponseBound(model, decoded, wanted);
  const results = await core.infer(model, decoded, request.features ?? undefined);
  core.checkOutputsBound(model, results, wanted);
  const { json, binary } = encodeOipResponse(model, decoded, results);
  if (binary.length === 0) return sendJson(core, model, reply, json);
  const header = Buffer.from(stringifyJson(json), 'utf8');
  core.checkBodySize(model, header.length + binary.reduce((n, b) => n + b.length, 0));
  return reply.header('inference-header-content-length', String(header.length)).type('application/octet-stream').send(Buffer.concat([header, ...binary]));
}

/** OIP, row ("instances" -> "predictions") or column ("inputs" -> "outputs") depending on the body. */
export async function answerAny(core: ServingCore, request: FastifyRequest, reply: FastifyReply, model: ModelRuntime): Promise<FastifyReply> {
  core.requireReady(model);
  const body = request.body as Record<string, unknown> | undefined;
  if (request.binaryData || isOipBody(body)) return answerOip(core, request, reply, model);
  const all = model.outputs.map((t) => ({ name: t.name, binary: false }));
  if (body && Array.isArray(body.instances)) {
    const decoded = decodeInstances(body, model, core.decodeOptions);
    core.checkResponseBound(model, decoded, all);
    const results = await core.infer(model, decoded, request.features ?? undefined);
    core.checkOutputsBound(model, results, all);
    return sendJson(core, model, reply, { predictions: encodePredictions(model, results, decoded.rows) });
  }
  if (body && body.inputs !== undefined) {
    const decoded = decodeColumns(body, model, core.decodeOptions);
    core.checkResponseBound(model, decoded, all);
    const results = await core.infer(model, decoded, request.features ?? undefined);
    core.checkOutputsBound(model, results, all);
    return sendJson(core, model, reply, { outputs: encodeColumns(model, results) });
  }
  throw new BadInput('expected an Open Inference Protocol body {"inputs": [tensors]}, {"instances": [...]} or {"inputs": {name: value}}');
}
