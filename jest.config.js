/**
 * One jest run covers the construct library (test/) and the model server (runtime/, its own config).
 *
 * Two scopes (README "Tests"): `npm test` is the inner loop and leaves out the suites in SLOW_SUITES;
 * `npm run test:all` (MSC_TEST_SCOPE=all, what CI runs) runs everything. Both run jest with --ci, so a
 * missing snapshot fails instead of being written.
 */
const swc = ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }];

/** Suites that pack, install or run external tools for minutes: test:all only. */
const SLOW_SUITES = [
  // npm pack, a fresh install of the tarball per entry point, and a compile against it (minutes).
  '<rootDir>/test/package/',
  // Each toolkit's own init (cdk, cdk8s, cdktf) running the README's first-synth commands (half an hour);
  // under test/package/ already, named so that moving it does not put it in the inner loop.
  '<rootDir>/test/package/toolkit-templates.test.ts',
  // A real `terraform` applying, changing and destroying a deployment against an in-memory Vertex AI.
  '<rootDir>/test/gcp/terraform-e2e.test.ts',
  // jsii compiling the core and the four backend assemblies and jsii-pacmak emitting their Python
  // (scripts/jsii/build.mjs), then python3 -m compileall (minutes).
  '<rootDir>/test/jsii/',
  // The TypeScript compiler API (jsii's TypeScript) reading each backend's ModelEndpointProps to prove the prop-shape
  // tables complete, so the unknown-prop refusal never refuses a real prop (about 30 s).
  '<rootDir>/test/lib/prop-shapes-complete.test.ts',
  // cfn-lint (Python) over the 11 synthesized templates and 2 broken ones in one process: its start-up and schema
  // loading alone are seconds, the whole suite about 20 s of CPU on the 2-core machine; the real-synth suites keep
  // their own template assertions in the inner loop.
  '<rootDir>/test/aws/cfn-lint.test.ts',
];
const all = process.env.MSC_TEST_SCOPE === 'all';

module.exports = {
  // Rebuilds runtime/dist and dist/handlers first when a source is newer (a single-file run after an edit).
  globalSetup: '<rootDir>/test/support/stale-build-guard.js',
  projects: [
    {
      displayName: 'constructs',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...(all ? [] : SLOW_SUITES)],
      // jose ships ESM only (the gateway authorizer's tests sign and verify with it), and so does cockatiel (the
      // server's breaker, whose fallback reader test/examples/platform-k8s.test.ts calls): let swc turn them into CommonJS.
      transform: { '^.+\\.ts$': swc, '/node_modules/(jose|cockatiel)/.+\\.js$': swc },
      transformIgnorePatterns: ['/node_modules/(?!(jose|cockatiel)/)'],
      snapshotSerializers: ['<rootDir>/test/support/asset-hash-serializer.js'],
      // cdktf's "terraform version" check runs once per test file per constraint instead of once per construct.
      setupFiles: ['<rootDir>/test/support/terraform-version-once.js'],
    },
    '<rootDir>/runtime',
  ],
};
