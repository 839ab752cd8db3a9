/** Typed view of scripts/backends.json, the one backend registry (see lib/README.md, "Add a backend"). */
import registry from './backends.json';

export interface HandlerBuild {
  /** esbuild target: the Node.js runtime the platform runs the handlers on. */
  readonly target: string;
  /** What that runtime already provides. */
  readonly external: readonly string[];
  /** A package.json written next to each bundle (Cloud Functions needs one). */
  readonly packageJson?: Record<string, unknown>;
  readonly why: string;
}

/** An app `npm run synth` builds: `build(outdir)` in `main`, written as `format` to `output`. */
export interface RegisteredExample {
  readonly main: string;
  readonly build: string;
  readonly format: 'cloudformation' | 'terraform' | 'yaml';
  readonly output: string;
}

export interface RegisteredBackend {
  /** Folder under constructs/ and the subpath name. */
  readonly id: string;
  readonly toolkit: 'aws-cdk-lib' | 'cdktf' | 'cdk8s';
  /** The package.json export, e.g. `./aws`. */
  readonly subpath: string;
  /** Names of the BackendCapabilities constants in constructs/<id>/capabilities.ts, in field-table order. */
  readonly capabilities: readonly string[];
  /** How constructs/<id>/<name>/handler.ts bundles are built; absent when the backend deploys no functions. */
  readonly handlers?: HandlerBuild;
  /** The example app `npm run synth` builds. */
  readonly example: RegisteredExample;
  /** The seeds' multi-model platform (examples/platform/, from models.ts) on this backend, also built by `npm run synth`. */
  readonly platform?: RegisteredExample;
  /** The conformance adapter file (exports `adapters`). */
  readonly conformanceAdapter: string;
}

export const BACKENDS: readonly RegisteredBackend[] = registry.backends as readonly RegisteredBackend[];
