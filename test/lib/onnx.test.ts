import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_SUPPORTED_OPSET, ModelArtifact, OnnxModelError, readOnnxSignature } from '../../lib';
import { buildModel, mlpClassifier } from '../../scripts/onnx-builder';
import { DEMO_MODEL_PATH, demoModel } from '../../scripts/generate-models';
import { readFileSync } from 'node:fs';

const dir = mkdtempSync(join(tmpdir(), 'msc-onnx-'));
function write(name: string, bytes: Uint8Array | string): string {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

describe('readOnnxSignature', () => {
  test('ModelArtifact.readSignature is the same reader as a static (readOnnxSignature is its deprecated alias)', () => {
    const bytes = mlpClassifier({ name: 'mlp', features: 4, hidden: [3], classes: 2, seed: 1 });
    const file = write('static.onnx', bytes);
    expect(ModelArtifact.readSignature(file)).toEqual(readOnnxSignature(file));
    expect(() => ModelArtifact.readSignature(file, 10)).toThrow(OnnxModelError);
  });
  test('reads opset, names, element types and a named dynamic batch dimension', () => {
    const file = write('mlp.onnx', mlpClassifier({ name: 'mlp', features: 4, hidden: [3], classes: 2, seed: 1 }));
    expect(readOnnxSignature(file)).toEqual({
      opset: 17,
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4], dimNames: ['batch', null] }],
      outputs: [
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 2], dimNames: ['batch', null] },
        { name: 'label', datatype: 'INT64', shape: [-1], dimNames: ['batch'] },
      ],
    });
  });

  test('static dimensions carry no dimension names; unnamed dynamic ones are -1', () => {
    const file = write('static.onnx', buildModel({
      name: 's',
      opset: 13,
      inputs: [{ name: 'a', type: 'INT32', shape: [2, 3] }, { name: 'b', type: 'UINT8', shape: [null, 3] }],
      outputs: [{ name: 'c', type: 'INT32', shape: [2, 3] }],
      nodes: [{ op: 'Identity', inputs: ['a'], outputs: ['c'] }],
    }));
    const sig = readOnnxSignature(file);
    expect(sig.opset).toBe(13);
    expect(sig.inputs).toEqual([
      { name: 'a', datatype: 'INT32', shape: [2, 3] },
      { name: 'b', datatype: 'UINT8', shape: [-1, 3] },
    ]);
    expect(sig.outputs).toEqual([{ name: 'c', datatype: 'INT32', shape: [2, 3] }]);
  });

  test('initializers listed as graph inputs are not model inputs', () => {
    const file = write('init.onnx', buildModel({
      name: 'i',
      inputs: [{ name: 'x', type: 'FLOAT', shape: [1, 2] }, { name: 'w', type: 'FLOAT', shape: [2] }],
      outputs: [{ name: 'y', type: 'FLOAT', shape: [1, 2] }],
      nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }],
      initializers: [{ name: 'w', dims: [2], data: [1, 2] }],
    }));
    expect(readOnnxSignature(file).inputs.map((i) => i.name)).toEqual(['x']);
  });

  test('a truncated file fails with the file name and the reason', () => {
    const bytes = mlpClassifier({ name: 'mlp', features: 4, hidden: [3], classes: 2, seed: 1 });
    const file = write('truncated.onnx', bytes.slice(0, Math.floor(bytes.length / 2)));
    expect(() => readOnnxSignature(file)).toThrow(OnnxModelError);
    expect(() => readOnnxSignature(file)).toThrow(/truncated\.onnx: not a valid ONNX model .*re-export the model/);
  });

  test('a file that is not ONNX fails with the file name', () => {
    const file = write('notes.onnx', 'this is a text file, not a model\n'.repeat(10));
    expect(() => readOnnxSignature(file)).toThrow(/notes\.onnx: not a valid ONNX model/);
  });

  test('an empty file fails', () => {
    const file = write('empty.onnx', new Uint8Array());
    expect(() => readOnnxSignature(file)).toThrow(/empty\.onnx: not a valid ONNX model \(the file is empty\)/);
  });

  test('a missing file fails naming the path', () => {
    expect(() => readOnnxSignature(join(dir, 'nope.onnx'))).toThrow(/nope\.onnx: cannot read the model file/);
  });

  test('an opset above the runtime maximum fails with both numbers', () => {
    const file = write('future.onnx', mlpClassifier({ name: 'f', features: 2, hidden: [], classes: 2, seed: 1, opset: MAX_SUPPORTED_OPSET + 1 }));
    expect(() => readOnnxSignature(file)).toThrow(
      new RegExp(`future\\.onnx: the model uses opset ${MAX_SUPPORTED_OPSET + 1}, but the bundled onnxruntime supports opset ${MAX_SUPPORTED_OPSET} at most`),
    );
  });

  test('the runtime maximum itself is accepted', () => {
    const file = write('max.onnx', mlpClassifier({ name: 'f', features: 2, hidden: [], classes: 2, seed: 1, opset: MAX_SUPPORTED_OPSET }));
    expect(readOnnxSignature(file).opset).toBe(MAX_SUPPORTED_OPSET);
  });
});

describe('ModelArtifact', () => {
  test('fromFile parses the signature at construction', () => {
    const artifact = ModelArtifact.fromFile(DEMO_MODEL_PATH);
    expect(artifact.storage).toBe('LOCAL_FILE');
    expect(artifact.signature?.inputs[0]).toMatchObject({ name: 'input', datatype: 'FP32', shape: [-1, 784] });
    expect(artifact.fileName).toBe('model.onnx');
  });

  test('the committed demo model is what the generator writes', () => {
    expect(Buffer.compare(readFileSync(DEMO_MODEL_PATH), Buffer.from(demoModel()))).toBe(0);
  });

  test.each([
    ['s3://models-bucket/fraud/1/model.onnx', 'S3', 'SINGLE_FILE'],
    ['s3://models-bucket/fraud/1/', 'S3', 'PREFIX'],
    ['s3://models-bucket/fraud/1/model.tar.gz', 'S3', 'ARCHIVE'],
    ['gs://models-bucket/fraud/1/model.onnx', 'GCS', 'SINGLE_FILE'],
    ['https://mlstore01.blob.core.windows.net/models/fraud/1/model.onnx', 'AZURE_BLOB', 'SINGLE_FILE'],
  ])('fromUri(%s) is %s / %s', (uri, storage, layout) => {
    const a = ModelArtifact.fromUri(uri);
    expect(a.storage).toBe(storage);
    expect(a.layout).toBe(layout);
    expect(a.signature).toBeUndefined();
  });

  test('fromUri splits bucket and key', () => {
    expect(ModelArtifact.fromUri('s3://models-bucket/fraud/1/model.onnx').location).toEqual({ bucket: 'models-bucket', key: 'fraud/1/model.onnx' });
    expect(ModelArtifact.fromUri('https://mlstore01.blob.core.windows.net/models/a/model.onnx').location).toEqual({ account: 'mlstore01', bucket: 'models', key: 'a/model.onnx' });
  });

  test.each([
    ['http://example.com/model.onnx', /not a model location this library understands/],
    ['s3://Bad_Bucket/model.onnx', /not a model location/],
    ['https://account.blob.core.windows.net.evil.com/c/model.onnx', /not a model location/],
    ['s3://models-bucket/fraud/model.pt', /must end in "\.onnx" .*"\/" .*"\.tar\.gz"/],
  ])('fromUri(%s) is refused', (uri, message) => {
    expect(() => ModelArtifact.fromUri(uri)).toThrow(message);
  });
});
