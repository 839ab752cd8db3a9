/** `model-server healthcheck`, the images' HEALTHCHECK: asks the liveness route on the port the platform chose. */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { ROUTES } from '../../lib/contract';

const MAIN = join(__dirname, '..', 'dist', 'main.js');

function healthcheck(env: Record<string, string>): Promise<number | null> {
  const child = spawn(process.execPath, [MAIN, 'healthcheck'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore' });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

/** A stand-in server that answers `status` on the liveness route and 404 elsewhere, recording the paths asked. */
async function fakeServer(status: number): Promise<{ server: Server; port: number; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.statusCode = req.url === ROUTES.live ? status : 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, paths };
}

test('exit 0 when the liveness route answers 200 on MODEL_SERVER_PORT', async () => {
  const { server, port, paths } = await fakeServer(200);
  try {
    expect(await healthcheck({ MODEL_SERVER_PORT: String(port) })).toBe(0);
    expect(paths).toEqual([ROUTES.live]);
  } finally {
    server.close();
  }
});

test('the platform port wins, as it does for the server (SageMaker, Vertex AI)', async () => {
  const { server, port } = await fakeServer(200);
  try {
    expect(await healthcheck({ SAGEMAKER_BIND_TO_PORT: String(port) })).toBe(0);
    expect(await healthcheck({ AIP_HTTP_PORT: String(port), MODEL_SERVER_PORT: '1' })).toBe(0);
  } finally {
    server.close();
  }
});

test('exit 1 when the server is not live or not listening', async () => {
  const { server, port } = await fakeServer(503);
  try {
    expect(await healthcheck({ MODEL_SERVER_PORT: String(port) })).toBe(1);
  } finally {
    server.close();
  }
  expect(await healthcheck({ MODEL_SERVER_PORT: String(port) })).toBe(1);
  expect(await healthcheck({ MODEL_SERVER_PORT: 'not-a-port' })).toBe(1);
});
