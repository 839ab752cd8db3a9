/**
 * What the default Azure snapshot held and no assertion did (the snapshot serializer masked it as an asset
 * hash until it was narrowed to real asset hashes): a model uploaded from a local file is registered as a
 * model version that carries the file's sha256 and is named after it, so a changed file is a new, immutable
 * version (the code's own reason, constructs/azure/model-endpoint.ts; that Azure ML treats registered asset
 * versions as immutable is from its asset-versioning documentation and is not checked here).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ModelArtifact } from '../../lib';
import { AZURE_ML_TYPES } from '../../constructs/azure';
import { MODEL_FILE, endpoint, model } from './support/fixtures';
import { resourcesOf, synth } from './support/synth';

type Json = Record<string, any>;
const modelVersion = (tf: Json): Json => {
  const versions = Object.values(resourcesOf(tf as never, 'azapi_resource')).filter((r) => r.type === AZURE_ML_TYPES.modelVersion);
  expect(versions).toHaveLength(1);
  return versions[0];
};

test('a local model file: the version carries the file\'s sha256 and is named <version>-<first 8 of it>', () => {
  const sha = createHash('sha256').update(readFileSync(MODEL_FILE)).digest('hex');
  const v = modelVersion(synth((s) => endpoint(s)).tf);
  expect(v.body.properties.properties).toEqual({ 'model-serving.dev/sha256': sha });
  expect(v.name).toBe(`1.0.0-${sha.slice(0, 8)}`);
});

test('a model already in Azure Blob storage: no file hash is claimed', () => {
  const remote = ModelArtifact.fromUri('https://acme.blob.core.windows.net/models/digits/1/model.onnx', { signature: model.signature });
  const v = modelVersion(synth((s) => endpoint(s, { model: remote })).tf);
  expect(v.body.properties.properties).toBeUndefined();
});
