/**
 * The three models standing in for the seeds' multi-model platform (issues 19 and 20): a tree ensemble
 * ("fraud", ai.onnx.ml TreeEnsembleRegressor), a small CNN ("cnn", conv + pool + dense) and a small
 * transformer encoder ("sentiment", embedding + multi-head attention + layer norm). Random, deterministic
 * weights: they exercise the same operators and shapes as real models, not their accuracy. Every model
 * has a dynamic batch dimension.
 *
 *   npx tsx scripts/generate-models.ts          writes them under examples/platform-models/
 *   python3 scripts/platform-reference.py        recomputes runtime/test/fixtures/platform-models.expected.json
 */
import { join } from 'node:path';
import { buildModel, seededFloats, type Initializer, type NodeSpec } from './onnx-builder';

export const PLATFORM_MODELS_DIR = join(__dirname, '..', 'examples', 'platform-models');
export const PLATFORM_FIXTURE_DIR = join(__dirname, '..', 'runtime', 'test', 'fixtures');

export const FRAUD = { features: 16, trees: 24, depth: 3 } as const;
export const CNN = { size: 28, channels: [8, 16], classes: 10 } as const;
export const SENTIMENT = { vocabulary: 512, sequence: 16, width: 32, heads: 4, ffn: 64, layers: 2, classes: 2 } as const;

/** Deterministic integers in [0, n). */
function seededInts(seed: number, count: number, n: number): number[] {
  return Array.from(seededFloats(seed, count, 1), (v) => Math.min(n - 1, Math.floor(((v + 1) / 2) * n)));
}

/**
 * features FP32 [batch, 16] -> TreeEnsembleRegressor (24 full trees of depth 3, BRANCH_LEQ, SUM of leaf
 * log-odds plus a base value) -> Sigmoid -> probability FP32 [batch, 1] (of fraud) and label INT64 [batch, 1]
 * (1 when the probability is above 0.5).
 *
 * A regressor and not TreeEnsembleClassifier: for two classes the ONNX operator text says only "returns the
 * top class", and onnxruntime's binary path (core/providers/cpu/ml/tree_ensemble_aggregator.h,
 * _set_score_binary) labels class 1 whenever its score is positive, whatever class 0 scored; a sum of
 * log-odds and an explicit Sigmoid and Greater mean the same thing in the specification and in onnxruntime.
 */
export function fraudModel(): Uint8Array {
  const { features, trees, depth } = FRAUD;
  const branches = 2 ** depth - 1;
  const nodes = 2 ** (depth + 1) - 1;
  const featureOf = seededInts(190001, trees * branches, features);
  const threshold = seededFloats(190002, trees * branches, 0.8);
  const leaf = seededFloats(190003, trees * (nodes - branches), 0.5);
  const a = {
    nodes_treeids: [] as number[], nodes_nodeids: [] as number[], nodes_featureids: [] as number[], nodes_values: [] as number[],
    nodes_modes: [] as string[], nodes_truenodeids: [] as number[], nodes_falsenodeids: [] as number[],
    target_treeids: [] as number[], target_nodeids: [] as number[], target_ids: [] as number[], target_weights: [] as number[],
  };
  for (let t = 0; t < trees; t++) {
    for (let n = 0; n < nodes; n++) {
      const isLeaf = n >= branches;
      a.nodes_treeids.push(t);
      a.nodes_nodeids.push(n);
      a.nodes_featureids.push(isLeaf ? 0 : featureOf[t * branches + n]!);
      a.nodes_values.push(isLeaf ? 0 : threshold[t * branches + n]!);
      a.nodes_modes.push(isLeaf ? 'LEAF' : 'BRANCH_LEQ');
      a.nodes_truenodeids.push(isLeaf ? 0 : 2 * n + 1);
      a.nodes_falsenodeids.push(isLeaf ? 0 : 2 * n + 2);
      if (isLeaf) {
        a.target_treeids.push(t);
        a.target_nodeids.push(n);
        a.target_ids.push(0);
        a.target_weights.push(leaf[t * (nodes - branches) + n - branches]!);
      }
    }
  }
  return buildModel({
    name: 'fraud',
    extraOpsets: { 'ai.onnx.ml': 3 },
    inputs: [{ name: 'features', type: 'FLOAT', shape: ['batch', features] }],
    outputs: [
      { name: 'probability', type: 'FLOAT', shape: ['batch', 1] },
      { name: 'label', type: 'INT64', shape: ['batch', 1] },
    ],
    nodes: [
      {
        op: 'TreeEnsembleRegressor',
        domain: 'ai.onnx.ml',
        inputs: ['features'],
        outputs: ['log_odds'],
        attributes: { ...a, n_targets: 1, aggregate_function: 'SUM', post_transform: 'NONE', base_values: [-0.5] },
        floatAttributes: ['nodes_values', 'target_weights', 'base_values'],
      },
      { op: 'Sigmoid', inputs: ['log_odds'], outputs: ['probability'] },
      { op: 'Greater', inputs: ['probability', 'half'], outputs: ['is_fraud'] },
      { op: 'Cast', inputs: ['is_fraud'], outputs: ['label'], attributes: { to: 7 } },
    ],
    initializers: [{ name: 'half', dims: [], data: [0.5] }],
  });
}

