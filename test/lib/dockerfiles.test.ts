/** The images agree with lib/contract.ts: one user id, the default port, the health check through the server itself. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_GRPC_PORT, DEFAULT_PORT, PLATFORM_ENV, ROUTES, SERVER_ENV, SERVER_USER_ID } from '../../lib';

const RUNTIME = join(__dirname, '..', '..', 'runtime');
/** The instructions of a Dockerfile, comments dropped and continuation lines joined. */
function instructions(file: string): string[] {
  return readFileSync(join(RUNTIME, file), 'utf8')
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

describe.each(['Dockerfile', 'Dockerfile.gpu'])('%s', (file) => {
  const lines = instructions(file);
  const final = lines.slice(lines.map((l) => l.startsWith('FROM ')).lastIndexOf(true));

  test(`runs as SERVER_USER_ID (${SERVER_USER_ID}), created with that uid and gid`, () => {
    expect(final.filter((l) => l.startsWith('USER '))).toEqual([`USER ${SERVER_USER_ID}:${SERVER_USER_ID}`]);
    const run = final.find((l) => l.includes('useradd'))!;
    expect(run).toContain(`--uid ${SERVER_USER_ID}`);
    expect(run).toContain(`--gid ${SERVER_USER_ID}`);
  });

  test('exposes the default HTTP and gRPC ports', () => {
    expect(final.filter((l) => l.startsWith('EXPOSE '))).toEqual([`EXPOSE ${DEFAULT_PORT} ${DEFAULT_GRPC_PORT}`]);
  });

  test('the health check asks the server, which resolves the route and port from the contract', () => {
    expect(final.filter((l) => l.startsWith('HEALTHCHECK '))[0]).toMatch(/CMD \["node", "\/opt\/server\/dist\/main\.js", "healthcheck"\]$/);
  });

  test('names no route, port variable or server variable of its own', () => {
    const text = lines.join('\n');
    for (const route of Object.values(ROUTES)) expect(text).not.toContain(route);
    for (const v of [...Object.values(PLATFORM_ENV), ...Object.values(SERVER_ENV).map((s) => s.name)]) expect(text).not.toContain(v);
  });
});
