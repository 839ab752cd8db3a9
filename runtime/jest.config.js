/** The model server's tests. They use the built worker (dist/worker.js): `npm test` builds first. */
const swc = ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }];
module.exports = {
  displayName: 'runtime',
  testEnvironment: 'node',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  moduleFileExtensions: ['ts', 'js', 'json', 'proto'],
  // light-my-request (fastify.inject) requires `cookie`, jose and cockatiel ship ESM only, and the OTLP exporters load node:http with import() (which jest's CommonJS runtime cannot run): let swc turn them into CommonJS.
  transform: { '^.+\\.c?[tj]s$': swc, '^.+\\.proto$': '<rootDir>/test/text-transform.js' },
  transformIgnorePatterns: ['/node_modules/(?!(cookie|jose|cockatiel|@opentelemetry)/)'],
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
  testTimeout: 60000,
};
