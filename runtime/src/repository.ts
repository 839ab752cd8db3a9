/**
 * Finds the models to serve. Layouts understood (checked in this order):
 *
 * - a file `model.onnx` (or exactly one `*.onnx`) directly in the folder: one model (SageMaker, KServe);
 * - sub-folders holding `model.onnx`: the folder is one model, each sub-folder a version;
 * - `<model>/<version>/model.onnx`: a repository of models and versions;
 * - otherwise, a folder with a single sub-folder is descended into (Azure ML mounts the registered model
 *   one level down).
 *
 * A single model takes its name and version from MODEL_SERVER_MODEL_NAME / _VERSION when set.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { NotFound } from './errors';
import type { ModelLocation, ModelRuntime } from './model';

export class ModelDiscoveryError extends Error {}

function subdirs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'golden' && e.name !== 'warmup')
    .map((e) => e.name)
    .sort();
}

function onnxFile(dir: string): string | undefined {
  if (existsSync(join(dir, 'model.onnx'))) return join(dir, 'model.onnx');
  const files = readdirSync(dir).filter((f) => f.endsWith('.onnx'));
  return files.length === 1 ? join(dir, files[0]!) : undefined;
}

export function compareVersions(a: string, b: string): number {
  const na = /^\d+$/.test(a);
  const nb = /^\d+$/.test(b);
  if (na && nb) return Number(a) - Number(b);
  if (na !== nb) return na ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface DiscoveryNames {
  readonly modelName: string;
  readonly modelVersion: string;
}

export function discoverModels(source: { file?: string; directory?: string }, names: DiscoveryNames): ModelLocation[] {
  if (source.file !== undefined) {
    if (!existsSync(source.file) || !statSync(source.file).isFile()) throw new ModelDiscoveryError(`--model ${source.file}: no such file`);
    return [{
      name: names.modelName || basename(source.file).replace(/\.onnx$/, '') || 'model',
      version: names.modelVersion || '1',
      modelPath: source.file,
      goldenDir: join(dirname(source.file), 'golden'),
    }];
  }
  const root = source.directory!;
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new ModelDiscoveryError(`model directory ${root} does not exist`);
  const found = scan(root, 0);
  if (found.length === 0) {
    throw new ModelDiscoveryError(
      `no model found in ${root}: expected model.onnx there, <version>/model.onnx or <model>/<version>/model.onnx`,
    );
  }
  const models = new Set(found.map((m) => m.name));
  return found.map((m) => ({
    ...m,
    name: models.size === 1 && names.modelName ? names.modelName : m.name,
    version: found.length === 1 && names.modelVersion ? names.modelVersion : m.version,
  }));
}

function scan(dir: string, depth: number): ModelLocation[] {
  const single = onnxFile(dir);
  if (single) return [{ name: 'model', version: '1', modelPath: single, goldenDir: join(dir, 'golden') }];
  const subs = subdirs(dir);
  const versions = subs.filter((s) => existsSync(join(dir, s, 'model.onnx')));
  if (versions.length > 0) {
    return versions.map((v) => ({ name: basename(dir), version: v, modelPath: join(dir, v, 'model.onnx'), goldenDir: join(dir, v, 'golden') }));
  }
  const repo: ModelLocation[] = [];
  for (const model of subs) {
    for (const v of subdirs(join(dir, model))) {
      const path = join(dir, model, v, 'model.onnx');
      if (existsSync(path)) repo.push({ name: model, version: v, modelPath: path, goldenDir: join(dir, model, v, 'golden') });
    }
  }
  if (repo.length > 0) return repo;
  if (subs.length === 1 && depth < 3) return scan(join(dir, subs[0]!), depth + 1);
  return [];
}

/** The served models, by name, versions sorted ascending (the highest is the default). */
export class ModelRepository {
  private readonly byName = new Map<string, ModelRuntime[]>();

  constructor(runtimes: readonly ModelRuntime[]) {
    for (const r of runtimes) {
      const list = this.byName.get(r.name) ?? [];
      list.push(r);
      this.byName.set(r.name, list);
    }
    for (const list of this.byName.values()) list.sort((a, b) => compareVersions(a.version, b.version));
  }

  get all(): ModelRuntime[] {
    return [...this.byName.values()].flat();
  }

  get names(): string[] {
    return [...this.byName.keys()].sort();
  }

  versions(name: string): string[] {
    return (this.byName.get(name) ?? []).map((r) => r.version);
  }

  resolve(name: string, version?: string): ModelRuntime {
    const list = this.byName.get(name);
    if (!list) throw new NotFound(`unknown model '${name}'; served models: ${this.names.join(', ')}`);
    if (version === undefined) return list[list.length - 1]!;
    if (version === '') throw new NotFound(`model '${name}': the version in the URL is empty; versions: ${list.map((m) => m.version).join(', ')}, or leave out /versions/ for the default`);
    const r = list.find((m) => m.version === version);
    if (!r) throw new NotFound(`model '${name}' has no version '${version}'; versions: ${list.map((m) => m.version).join(', ')}`);
    return r;
  }

  /** The model the single-model routes (SageMaker, Vertex, Azure ML) serve. */
  defaultModel(preferred: string): ModelRuntime {
    if (preferred && this.byName.has(preferred)) return this.resolve(preferred);
    if (this.byName.size === 1) return this.resolve(this.names[0]!);
    throw new NotFound(
      `several models are served (${this.names.join(', ')}); use /v2/models/{model}/infer or set MODEL_SERVER_MODEL_NAME`,
    );
  }

  get ready(): boolean {
    return this.all.every((r) => r.state === 'READY');
  }
}
