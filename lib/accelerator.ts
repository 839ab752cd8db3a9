/**
 * A GPU model. Enum-like: use the constants, or `Accelerator.of()` for one this library does not know yet.
 *
 * Cloud-neutral: a name, the memory per device and the node label value. What each platform ties a GPU to
 * (EC2 instance families, Google Cloud accelerator types and machine families, Azure VM series) lives with that
 * platform's backend, in `constructs/<cloud>/accelerators.ts` (`ec2FamiliesFor`, `gcpAcceleratorTypeFor`,
 * `gcpMachineFamiliesFor`, `azureVmSeriesFor`), so every construct of a backend validates the same way.
 */
export class Accelerator {
  public static readonly NVIDIA_T4 = new Accelerator('NVIDIA_T4', { memoryGiB: 16 });
  public static readonly NVIDIA_L4 = new Accelerator('NVIDIA_L4', { memoryGiB: 24 });
  public static readonly NVIDIA_A10G = new Accelerator('NVIDIA_A10G', { memoryGiB: 24 });
  public static readonly NVIDIA_A100 = new Accelerator('NVIDIA_A100', { memoryGiB: 40 });
  public static readonly NVIDIA_H100 = new Accelerator('NVIDIA_H100', { memoryGiB: 80 });

  /** Every accelerator this library knows, for lookups by instance family. */
  public static readonly KNOWN: Accelerator[] = [
    Accelerator.NVIDIA_T4,
    Accelerator.NVIDIA_L4,
    Accelerator.NVIDIA_A10G,
    Accelerator.NVIDIA_A100,
    Accelerator.NVIDIA_H100,
  ];

  /**
   * An accelerator the library has no table for. Instance-family checks are skipped for it, except that
   * a family known to carry a different GPU is still refused. The per-platform options (`ec2Families`,
   * `gcpAcceleratorType`, ...) tell the backends what their own tables do not list; each backend reads its own.
   *
   * @param name upper-case identifier, e.g. `NVIDIA_L40S`
   */
  public static of(name: string, options: AcceleratorOptions = {}): Accelerator {
    if (!/^[A-Z0-9][A-Z0-9_]*$/.test(name)) {
      throw new Error(
        `Accelerator.of(${JSON.stringify(name)}): the name must be upper-case letters, digits and underscores ` +
          `(e.g. "NVIDIA_L40S"); pass a name in that form.`,
      );
    }
    const known = Accelerator.KNOWN.find((a) => a.name === name);
    if (known) return known;
    return new Accelerator(name, options);
  }

  public readonly memoryGiB?: number;
  /** Value for the `nvidia.com/gpu.product`-style node label the Kubernetes constructs select on. */
  public readonly nodeLabelValue: string;
  /**
   * What `Accelerator.of` was told about a GPU the library does not know (empty for the constants): the
   * backends read their own entries when their tables have none.
   */
  public readonly declared: AcceleratorOptions;

  private constructor(public readonly name: string, options: AcceleratorOptions) {
    this.memoryGiB = options.memoryGiB;
    this.nodeLabelValue = name.toLowerCase().replace(/_/g, '-');
    this.declared = {
      ...(options.ec2Families ? { ec2Families: [...options.ec2Families] } : {}),
      ...(options.gcpAcceleratorType !== undefined ? { gcpAcceleratorType: options.gcpAcceleratorType } : {}),
      ...(options.gcpMachineFamilies ? { gcpMachineFamilies: [...options.gcpMachineFamilies] } : {}),
      ...(options.azureVmSeries ? { azureVmSeries: [...options.azureVmSeries] } : {}),
    };
  }

  public toString(): string {
    return this.name;
  }
}

/**
 * What `Accelerator.of` knows about a GPU the library has no table for. The per-platform entries are read by
 * that platform's backend only (its own table wins for the GPUs it lists).
 */
export interface AcceleratorOptions {
  /** GPU memory per device. @default - unknown */
  readonly memoryGiB?: number;
  /** EC2 families that carry it (read by the AWS backend and the Kubernetes Karpenter pool). @default [] */
  readonly ec2Families?: string[];
  /** Google Cloud accelerator type, e.g. `nvidia-l40s` (read by the Google Cloud backend and GKE node selectors). @default - not offered */
  readonly gcpAcceleratorType?: string;
  /** Compute Engine machine families (read by the Google Cloud backend). @default [] */
  readonly gcpMachineFamilies?: string[];
  /** Azure VM series (read by the Azure backend). @default [] */
  readonly azureVmSeries?: string[];
}