/**
 * image FP32 [batch, 1, 28, 28] -> Conv 3x3 (8) -> Relu -> MaxPool 2 -> Conv 3x3 (16) -> Relu -> MaxPool 2
 * -> Flatten -> Gemm (784 -> 10) -> probabilities FP32 [batch, 10] (Softmax) and label INT64 [batch] (ArgMax).
 */
export function cnnModel(): Uint8Array {
  const [c1, c2] = CNN.channels;
  const flat = c2 * (CNN.size / 4) ** 2;
  const inits: Initializer[] = [
    { name: 'conv1_w', dims: [c1, 1, 3, 3], data: seededFloats(200001, c1 * 9, Math.sqrt(6 / 9)) },
    { name: 'conv1_b', dims: [c1], data: seededFloats(200002, c1, 0.1) },
    { name: 'conv2_w', dims: [c2, c1, 3, 3], data: seededFloats(200003, c2 * c1 * 9, Math.sqrt(6 / (c1 * 9))) },
    { name: 'conv2_b', dims: [c2], data: seededFloats(200004, c2, 0.1) },
    { name: 'fc_w', dims: [flat, CNN.classes], data: seededFloats(200005, flat * CNN.classes, Math.sqrt(6 / (flat + CNN.classes))) },
    { name: 'fc_b', dims: [CNN.classes], data: seededFloats(200006, CNN.classes, 0.1) },
  ];
  const pool = { kernel_shape: [2, 2], strides: [2, 2] };
  const conv = { kernel_shape: [3, 3], pads: [1, 1, 1, 1] };
  return buildModel({
    name: 'cnn',
    inputs: [{ name: 'image', type: 'FLOAT', shape: ['batch', 1, CNN.size, CNN.size] }],
    outputs: [
      { name: 'probabilities', type: 'FLOAT', shape: ['batch', CNN.classes] },
      { name: 'label', type: 'INT64', shape: ['batch'] },
    ],
    nodes: [
      { op: 'Conv', inputs: ['image', 'conv1_w', 'conv1_b'], outputs: ['c1'], attributes: conv },
      { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
      { op: 'MaxPool', inputs: ['r1'], outputs: ['p1'], attributes: pool },
      { op: 'Conv', inputs: ['p1', 'conv2_w', 'conv2_b'], outputs: ['c2'], attributes: conv },
      { op: 'Relu', inputs: ['c2'], outputs: ['r2'] },
      { op: 'MaxPool', inputs: ['r2'], outputs: ['p2'], attributes: pool },
      { op: 'Flatten', inputs: ['p2'], outputs: ['flat'], attributes: { axis: 1 } },
      { op: 'Gemm', inputs: ['flat', 'fc_w', 'fc_b'], outputs: ['logits'] },
      { op: 'Softmax', inputs: ['logits'], outputs: ['probabilities'], attributes: { axis: 1 } },
      { op: 'ArgMax', inputs: ['logits'], outputs: ['label'], attributes: { axis: 1, keepdims: 0 } },
    ],
    initializers: inits,
  });
}

/**
 * tokens INT64 [batch, 16] (ids below 512) -> token + position embedding -> 2 post-norm encoder layers
 * (4-head self-attention, residual, LayerNormalization; feed-forward 32 -> 64 -> 32 with Relu, residual,
 * LayerNormalization) -> mean over the sequence -> Gemm (32 -> 2) -> probabilities FP32 [batch, 2] (Softmax)
 * and label INT64 [batch] (ArgMax).
 */
export function sentimentModel(): Uint8Array {
  const { vocabulary, sequence, width, heads, ffn, layers, classes } = SENTIMENT;
  const head = width / heads;
  const nodes: NodeSpec[] = [];
  const inits: Initializer[] = [
    { name: 'token_embedding', dims: [vocabulary, width], data: seededFloats(210001, vocabulary * width, 1) },
    { name: 'position_embedding', dims: [sequence, width], data: seededFloats(210002, sequence * width, 0.5) },
    { name: 'split_heads', dims: [4], data: [0, sequence, heads, head], int64: true },
    { name: 'merge_heads', dims: [3], data: [0, sequence, width], int64: true },
    { name: 'scale', dims: [], data: [1 / Math.sqrt(head)] },
    { name: 'cls_w', dims: [width, classes], data: seededFloats(210003, width * classes, Math.sqrt(6 / (width + classes))) },
    { name: 'cls_b', dims: [classes], data: seededFloats(210004, classes, 0.1) },
  ];
  nodes.push({ op: 'Gather', inputs: ['token_embedding', 'tokens'], outputs: ['tok'], attributes: { axis: 0 } });
  nodes.push({ op: 'Add', inputs: ['tok', 'position_embedding'], outputs: ['x0'] });
  const dense = (name: string, rows: number, cols: number, seed: number) =>
    inits.push({ name, dims: [rows, cols], data: seededFloats(seed, rows * cols, Math.sqrt(6 / (rows + cols))) });
  const norm = (name: string, seed: number) => {
    inits.push({ name: `${name}_g`, dims: [width], data: Array.from(seededFloats(seed, width, 0.1), (v) => 1 + v) });
    inits.push({ name: `${name}_b`, dims: [width], data: seededFloats(seed + 1, width, 0.1) });
  };
  for (let l = 0; l < layers; l++) {
    const s = 211000 + l * 100;
    const x = `x${l}`;
    const p = (n: string) => `l${l}_${n}`;
    for (const [i, m] of ['q', 'k', 'v', 'o'].entries()) dense(p(`w${m}`), width, width, s + i);
    dense(p('ffn1_w'), width, ffn, s + 10);
    inits.push({ name: p('ffn1_b'), dims: [ffn], data: seededFloats(s + 11, ffn, 0.1) });
    dense(p('ffn2_w'), ffn, width, s + 12);
    norm(p('ln1'), s + 20);
    norm(p('ln2'), s + 30);
    for (const m of ['q', 'k', 'v']) {
      nodes.push({ op: 'MatMul', inputs: [x, p(`w${m}`)], outputs: [p(m)] });
      nodes.push({ op: 'Reshape', inputs: [p(m), 'split_heads'], outputs: [p(`${m}4`)] });
      // q, v -> [batch, heads, seq, head]; k -> [batch, heads, head, seq] (already transposed for q k^T)
      nodes.push({ op: 'Transpose', inputs: [p(`${m}4`)], outputs: [p(`${m}h`)], attributes: { perm: m === 'k' ? [0, 2, 3, 1] : [0, 2, 1, 3] } });
    }
    nodes.push({ op: 'MatMul', inputs: [p('qh'), p('kh')], outputs: [p('scores')] });
    nodes.push({ op: 'Mul', inputs: [p('scores'), 'scale'], outputs: [p('scaled')] });
    nodes.push({ op: 'Softmax', inputs: [p('scaled')], outputs: [p('attn')], attributes: { axis: -1 } });
    nodes.push({ op: 'MatMul', inputs: [p('attn'), p('vh')], outputs: [p('ctx')] });
    nodes.push({ op: 'Transpose', inputs: [p('ctx')], outputs: [p('ctx_t')], attributes: { perm: [0, 2, 1, 3] } });
    nodes.push({ op: 'Reshape', inputs: [p('ctx_t'), 'merge_heads'], outputs: [p('merged')] });
    nodes.push({ op: 'MatMul', inputs: [p('merged'), p('wo')], outputs: [p('proj')] });
    nodes.push({ op: 'Add', inputs: [x, p('proj')], outputs: [p('res1')] });
    nodes.push({ op: 'LayerNormalization', inputs: [p('res1'), p('ln1_g'), p('ln1_b')], outputs: [p('h1')], attributes: { axis: -1, epsilon: 1e-5 }, floatAttributes: ['epsilon'] });
    nodes.push({ op: 'MatMul', inputs: [p('h1'), p('ffn1_w')], outputs: [p('f1')] });
    nodes.push({ op: 'Add', inputs: [p('f1'), p('ffn1_b')], outputs: [p('f1b')] });
    nodes.push({ op: 'Relu', inputs: [p('f1b')], outputs: [p('f1r')] });
    nodes.push({ op: 'MatMul', inputs: [p('f1r'), p('ffn2_w')], outputs: [p('f2')] });
    nodes.push({ op: 'Add', inputs: [p('h1'), p('f2')], outputs: [p('res2')] });
    nodes.push({ op: 'LayerNormalization', inputs: [p('res2'), p('ln2_g'), p('ln2_b')], outputs: [`x${l + 1}`], attributes: { axis: -1, epsilon: 1e-5 }, floatAttributes: ['epsilon'] });
  }
  nodes.push({ op: 'ReduceMean', inputs: [`x${layers}`], outputs: ['pooled'], attributes: { axes: [1], keepdims: 0 } });
  nodes.push({ op: 'Gemm', inputs: ['pooled', 'cls_w', 'cls_b'], outputs: ['logits'] });
  nodes.push({ op: 'Softmax', inputs: ['logits'], outputs: ['probabilities'], attributes: { axis: 1 } });
  nodes.push({ op: 'ArgMax', inputs: ['logits'], outputs: ['label'], attributes: { axis: 1, keepdims: 0 } });
  return buildModel({
    name: 'sentiment',
    inputs: [{ name: 'tokens', type: 'INT64', shape: ['batch', sequence] }],
    outputs: [
      { name: 'probabilities', type: 'FLOAT', shape: ['batch', classes] },
      { name: 'label', type: 'INT64', shape: ['batch'] },
    ],
    nodes,
    initializers: inits,
  });
}

export const PLATFORM_MODELS: Readonly<Record<'fraud' | 'cnn' | 'sentiment', () => Uint8Array>> = {
  fraud: fraudModel,
  cnn: cnnModel,
  sentiment: sentimentModel,
};

/**
 * The fraud model's fallback answer (fallback.json next to model.onnx: the server answers from it, one row per
 * request row, while the model's circuit breaker is open; runtime/src/breaker.ts readFallback). An OIP response
 * with the model's own outputs: probability 0.5 and label 0. Why: 0.5 is "no information" (the trees' sum of
 * log-odds at 0), not a claim that the payment is safe (probability 0 would be one), so a caller that thresholds
 * the score lower than the model does flags it for review; label 0 is what the model itself says at exactly 0.5
 * (label 1 only above it), so a caller that reads the label alone lets payments through instead of blocking all
 * of them during a model outage. Every fallback answer also carries the `x-model-server-fallback: true` header
 * (runtime/src/core.ts FALLBACK_HEADER): callers that must not fail open check it and hold the payment.
 */
export function fraudFallback(): { outputs: { name: string; datatype: string; shape: number[]; data: number[] }[] } {
  return {
    outputs: [
      { name: 'probability', datatype: 'FP32', shape: [1, 1], data: [0.5] },
      { name: 'label', datatype: 'INT64', shape: [1, 1], data: [0] },
    ],
  };
}

/** fallback.json of the platform models that have one (written next to model.onnx by scripts/generate-models.ts). */
export const PLATFORM_FALLBACKS: Readonly<Partial<Record<keyof typeof PLATFORM_MODELS, () => object>>> = {
  fraud: fraudFallback,
};

export interface SampleInput {
  readonly name: string;
  readonly datatype: 'FP32' | 'INT64';
  readonly shape: readonly number[];
  readonly data: readonly number[];
}

/** The requests the tests send and the reference script evaluates: a few rows each, deterministic. */
export function platformSamples(): Record<keyof typeof PLATFORM_MODELS, SampleInput> {
  const round = (xs: ArrayLike<number>) => Array.from(xs, (v) => Math.round(v * 1000) / 1000);
  return {
    fraud: { name: 'features', datatype: 'FP32', shape: [4, FRAUD.features], data: round(seededFloats(220001, 4 * FRAUD.features, 1)) },
    cnn: { name: 'image', datatype: 'FP32', shape: [2, 1, CNN.size, CNN.size], data: round(Array.from(seededFloats(220002, 2 * CNN.size ** 2, 1), (v) => (v + 1) / 2)) },
    sentiment: { name: 'tokens', datatype: 'INT64', shape: [3, SENTIMENT.sequence], data: seededInts(220003, 3 * SENTIMENT.sequence, SENTIMENT.vocabulary) },
  };
}
