#!/usr/bin/env node
/**
 * Connection-level abuse against a running server, measured from outside (the server's RSS from /proc):
 *
 *   node runtime/bench/connection-abuse.js <scenario> <server pid> <http port> <grpc port> <api key> [seconds]
 *
 * scenarios:
 *   grpc-partial   60 gRPC streams (authenticated) each sending 5.96 MB of a message, never half-closed
 *   grpc-noauth    30 gRPC streams without a key each sending 5.96 MB of a message, never half-closed
 *   rest-unread    40 REST connections, one 4.8 MB echo request each, the 4.8 MB answers never read
 *   auth-flood     4,000 REST requests with wrong keys, one connection each after the other
 * Prints one JSON line: RSS (MiB) before, peak and at the end, plus what the clients saw.
 */
'use strict';
const http2 = require('node:http2');
const net = require('node:net');
const { readFileSync } = require('node:fs');

const [scenario, pid, httpPort, grpcPort, key, secondsArg] = process.argv.slice(2);
const seconds = Number(secondsArg ?? 40);
const rss = () => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function watch(result) {
  result.rssBefore ??= rss();
  result.rssPeak = result.rssBefore;
  const t0 = Date.now();
  while (Date.now() - t0 < seconds * 1000) {
    await sleep(500);
    result.rssPeak = Math.max(result.rssPeak, rss());
  }
  result.rssEnd = rss();
}

async function grpcStreams(count, withKey) {
  const result = { scenario, streams: count, rssBefore: rss() };
  const session = http2.connect(`http://127.0.0.1:${grpcPort}`);
  session.on('error', () => undefined);
  const outcome = { answered: 0, closedByServer: 0, statuses: {} };
  const size = 5_960_000;
  for (let i = 0; i < count; i++) {
    const headers = { ':method': 'POST', ':path': '/inference.GRPCInferenceService/ModelInfer', 'content-type': 'application/grpc', te: 'trailers' };
    if (withKey) headers.authorization = `Bearer ${key}`;
    const s = session.request(headers);
    s.on('error', () => undefined);
    s.on('response', (h) => {
      if (h['grpc-status'] !== undefined) {
        outcome.answered++;
        outcome.statuses[h['grpc-status']] = (outcome.statuses[h['grpc-status']] ?? 0) + 1;
      }
    });
    s.on('trailers', (h) => {
      outcome.answered++;
      outcome.statuses[h['grpc-status']] = (outcome.statuses[h['grpc-status']] ?? 0) + 1;
    });
    s.on('close', () => outcome.closedByServer++);
    s.resume();
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(size + 1000, 1);
    s.write(prefix);
    s.write(Buffer.alloc(size, 1));
  }
  await watch(result);
  Object.assign(result, outcome);
  session.destroy();
  return result;
}

async function restUnread(count) {
  // Needs a model `echo` (x [batch, 2] FP32 -> Identity -> y), as runtime/test/models.ts identity('FLOAT')
  // writes it: each connection sends one 4.8 MB request whose binary answer is 4.8 MB.
  const result = { scenario, connections: count, rssBefore: rss() };
  const rows = 600_000;
  const raw = Buffer.alloc(rows * 2 * 4, 0x3f);
  const header = Buffer.from(JSON.stringify({
    inputs: [{ name: 'x', datatype: 'FP32', shape: [rows, 2], parameters: { binary_data_size: raw.length } }],
    outputs: [{ name: 'y', parameters: { binary_data: true } }],
  }));
  const head = `POST /v2/models/echo/infer HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/octet-stream\r\nInference-Header-Content-Length: ${header.length}\r\nContent-Length: ${header.length + raw.length}\r\n\r\n`;
  const request = Buffer.concat([Buffer.from(head), header, raw]);
  const sockets = [];
  let closed = 0;
  for (let i = 0; i < count; i++) {
    const s = net.connect(Number(httpPort), '127.0.0.1');
    s.on('error', () => undefined);
    s.on('close', () => closed++);
    s.pause();
    s.write(request);
    sockets.push(s);
  }
  await watch(result);
  result.closedByServer = closed;
  for (const s of sockets) s.destroy();
  return result;
}

async function authFlood(count) {
  const result = { scenario, attempts: count, rssBefore: rss(), statuses: {} };
  const t0 = Date.now();
  for (let i = 0; i < count; i++) {
    const res = await fetch(`http://127.0.0.1:${httpPort}/v2`, { headers: { authorization: `Bearer wrong-${i}` } });
    await res.arrayBuffer();
    result.statuses[res.status] = (result.statuses[res.status] ?? 0) + 1;
  }
  result.seconds = (Date.now() - t0) / 1000;
  result.rssEnd = rss();
  return result;
}

(async () => {
  let result;
  if (scenario === 'grpc-partial') result = await grpcStreams(60, true);
  else if (scenario === 'grpc-noauth') result = await grpcStreams(30, false);
  else if (scenario === 'rest-unread') result = await restUnread(40);
  else if (scenario === 'auth-flood') result = await authFlood(4000);
  else throw new Error(`unknown scenario ${scenario}`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
})();
