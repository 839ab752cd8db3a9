// Bundles the server (and lib/contract.ts) into dist/main.js and the inference worker into dist/worker.js.
// onnxruntime-node stays external: its native addon cannot be bundled.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
await build({
  entryPoints: { main: join(here, 'src/main.ts'), worker: join(here, 'src/worker.ts') },
  outdir: join(here, 'dist'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['onnxruntime-node'],
  // The gRPC service's .proto travels inside the bundle: the image copies only dist/.
  loader: { '.proto': 'text' },
  sourcemap: true,
  legalComments: 'none',
  // dist/main.js is the package's `model-server` bin; node ignores the line in the worker.
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
