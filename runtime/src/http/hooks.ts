/**
 * What every HTTP route shares: body parsing (JSON or the binary tensor extension, nesting bounded), one
 * error shape `{"error": "<message>"}` for every failure including the framework's own, API keys and rate
 * limits, request ids, logs and metrics. Registered on the root instance so each protocol plugin inherits it.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { ROUTES, SERVER_ENV, type ServerConfig } from '../../../lib/contract';
import { presentedKey } from '../auth';
import type { ServingCore } from '../core';
import { BadInput, retryAfterOf } from '../errors';

declare module 'fastify' {
  interface FastifyRequest {
    /** Bytes after the JSON header when the binary tensor extension is used. */
    binaryData: Buffer | null;
    modelLabels: { model: string; version: string } | null;
    /** Counted in ServingCore.receiving until its body is parsed. */
    receiving: boolean;
  }
}

/** Deepest JSON nesting accepted: far above any tensor rank, far below what a recursive walk survives. */
export const MAX_JSON_DEPTH = 64;

/** Whether `json` nests arrays/objects deeper than `max` (strings skipped). One pass, no recursion. */
export function jsonDepthExceeds(json: Buffer, max: number): boolean {
  // Fewer than `max` opening brackets cannot nest deeper than `max`: most bodies are settled by a few
  // native searches instead of a byte-by-byte scan.
  let opening = 0;
  for (const c of [0x5b, 0x7b]) {
    for (let i = json.indexOf(c); i >= 0 && opening <= max; i = json.indexOf(c, i + 1)) opening++;
  }
  if (opening <= max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i]!;
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

function errorBody(status: number, message: string, extraHeaders = ''): string {
  const body = JSON.stringify({ error: message });
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n${extraHeaders}\r\n${body}`;
}

/**
 * Errors Node's HTTP parser raises before fastify sees a request (bad headers, oversized headers, read
 * deadlines), answered in the same JSON shape as every other error.
 */
export function clientErrorHandler(config: ServerConfig): (error: Error & { code?: string }, socket: Socket) => void {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    let status = 400;
    let message = `malformed HTTP request (${error.code ?? 'parse error'})`;
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = 408;
      message = `the request was not received in time: headers are due within ${config.headerTimeoutMs} ms (${SERVER_ENV.headerTimeoutMs.name}), the body within ${config.bodyTimeoutMs} ms more (${SERVER_ENV.bodyTimeoutMs.name})`;
    } else if (error.code === 'HPE_HEADER_OVERFLOW') {
      status = 431;
      message = 'the request line and headers are larger than 16 KiB';
    }
    if (socket.writable && socket.bytesWritten === 0) socket.end(errorBody(status, message));
    else socket.destroy();
  };
}

export function registerHooks(app: FastifyInstance, core: ServingCore, healthRoutes: ReadonlySet<string>): void {
  const { config, metrics } = core;
  app.decorateRequest('binaryData', null);
  app.decorateRequest('modelLabels', null);
  app.decorateRequest('receiving', false);

  // Bodies are read as buffers (bodyLimit answers 413 before any parsing), then the JSON part is parsed; with
  // the binary extension the JSON header is the first Inference-Header-Content-Length bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    let json = body as Buffer;
    const header = request.headers['inference-header-content-length'];
    if (header !== undefined) {
      const n = Number(header);
      if (!Number.isSafeInteger(n) || n <= 0 || n > json.length) {
        done(new BadInput(`Inference-Header-Content-Length ${String(header)} must be a positive integer no larger than the body (${json.length} bytes)`));
        return;
      }
      request.binaryData = json.subarray(n);
      json = json.subarray(0, n);
    }
    if (json.length === 0) {
      done(new BadInput('request body is empty; expected JSON'));
      return;
    }
    if (jsonDepthExceeds(json, MAX_JSON_DEPTH)) {
      done(new BadInput(`the JSON body nests deeper than ${MAX_JSON_DEPTH} levels; tensor data needs one level per dimension`));
      return;
    }
    try {
      done(null, JSON.parse(json.toString('utf8')));
    } catch (error) {
      done(new BadInput(`malformed JSON: ${(error as Error).message}`));
    }
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string; validation?: unknown }, request, reply) => {
    let status = error.statusCode ?? 500;
    if (error.validation) status = 400;
    let message = error.message;
    if (error.validation) message = `invalid request: ${message}`;
    else if (status === 413) message = `request body is larger than ${config.maxRequestBodyBytes} bytes (MODEL_SERVER_MAX_REQUEST_BODY_BYTES)`;
    if (status >= 500 && !String(error.code ?? '').startsWith('MS_') && !String(error.code ?? '').startsWith('FST_')) {
      request.log.error({ err: error }, 'unhandled error');
      message = 'internal server error';
    } else {
      request.log.info({ code: error.code, statusCode: status }, 'request refused');
    }
    const retry = retryAfterOf(error);
    if (retry !== undefined) reply.header('retry-after', String(retry));
    if (status === 401) reply.header('www-authenticate', 'Bearer');
    void reply.code(status).send({ error: message });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}` });
  });

  app.addHook('onRequest', async (request) => {
    if (request.method === 'POST') {
      request.receiving = true;
      core.receivingStarted();
    }
    const route = request.routeOptions.url ?? '';
    if (healthRoutes.has(route)) return;
    await core.admit(presentedKey(request.headers), request.features ?? undefined);
  });
  const doneReceiving = (request: { receiving: boolean }): void => {
    if (!request.receiving) return;
    request.receiving = false;
    core.receivingEnded();
  };
  app.addHook('preHandler', async (request) => doneReceiving(request));
  app.addHook('onRequestAbort', async (request) => doneReceiving(request));
  app.addHook('onSend', async (request, reply, payload) => {
    doneReceiving(request);
    void reply.header('x-request-id', request.id);
    // While draining, every answer closes its connection so clients reconnect to another instance.
    if (core.draining) void reply.header('connection', 'close');
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    doneReceiving(request);
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = request.modelLabels ?? { model: '', version: '' };
    metrics.requests.inc({ ...labels, route, code: String(reply.statusCode) });
    metrics.requestDuration.observe({ ...labels, route }, reply.elapsedTime / 1000);
    const entry = { ...labels, route, method: request.method, statusCode: reply.statusCode, latencyMs: Math.round(reply.elapsedTime * 100) / 100 };
    if (healthRoutes.has(route)) request.log.debug(entry, 'request completed');
    else request.log.info(entry, 'request completed');
  });
}

/** Longest URL path segment: a model name (128) or version (64), percent-encoded, with room to spare. */
export const MAX_PARAM_LENGTH = 512;

export const OPEN_ROUTES: readonly string[] = [ROUTES.live, ROUTES.ready, ROUTES.sagemakerPing, ROUTES.metrics];
