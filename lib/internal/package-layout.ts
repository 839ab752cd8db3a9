import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/**
 * Where this package's shipped files are, wherever it runs from: the source tree (`lib/` run by tsx or
 * jest), the compiled tree (`dist/lib/`), or an installed copy (`node_modules/model-serving-constructs`).
 * Backends find the server's Dockerfiles and the pre-bundled function handlers through here, never
 * through paths relative to their own file.
 *
 * Internal: not exported from the package's index.
 */

export const PACKAGE_NAME = 'model-serving-constructs';

let cachedRoot: string | undefined;

/** The folder holding this package's package.json. */
export function packageRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME) {
          cachedRoot = dir;
          return dir;
        }
      } catch {
        // Not ours or unreadable: keep walking up.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`${PACKAGE_NAME}: cannot find this package's package.json above ${__dirname}`);
    dir = parent;
  }
}

/** Files the bundled server image needs, relative to the runtime folder. */
export const RUNTIME_FILES = {
  cpuDockerfile: 'Dockerfile',
  gpuDockerfile: 'Dockerfile.gpu',
  serverBundle: join('dist', 'main.js'),
  workerBundle: join('dist', 'worker.js'),
  /** What both Dockerfiles install with `npm ci` (scripts/image-lockfile.mjs writes the lockfile). */
  imageManifest: join('image', 'package.json'),
  imageLockfile: join('image', 'package-lock.json'),
} as const;

/**
 * The folder a backend hands to its image builder as the bundled server's build context, checked to
 * hold the Dockerfile it will use and the server bundle. Throws naming the missing file and the command
 * that builds it (instead of a builder's generic "cannot find image directory").
 */
export function runtimeDirectory(gpu: boolean): string {
  const dir = join(packageRoot(), 'runtime');
  const needed = [
    gpu ? RUNTIME_FILES.gpuDockerfile : RUNTIME_FILES.cpuDockerfile,
    RUNTIME_FILES.serverBundle,
    RUNTIME_FILES.workerBundle,
    RUNTIME_FILES.imageManifest,
    RUNTIME_FILES.imageLockfile,
  ];
  const missing = needed.filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) {
    throw new Error(
      `ServingImage.bundled(): the bundled model server is not built: ${missing.map((f) => relative(process.cwd(), join(dir, f)) || f).join(', ')} ` +
        `not found. In a clone of ${PACKAGE_NAME}, run \`npm run build -w runtime\`; an installed package ships these files, ` +
        'so reinstall it if they are gone, or pass ServingImage.fromRegistry(uri) with an image your CI built.',
    );
  }
  return dir;
}

/**
 * The folder holding one pre-bundled function handler (`index.js`), built by `npm run build` from
 * `constructs/<target>/<name>/handler.ts` (scripts/build-handlers.mjs). Throws naming the missing file and
 * the command that builds it.
 */
export function handlerBundleDirectory(target: string, name: string): string {
  const dir = join(packageRoot(), 'dist', 'handlers', target, name);
  const entry = join(dir, 'index.js');
  if (!existsSync(entry)) {
    throw new Error(
      `The ${target} function "${name}" is not bundled: ${relative(process.cwd(), entry) || entry} not found. ` +
        `In a clone of ${PACKAGE_NAME}, run \`npm run build:handlers\` (part of \`npm run build\`); ` +
        'an installed package ships it, so reinstall the package if it is gone.',
    );
  }
  return dir;
}
