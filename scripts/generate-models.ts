/**
 * Writes the demo model the examples serve. Deterministic: running it again writes the same bytes, and
 * `npm test` checks that the committed file matches.
 *
 *   npx tsx scripts/generate-models.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { mlpClassifier } from './onnx-builder';

export const DEMO_MODEL_NAME = 'digits-classifier';
export const DEMO_MODEL_PATH = join(__dirname, '..', 'examples', 'models', DEMO_MODEL_NAME, '1', 'model.onnx');

/** 784 features (a 28x28 image) -> 128 -> 64 -> 10 classes, dynamic batch. */
export function demoModel(): Uint8Array {
  return mlpClassifier({ name: DEMO_MODEL_NAME, features: 784, hidden: [128, 64], classes: 10, seed: 20261122 });
}

if (require.main === module) {
  mkdirSync(dirname(DEMO_MODEL_PATH), { recursive: true });
  const bytes = demoModel();
  writeFileSync(DEMO_MODEL_PATH, bytes);
  console.log(`wrote ${DEMO_MODEL_PATH} (${bytes.length} bytes)`);
}
