/** One jest run covers the construct library (test/) and the model server (runtime/, its own config). */
const swc = ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }];
module.exports = {
  projects: [
    {
      displayName: 'constructs',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      transform: { '^.+\\.ts$': swc },
      snapshotSerializers: ['<rootDir>/test/support/asset-hash-serializer.js'],
    },
    '<rootDir>/runtime',
  ],
};
