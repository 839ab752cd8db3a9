/**
 * What every HTTP route shares: body parsing (JSON or the binary tensor extension, nesting bounded), one
 * error shape `{"error": "<message>"}` for every failure including the framework's own, API keys and rate
 * limits, request ids, logs and metrics. Registered on the root instance so each protocol plugin inherits it.
 */
import { STATUS_CODES } from 'node:http';
import { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyInstance } from 'fastify';
import { LINGERING_CLOSE, ROUTES, SERVER_ENV, type ServerConfig } from '../../../lib/contract';
import { presentedKey } from '../auth';
import type { ServingCore } from '../core';
import { BadInput, BodyTimeout, retryAfterOf } from '../errors';
import { parseJsonBytes } from '../json-parse';
import { DEFER_DATA_BYTES } from '../text-tensor';

declare module 'fastify' {
  interface FastifyRequest {
    /** Bytes after the JSON header when the binary tensor extension is used. */
    binaryData: Buffer | null;
    modelLabels: { model: string; version: string } | null;
    /** Counted in ServingCore.receiving until its body is parsed. */
    receiving: boolean;
    /** The matched route's URL pattern ('unmatched' for none), read once in onRequest; '' before. */
    routeUrl: string;
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

/** The one message for a late request, whichever deadline caught it (Node's header check or the body timer). */
export function lateRequestMessage(config: ServerConfig): string {
  return `the request was not received in time: headers are due within ${config.headerTimeoutMs} ms (${SERVER_ENV.headerTimeoutMs.name}), the body within ${config.bodyTimeoutMs} ms after them (${SERVER_ENV.bodyTimeoutMs.name})`;
}

/**
 * Closes a connection whose answer went out before its request was read to the end: FIN after the answer,
 * then what the client still sends is read and dropped (nothing is kept) until it closes, goes quiet for
 * LINGERING_CLOSE.idleMs, or LINGERING_CLOSE.totalMs pass. Closing at once would make the kernel answer the
 * unread bytes with a reset, which can destroy the answer before the client reads it.
 */
export function lingeringClose(socket: Socket): void {
  if (socket.destroyed) return;
  const destroy = (): void => {
    socket.destroy();
  };
  socket.end();
  socket.on('data', () => undefined);
  socket.resume();
  // Node's HTTP server may have stopped reading the socket underneath (backpressure from a request body no
  // one read) while the stream still counts as flowing; start the read again so the client is drained.
  const handle = (socket as Socket & { _handle?: { reading?: boolean; readStart?: () => number } | null })._handle;
  if (handle && handle.reading === false && typeof handle.readStart === 'function') {
    handle.reading = true;
    handle.readStart();
  }
  socket.once('end', destroy);
  socket.setTimeout(LINGERING_CLOSE.idleMs, destroy);
  const total = setTimeout(destroy, LINGERING_CLOSE.totalMs);
  total.unref();
  socket.once('close', () => clearTimeout(total));
}

/** Whether the request has a body still arriving: it declares one and Node has not read it to its end. */
function bodyPending(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  const declares = (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
  return declares && request.raw.complete !== true;
}

/** Whether an answer to the socket's current request has begun (Node keeps it as `_httpMessage`). */
function answering(socket: Socket): boolean {
  const response = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  return Boolean(response?.headersSent);
}

/**
 * Errors Node's HTTP parser raises before fastify sees a request (bad headers, oversized headers, read
 * deadlines), answered in the same JSON shape as every other error, on a first request or a later one on a
 * kept-alive connection alike, then closed with a lingering close (never left half-open).
 */
export function clientErrorHandler(config: ServerConfig, onRefusal: (reason: string) => void = () => undefined): (error: Error & { code?: string }, socket: Socket) => void {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    let status = 400;
    let reason = 'malformed';
    let message = `malformed HTTP request (${error.code ?? 'parse error'})`;
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = 408;
      reason = 'read_timeout';
      message = lateRequestMessage(config);
    } else if (error.code === 'HPE_HEADER_OVERFLOW') {
      status = 431;
      reason = 'headers_too_large';
      message = 'the request line and headers are larger than 16 KiB';
    }
    onRefusal(reason);
    if (socket.writable && !answering(socket)) {
      socket.write(errorBody(status, message));
      lingeringClose(socket);
    } else {
      socket.destroy();
    }
  };
}

/** Whether `log` writes at `level` (pino's isLevelEnabled; a logger without one, as with logging off, says yes). */
function levelEnabled(log: FastifyBaseLogger, level: string): boolean {
  const check = (log as FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled;
  return check === undefined || check.call(log, level);
}

export function registerHooks(app: FastifyInstance, core: ServingCore, healthRoutes: ReadonlySet<string>): void {
  const { config, metrics } = core;
  app.decorateRequest('binaryData', null);
  app.decorateRequest('modelLabels', null);
  app.decorateRequest('receiving', false);
  app.decorateRequest('routeUrl', '');

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
      // The byte parser gives JSON.parse's value in a third of the time on tensor data (json-parse.ts); on
      // text that is not JSON it returns undefined and JSON.parse says what is wrong.
      // OIP infer bodies: long flat "data" arrays are left as text for the inference thread (text-tensor.ts).
      const defer = request.routeUrl === ROUTES.infer || request.routeUrl === ROUTES.versionInfer ? DEFER_DATA_BYTES : 0;
      done(null, parseJsonBytes(json, MAX_JSON_DEPTH, defer) ?? JSON.parse(json.toString('utf8')));
    } catch (error) {
      done(new BadInput(`malformed JSON: ${(error as Error).message}`));
    }
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string; validation?: unknown }, request, reply) => {
    let status = error.statusCode ?? 500;
    if (error.validation) status = 400;
    let message = error.message;
    if (error.validation) message = `invalid request: ${message}`;
    else if (status === 413) {
      message = `request body is larger than ${config.maxRequestBodyBytes} bytes (MODEL_SERVER_MAX_REQUEST_BODY_BYTES)`;
      metrics.transportRefusals.inc({ reason: 'body_too_large' });
    }
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
    // Node's own check answers 400 with no body; this one answers in the error shape (requireHostHeader off).
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw new BadInput('the Host header is required in HTTP/1.1 (RFC 9112 section 3.2)');
    }
    if (request.method === 'POST') {
      request.receiving = true;
      core.receivingStarted();
    }
    if (bodyPending(request)) {
      // The body is due within MODEL_SERVER_BODY_TIMEOUT_MS of the headers (which have just arrived).
      const timer = setTimeout(() => {
        // Only while the body parser is reading (it listens for 'error'); an answered request lingers instead.
        if (request.raw.complete || request.raw.destroyed || request.raw.listenerCount('error') === 0) return;
        metrics.transportRefusals.inc({ reason: 'read_timeout' });
        request.raw.emit('error', new BodyTimeout(lateRequestMessage(config)));
      }, config.bodyTimeoutMs);
      timer.unref();
      request.raw.once('end', () => clearTimeout(timer));
      request.raw.once('close', () => clearTimeout(timer));
    }
    // fastify's routeOptions getter builds a fresh object of a dozen fields on every read: read it once.
    const route = request.routeOptions.url ?? 'unmatched';
    request.routeUrl = route;
    if (healthRoutes.has(route)) return;
    await core.admit(presentedKey(request.headers), request.socket.remoteAddress ?? request.ip, request.features ?? undefined);
  });
  const doneReceiving = (request: { receiving: boolean }): void => {
    if (!request.receiving) return;
    request.receiving = false;
    core.receivingEnded();
  };
  // The hooks that never wait are callback-style: an async hook costs a promise and a microtask per request.
  app.addHook('preHandler', (request, _reply, done) => {
    doneReceiving(request);
    done();
  });
  app.addHook('onRequestAbort', async (request) => doneReceiving(request));
  app.addHook('onSend', (request, reply, payload, done) => {
    doneReceiving(request);
    void reply.header('x-request-id', request.id);
    // While draining, every answer closes its connection so clients reconnect to another instance.
    if (core.draining) void reply.header('connection', 'close');
    // A real connection only (fastify.inject has none to close).
    const socket = request.raw.socket instanceof Socket ? request.raw.socket : undefined;
    if (socket && bodyPending(request)) {
      // Answered before the body ended (413, 401, 408): close, but let the client finish sending first.
      void reply.header('connection', 'close');
      // Keep reading the body (and dropping it) through the request stream, so the parser keeps going.
      request.raw.removeAllListeners('data');
      request.raw.on('data', () => undefined);
      request.raw.resume();
      socket.destroySoon = () => lingeringClose(socket);
    }
    // Write deadline: an answer the client does not take within MODEL_SERVER_WRITE_TIMEOUT_MS is dropped
    // with its connection, so a client that never reads cannot pin it in memory.
    if (socket) {
      const timer = setTimeout(() => {
        metrics.transportRefusals.inc({ reason: 'write_timeout' });
        request.log.info({ reason: 'write_timeout' }, `the client did not read its answer within ${config.writeTimeoutMs} ms (${SERVER_ENV.writeTimeoutMs.name}); connection closed`);
        socket.destroy();
      }, config.writeTimeoutMs);
      timer.unref();
      reply.raw.once('finish', () => clearTimeout(timer));
      reply.raw.once('close', () => clearTimeout(timer));
    }
    done(null, payload);
  });
  const recordResponse = (request: FastifyRequest, reply: FastifyReply): void => {
    doneReceiving(request);
    // A request refused before the onRequest hooks ran (the router's own errors) has no route read yet.
    const route = request.routeUrl !== '' ? request.routeUrl : request.routeOptions.url ?? 'unmatched';
    const labels = request.modelLabels;
    const model = labels === null ? '' : labels.model;
    const version = labels === null ? '' : labels.version;
    const elapsedMs = reply.elapsedTime;
    const code = reply.statusCode;
    metrics.requestDone(model, version, route, code, elapsedMs / 1000);
    const level = healthRoutes.has(route) ? 'debug' : 'info';
    // The log entry is built only when its level is on (the default level, info, logs every request).
    if (!levelEnabled(request.log, level)) return;
    const entry = { model, version, route, method: request.method, statusCode: code, latencyMs: Math.round(elapsedMs * 100) / 100 };
    if (level === 'debug') request.log.debug(entry, 'request completed');
    else request.log.info(entry, 'request completed');
  };
  app.addHook('onResponse', (request, reply, done) => {
    recordResponse(request, reply);
    done();
  });
}

/** Longest URL path segment: a model name (128) or version (64), percent-encoded, with room to spare. */
export const MAX_PARAM_LENGTH = 512;
/** The 414 answer's message, from the router (server.ts) and from routes that match a wildcard (tfserving.ts). */
export const URI_TOO_LONG_MESSAGE = `the URL is too long: a path segment is longer than the ${MAX_PARAM_LENGTH} characters a model name or version can take`;

export const OPEN_ROUTES: readonly string[] = [ROUTES.live, ROUTES.ready, ROUTES.sagemakerPing, ROUTES.metrics];
