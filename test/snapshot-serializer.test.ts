/**
 * The snapshot serializer (test/support/asset-hash-serializer.js) masks asset hashes where CDK and cdktf put
 * them, and keeps every other 64-hex value: a test that pins an image digest, a model's sha256 or a plan hash
 * sees a change to it. Serialized here through pretty-format with the serializer as a plugin, which is what
 * jest's toMatchSnapshot does with `snapshotSerializers`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'pretty-format';
import { IMAGE, MODEL_FILE } from './azure/support/fixtures';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const serializer = require('./support/asset-hash-serializer.js') as { test(v: unknown): boolean; serialize(v: string): string };
const snapshot = (value: unknown): string =>
  format(value, { plugins: [{ test: serializer.test, serialize: (v: string) => serializer.serialize(v) }], escapeString: false, printBasicPrototype: false });

const HASH = createHash('sha256').update('an asset').digest('hex');

describe('asset hashes are masked where the toolkits put them', () => {
  test.each([
    ['CDK file asset key (Code.S3Key)', `${HASH}.zip`, '<asset-hash>.zip'],
    ['CDK file asset in its bucket (S3 URI)', `s3://cdk-hnb659fds-assets-123456789012-eu-west-1/${HASH}.onnx`, 's3://cdk-hnb659fds-assets-123456789012-eu-west-1/<asset-hash>.onnx'],
    ['CDK file asset in an ARN', `:s3:::cdk-hnb659fds-assets-123456789012-eu-west-1/${HASH}.onnx`, ':s3:::cdk-hnb659fds-assets-123456789012-eu-west-1/<asset-hash>.onnx'],
    ['CDK container asset tag', `123456789012.dkr.ecr.eu-west-1.\${AWS::URLSuffix}/cdk-hnb659fds-container-assets-123456789012-eu-west-1:${HASH}`, '123456789012.dkr.ecr.eu-west-1.${AWS::URLSuffix}/cdk-hnb659fds-container-assets-123456789012-eu-west-1:<asset-hash>'],
    ['cdktf asset folder', `assets/Rollout_Controller_Code_FE1BBAD/${HASH}/archive.zip`, 'assets/Rollout_Controller_Code_FE1BBAD/<asset-hash>/archive.zip'],
  ])('%s', (_where, value, masked) => {
    expect(snapshot({ value })).toBe(`{\n  "value": "${masked}",\n}`);
  });
});

describe('every other 64-hex value is kept', () => {
  test.each([
    ['an image digest', `contoso.azurecr.io/model-server@sha256:${HASH}`],
    ['a bare sha256 (a model hash property, a plan hash)', HASH],
    ['a sha256 after a label', `sha256:${HASH}`],
    ['a hash in a path that is not an asset folder', `models/${HASH}/model.onnx`],
  ])('%s', (_what, value) => {
    expect(serializer.test(value)).toBe(false);
    expect(snapshot({ value })).toContain(HASH);
  });

  test('the recorded Azure snapshot holds the pinned image digest and the model\'s sha256 as they are', () => {
    const recorded = readFileSync(join(__dirname, 'azure', '__snapshots__', 'model-endpoint.test.ts.snap'), 'utf8');
    expect(recorded).toContain(`"image": "${IMAGE}"`);
    const modelSha = createHash('sha256').update(readFileSync(MODEL_FILE)).digest('hex');
    expect(recorded).toContain(`"model-serving.dev/sha256": "${modelSha}"`);
  });
});

describe('a missing snapshot fails instead of being written', () => {
  // jest --ci: "snapshots not written automatically" (jestjs.io/docs/cli#--ci); without it a deleted or never
  // recorded snapshot is written and the test passes.
  const pkg = (path: string) => JSON.parse(readFileSync(join(__dirname, '..', path), 'utf8')) as { scripts: Record<string, string> };
  test.each([
    ['package.json', 'test'],
    ['package.json', 'test:all'],
    ['runtime/package.json', 'test'],
  ])('%s "%s" runs jest with --ci', (file, script) => {
    expect(pkg(file).scripts[script]).toMatch(/\bjest --ci\b/);
  });
});
