/**
 * Writes the demo model the examples serve, and the platform trio (scripts/platform-models.ts) with the
 * sample requests their reference outputs are computed from (scripts/platform-reference.py). Deterministic: running it again writes the same bytes, and
 * `npm test` checks that the committed file matches.
 *
 *   npx tsx scripts/generate-models.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { mlpClassifier } from './onnx-builder';
import { PLATFORM_FALLBACKS, PLATFORM_FIXTURE_DIR, PLATFORM_MODELS, PLATFORM_MODELS_DIR, platformSamples } from './platform-models';

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
  for (const [name, build] of Object.entries(PLATFORM_MODELS)) {
    const path = join(PLATFORM_MODELS_DIR, name, '1', 'model.onnx');
    mkdirSync(dirname(path), { recursive: true });
    const model = build();
    writeFileSync(path, model);
    console.log(`wrote ${path} (${model.length} bytes)`);
    const fallback = PLATFORM_FALLBACKS[name as keyof typeof PLATFORM_MODELS];
    if (fallback) {
      const fallbackPath = join(dirname(path), 'fallback.json');
      writeFileSync(fallbackPath, `${JSON.stringify(fallback(), null, 2)}\n`);
      console.log(`wrote ${fallbackPath}`);
    }
  }
  mkdirSync(PLATFORM_FIXTURE_DIR, { recursive: true });
  writeFileSync(join(PLATFORM_FIXTURE_DIR, 'platform-models.inputs.json'), `${JSON.stringify(platformSamples())}\n`);
}
