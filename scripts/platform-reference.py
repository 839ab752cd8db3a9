#!/usr/bin/env python3
"""Reference outputs for the platform trio (scripts/platform-models.ts), computed outside onnxruntime.

Each model file is parsed by the `onnx` package (Debian: apt-get install python3-onnx), checked with
onnx.checker.check_model(full_check=True) (the ONNX project's own checker and strict shape inference), then
evaluated node by node in float64 with numpy, each operator written from its ONNX specification
(https://onnx.ai/onnx/operators/, opset 17, and ai.onnx.ml opset 3). Debian's onnx 1.12 predates
onnx.reference.ReferenceEvaluator (onnx 1.13), hence this small evaluator. The sample requests come from
runtime/test/fixtures/platform-models.inputs.json (written by scripts/generate-models.ts); the answers go to
runtime/test/fixtures/platform-models.expected.json, which runtime/test/platform-models.test.ts compares with
what the server answers.

    npx tsx scripts/generate-models.ts && python3 scripts/platform-reference.py
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
MODELS = os.path.join(ROOT, 'examples', 'platform-models')
FIXTURES = os.path.join(ROOT, 'runtime', 'test', 'fixtures')


def attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def conv(x, w, b, pads):
    # Conv with unit strides and dilations, group 1: y[n, m, i, j] = b[m] + sum_c,ki,kj x[n, c, i+ki, j+kj] w[m, c, ki, kj]
    top, left, bottom, right = pads
    x = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    n, c, h, wd = x.shape
    m, _, kh, kw = w.shape
    oh, ow = h - kh + 1, wd - kw + 1
    y = np.zeros((n, m, oh, ow))
    for ki in range(kh):
        for kj in range(kw):
            patch = x[:, :, ki:ki + oh, kj:kj + ow]
            y += np.einsum('nchw,mc->nmhw', patch, w[:, :, ki, kj])
    return y + b.reshape(1, m, 1, 1)


def max_pool(x, kernel, strides):
    n, c, h, w = x.shape
    oh, ow = (h - kernel[0]) // strides[0] + 1, (w - kernel[1]) // strides[1] + 1
    y = np.full((n, c, oh, ow), -np.inf)
    for ki in range(kernel[0]):
        for kj in range(kernel[1]):
            y = np.maximum(y, x[:, :, ki:ki + strides[0] * oh:strides[0], kj:kj + strides[1] * ow:strides[1]])
    return y


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def layer_norm(x, scale, bias, axis, epsilon):
    mean = x.mean(axis=axis, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axis, keepdims=True)
    return (x - mean) / np.sqrt(var + epsilon) * scale + bias


def tree_ensemble_regressor(x, a):
    # One target; nodes addressed by (tree id, node id); BRANCH_LEQ goes to the true node when x <= value.
    node = {}
    for i, (t, n) in enumerate(zip(a['nodes_treeids'], a['nodes_nodeids'])):
        node[(t, n)] = i
    weight = {}
    for t, n, target, w in zip(a['target_treeids'], a['target_nodeids'], a['target_ids'], a['target_weights']):
        assert target == 0
        weight[(t, n)] = weight.get((t, n), 0.0) + w
    trees = sorted(set(a['nodes_treeids']))
    modes = [m.decode() if isinstance(m, bytes) else m for m in a['nodes_modes']]
    assert a.get('aggregate_function', b'SUM') in (b'SUM', 'SUM') and a.get('post_transform', b'NONE') in (b'NONE', 'NONE')
    out = np.zeros((x.shape[0], 1))
    for r, row in enumerate(x):
        total = 0.0
        for t in trees:
            n = 0
            while modes[node[(t, n)]] != 'LEAF':
                i = node[(t, n)]
                assert modes[i] == 'BRANCH_LEQ'
                n = a['nodes_truenodeids'][i] if row[a['nodes_featureids'][i]] <= a['nodes_values'][i] else a['nodes_falsenodeids'][i]
            total += weight[(t, n)]
        out[r, 0] = total + sum(a.get('base_values', [0.0]))
    return out


def run(model, feeds):
    env = {i.name: numpy_helper.to_array(i).astype(np.float64) if i.data_type == onnx.TensorProto.FLOAT else numpy_helper.to_array(i)
           for i in model.graph.initializer}
    env.update(feeds)
    for node in model.graph.node:
        a = attrs(node)
        x = [env[i] for i in node.input]
        op = node.op_type
        if op == 'Gemm':
            y = x[0] @ x[1] + x[2]
        elif op == 'MatMul':
            y = np.matmul(x[0], x[1])
        elif op == 'Add':
            y = x[0] + x[1]
        elif op == 'Mul':
            y = x[0] * x[1]
        elif op == 'Relu':
            y = np.maximum(x[0], 0)
        elif op == 'Sigmoid':
            y = 1 / (1 + np.exp(-x[0]))
        elif op == 'Greater':
            y = x[0] > x[1]
        elif op == 'Cast':
            assert a['to'] == onnx.TensorProto.INT64
            y = x[0].astype(np.int64)
        elif op == 'Softmax':
            y = softmax(x[0], a.get('axis', -1))
        elif op == 'ArgMax':
            y = np.argmax(x[0], axis=a['axis'])
            if a.get('keepdims', 1):
                y = np.expand_dims(y, a['axis'])
        elif op == 'Conv':
            assert a.get('strides', [1, 1]) == [1, 1] and a.get('group', 1) == 1
            y = conv(x[0], x[1], x[2], a['pads'])
        elif op == 'MaxPool':
            y = max_pool(x[0], a['kernel_shape'], a['strides'])
        elif op == 'Flatten':
            y = x[0].reshape(int(np.prod(x[0].shape[:a['axis']])), -1)
        elif op == 'Gather':
            assert a.get('axis', 0) == 0
            y = x[0][x[1]]
        elif op == 'Reshape':
            shape = [x[0].shape[i] if d == 0 else int(d) for i, d in enumerate(x[1])]
            y = x[0].reshape(shape)
        elif op == 'Transpose':
            y = np.transpose(x[0], a['perm'])
        elif op == 'LayerNormalization':
            y = layer_norm(x[0], x[1], x[2], a['axis'], a['epsilon'])
        elif op == 'ReduceMean':
            y = x[0].mean(axis=tuple(a['axes']), keepdims=bool(a.get('keepdims', 1)))
        elif op == 'TreeEnsembleRegressor':
            y = tree_ensemble_regressor(x[0], a)
        else:
            raise NotImplementedError(op)
        env[node.output[0]] = y
    return {o.name: env[o.name] for o in model.graph.output}


def main():
    with open(os.path.join(FIXTURES, 'platform-models.inputs.json')) as f:
        samples = json.load(f)
    expected = {}
    for name, sample in samples.items():
        model = onnx.load(os.path.join(MODELS, name, '1', 'model.onnx'))
        onnx.checker.check_model(model, full_check=True)
        dtype = np.int64 if sample['datatype'] == 'INT64' else np.float64
        # FP32 inputs: the server feeds float32, so round them the same way before computing in float64.
        data = np.array(sample['data'], dtype=np.float32).astype(np.float64) if dtype is np.float64 else np.array(sample['data'], dtype=dtype)
        outputs = run(model, {sample['name']: data.reshape(sample['shape'])})
        expected[name] = {
            k: {'shape': list(v.shape), 'data': [int(e) if v.dtype.kind in 'iub' else float(e) for e in v.reshape(-1)]}
            for k, v in outputs.items()
        }
    path = os.path.join(FIXTURES, 'platform-models.expected.json')
    with open(path, 'w') as f:
        f.write(json.dumps(expected, indent=None, sort_keys=True) + '\n')
    print(f'wrote {path} (onnx {onnx.__version__}, numpy {np.__version__})', file=sys.stderr)


if __name__ == '__main__':
    main()
