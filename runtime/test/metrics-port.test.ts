/**
 * The metrics listener (MODEL_SERVER_METRICS_PORT), over real sockets: with a metrics port, `/metrics` is
 * answered there only and the serving port answers the not-found shape, so a Kubernetes NetworkPolicy that
 * admits only the scraper to the metrics port keeps every other caller off the metrics (security review H2,
 * issue 16). With 0 (the default, and what SageMaker, Vertex AI and Azure ML run with: one routed port)
 * `/metrics` stays on the serving port.
 */
import { request } from 'node:http';
import { SERVER_ENV, SERVER_METRICS } from '../../lib/contract';
import { resolveOptions } from '../src/config';
import { mlp, repository } from './models';
import { start, type Started } from './helpers';

interface Answer {
  status: number;
  type: string | undefined;
  body: string;
}

function get(port: number, path: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function infer(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [0.1, 0.2, 0.3, 0.4] }] });
    const req = request({ host: '127.0.0.1', port, path: '/v2/models/mlp/infer', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('separate metrics port', () => {
  let s: Started;
  let http: number;
  let metricsPort: number;
  beforeAll(async () => {
    // Any port but 0 turns the listener on; the test binds an ephemeral one through listenMetrics(0).
    s = await start(repository({ 'mlp/1': mlp() }), { metricsPort: 9464, grpcPort: 0 });
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    http = (s.app.server.address() as { port: number }).port;
    metricsPort = await s.app.listenMetrics(0, '127.0.0.1');
  });
  afterAll(async () => {
    await s.app.close();
  });

  test('the serving port answers 404 on /metrics, in the server\'s not-found shape', async () => {
    const a = await get(http, '/metrics');
    expect(a.status).toBe(404);
    expect(JSON.parse(a.body)).toEqual({ error: 'no route GET /metrics' });
    expect(a.body).not.toMatch(/model_server_/);
  });

  test('the metrics port answers the Prometheus text with the SERVER_METRICS names, counting serving-port traffic', async () => {
    expect(await infer(http)).toBe(200);
    const a = await get(metricsPort, '/metrics');
    expect(a.status).toBe(200);
    expect(a.type).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const spec of [SERVER_METRICS.requests, SERVER_METRICS.inferenceCount, SERVER_METRICS.requestDuration]) {
      expect(a.body).toContain(`# TYPE ${spec.name} `);
    }
    expect(a.body).toMatch(/model_server_requests_total\{[^}]*route="\/v2\/models\/:model\/infer"[^}]*code="200"[^}]*\} 1/);
  });

  test('the metrics port serves nothing else: no inference, no health', async () => {
    expect(await infer(metricsPort)).toBe(404);
    expect((await get(metricsPort, '/v2/health/ready')).status).toBe(404);
    const post = await get(metricsPort, '/metrics', 'POST');
    expect(post.status).toBe(405);
  });
});

describe('metrics port 0 (default)', () => {
  test('/metrics stays on the serving port', async () => {
    const s = await start(repository({ 'mlp/1': mlp() }), { grpcPort: 0 });
    try {
      await s.app.listen({ port: 0, host: '127.0.0.1' });
      const port = (s.app.server.address() as { port: number }).port;
      const a = await get(port, '/metrics');
      expect(a.status).toBe(200);
      expect(a.body).toContain(`# TYPE ${SERVER_METRICS.requests.name} counter`);
    } finally {
      await s.app.close();
    }
  });
});

describe('MODEL_SERVER_METRICS_PORT from the environment', () => {
  const exists = (p: string): boolean => p === '/opt/ml/model';
  test('parsed; the default is 0', () => {
    expect(SERVER_ENV.metricsPort.name).toBe('MODEL_SERVER_METRICS_PORT');
    expect(resolveOptions(['serve'], {}, exists).config.metricsPort).toBe(0);
    expect(resolveOptions(['serve'], { MODEL_SERVER_METRICS_PORT: '9464' }, exists).config.metricsPort).toBe(9464);
  });
  test('a metrics port equal to the HTTP or gRPC port is refused, naming the variable', () => {
    expect(() => resolveOptions(['serve'], { MODEL_SERVER_METRICS_PORT: '8080' }, exists)).toThrow(/MODEL_SERVER_METRICS_PORT=8080 is also the HTTP port; choose another metrics port, or 0/);
    expect(() => resolveOptions(['serve'], { MODEL_SERVER_METRICS_PORT: '8081' }, exists)).toThrow(/MODEL_SERVER_METRICS_PORT=8081 is also the gRPC port/);
    expect(() => resolveOptions(['serve'], { MODEL_SERVER_METRICS_PORT: '70000' }, exists)).toThrow(/MODEL_SERVER_METRICS_PORT/);
  });
});
