/** Header and body read deadlines: slow clients get 408 in the JSON error shape and their connection closes. */
import { connect } from 'node:net';
import { mlp, repository } from './models';
import { start, until, type Started } from './helpers';

let s: Started;
let port: number;
beforeAll(async () => {
  s = await start(repository({ 'mlp/1': mlp() }), { headerTimeoutMs: 1000, bodyTimeoutMs: 1000 });
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  port = (s.app.server.address() as { port: number }).port;
});
afterAll(async () => {
  await s.app.close();
});

/** Writes `text`, then stalls; resolves with what the server sent once it closed the connection. */
function stall(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let out = '';
    socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
}

const TIMEOUT_BODY = {
  error: 'the request was not received in time: headers are due within 1000 ms (MODEL_SERVER_HEADER_TIMEOUT_MS), the body within 1000 ms after them (MODEL_SERVER_BODY_TIMEOUT_MS)',
};

test('a body that stalls after its headers gets 408 and the connection and its buffer are released', async () => {
  const res = await stall('POST /v2/models/mlp/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"inputs": [');
  expect(res).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  expect(res).toMatch(/\r\nConnection: close\r\n/i);
  expect(JSON.parse(res.slice(res.indexOf('\r\n\r\n') + 4))).toEqual(TIMEOUT_BODY);
  // The request that owned the partial body is finished: nothing counts it as still being received.
  await until(() => !s.app.core.receiving);
});

test('a chunked body without its last chunk gets 408', async () => {
  const res = await stall('POST /v2/models/mlp/infer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"inp\r\n');
  expect(res).toMatch(/^HTTP\/1\.1 408 /);
});

test('headers trickled slower than the header deadline get 408', async () => {
  const res = await stall('GET /v2/health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ');
  expect(res).toMatch(/^HTTP\/1\.1 408 /);
  expect(JSON.parse(res.slice(res.indexOf('\r\n\r\n') + 4))).toEqual(TIMEOUT_BODY);
});

test('the server answers normally afterwards', async () => {
  const res = await fetch(`http://127.0.0.1:${port}/v2/health/ready`);
  expect(res.status).toBe(200);
});
