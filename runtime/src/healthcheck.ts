/**
 * `model-server healthcheck`: the image's HEALTHCHECK. Asks the running server's liveness route on the
 * port it listens on (resolved from the same variables the server reads), so the Dockerfiles name no
 * route, port or variable of their own. Exit 0 when live, 1 otherwise.
 */
import { request } from 'node:http';
import { parseServerEnvironment, ROUTES } from '../../lib/contract';
import { listenPort } from './config';

export function healthcheck(env: Readonly<Record<string, string | undefined>>, timeoutMs = 2000): Promise<number> {
  let port: number;
  try {
    port = listenPort(parseServerEnvironment(env).config, env);
  } catch {
    return Promise.resolve(1);
  }
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: ROUTES.live, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? 0 : 1);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(1));
    req.end();
  });
}
