import { basename, resolve } from 'node:path';
import { ModelSignature } from './contract';
import { readOnnxSignature } from './onnx';
import { MAX_SUPPORTED_OPSET } from './contract';

/** Where a model artifact lives. */
export enum ArtifactStorage {
  LOCAL_FILE = 'LOCAL_FILE',
  S3 = 'S3',
  GCS = 'GCS',
  AZURE_BLOB = 'AZURE_BLOB',
}

/** How a remote URI is laid out. */
export enum ArtifactLayout {
  /** One `.onnx` object. */
  SINGLE_FILE = 'SINGLE_FILE',
  /** A prefix (ends in `/`) holding `model.onnx` and optional `golden/` files. */
  PREFIX = 'PREFIX',
  /** A `.tar.gz` archive (SageMaker `ModelDataUrl`). */
  ARCHIVE = 'ARCHIVE',
}

/** Where a remote artifact is, split into its parts. */
export interface ArtifactLocation {
  /** S3 or GCS bucket, or Azure Blob container. */
  readonly bucket: string;
  /** Object key or path inside the bucket. */
  readonly key: string;
  /** Azure storage account. @default - not Azure */
  readonly account?: string;
}

export interface UriArtifactOptions {
  /**
   * The model's signature, when you know it. It lets the server reject bad requests before inference
   * and check that the model it loads is the one you meant.
   * @default - unknown until the server loads the model
   */
  readonly signature?: ModelSignature;
}

const AZURE_BLOB = /^https:\/\/([a-z0-9]{3,24})\.blob\.core\.windows\.net\/([a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9]))\/(.+)$/;
const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/;
const GCS_URI = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])\/(.+)$/;

/**
 * The ONNX model to serve: a local file (uploaded by each backend as an asset) or an object that
 * already exists in cloud storage.
 */
export class ModelArtifact {
  /**
   * Reads an ONNX model's signature (opset; name, element type and shape of each input and output), e.g. to
   * pass with `ModelArtifact.fromUri(uri, { signature })` for the file you uploaded. Throws `OnnxModelError`
   * for a file that is not a valid model.
   */
  public static readSignature(file: string, maxOpset: number = MAX_SUPPORTED_OPSET): ModelSignature {
    return readOnnxSignature(file, maxOpset);
  }

  /**
   * A local `.onnx` file. It is parsed at synth time: a file that is not a valid ONNX model, or whose
   * opset the bundled onnxruntime cannot load, fails synthesis with the file's name in the message.
   */
  public static fromFile(path: string): ModelArtifact {
    const absolute = resolve(path);
    const signature = readOnnxSignature(absolute);
    return new ModelArtifact(ArtifactStorage.LOCAL_FILE, ArtifactLayout.SINGLE_FILE, absolute, undefined, signature);
  }

  /**
   * An existing object: `s3://bucket/key`, `gs://bucket/path` or
   * `https://<account>.blob.core.windows.net/<container>/<path>`. A URI ending in `.onnx` is one file, one
   * ending in `/` a prefix, one ending in `.tar.gz` an archive.
   */
  public static fromUri(uri: string, options: UriArtifactOptions = {}): ModelArtifact {
    let storage: ArtifactStorage;
    if (S3_URI.test(uri)) storage = ArtifactStorage.S3;
    else if (GCS_URI.test(uri)) storage = ArtifactStorage.GCS;
    else if (AZURE_BLOB.test(uri)) storage = ArtifactStorage.AZURE_BLOB;
    else {
      throw new Error(
        `ModelArtifact.fromUri(${JSON.stringify(uri)}): not a model location this library understands. Allowed: ` +
          '"s3://<bucket>/<key>", "gs://<bucket>/<path>" or "https://<account>.blob.core.windows.net/<container>/<path>". ' +
          'For a file on disk use ModelArtifact.fromFile(path).',
      );
    }
    let layout: ArtifactLayout;
    if (uri.endsWith('/')) layout = ArtifactLayout.PREFIX;
    else if (uri.endsWith('.onnx')) layout = ArtifactLayout.SINGLE_FILE;
    else if (uri.endsWith('.tar.gz')) layout = ArtifactLayout.ARCHIVE;
    else {
      throw new Error(
        `ModelArtifact.fromUri(${JSON.stringify(uri)}): the URI must end in ".onnx" (one model file), "/" (a folder ` +
          'holding model.onnx) or ".tar.gz" (an archive). Point it at the model file or its folder.',
      );
    }
    return new ModelArtifact(storage, layout, undefined, uri, options.signature);
  }

  private constructor(
    /** Where the artifact lives. */
    public readonly storage: ArtifactStorage,
    public readonly layout: ArtifactLayout,
    /** Absolute path of a local file. */
    public readonly localPath: string | undefined,
    /** URI of an existing object. */
    public readonly uri: string | undefined,
    /** Inputs, outputs and opset; known for local files, optional for URIs. */
    public readonly signature: ModelSignature | undefined,
  ) {}

  /** File name the server will find in its model directory. */
  public get fileName(): string {
    if (this.localPath) return basename(this.localPath);
    if (this.layout === ArtifactLayout.SINGLE_FILE && this.uri) return this.uri.slice(this.uri.lastIndexOf('/') + 1);
    return 'model.onnx';
  }

  /** Bucket (S3, GCS) or container (Azure) and key of a remote artifact. */
  public get location(): ArtifactLocation | undefined {
    if (!this.uri) return undefined;
    const s3 = S3_URI.exec(this.uri) ?? GCS_URI.exec(this.uri);
    if (s3) return { bucket: s3[1], key: s3[2] };
    const az = AZURE_BLOB.exec(this.uri);
    return az ? { account: az[1], bucket: az[2], key: az[3] } : undefined;
  }

  public toString(): string {
    return this.localPath ?? this.uri ?? '';
  }
}
