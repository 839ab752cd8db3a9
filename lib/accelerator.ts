/**
 * A GPU model. Enum-like: use the constants, or `Accelerator.of()` for one this library does not know yet.
 *
 * Where a backend ties a GPU to an instance family (SageMaker `ml.g5.*` is always A10G, GKE `g2-*` is
 * always L4), the families are listed here so every backend validates the same way.
 */
export class Accelerator {
  public static readonly NVIDIA_T4 = new Accelerator('NVIDIA_T4', {
    memoryGiB: 16,
    ec2Families: ['g4dn'],
    gcpAcceleratorType: 'nvidia-tesla-t4',
    gcpMachineFamilies: ['n1'],
    azureVmSeries: ['NCasT4_v3'],
  });
  public static readonly NVIDIA_L4 = new Accelerator('NVIDIA_L4', {
    memoryGiB: 24,
    ec2Families: ['g6', 'gr6'],
    gcpAcceleratorType: 'nvidia-l4',
    gcpMachineFamilies: ['g2'],
    azureVmSeries: [],
  });
  public static readonly NVIDIA_A10G = new Accelerator('NVIDIA_A10G', {
    memoryGiB: 24,
    ec2Families: ['g5'],
    gcpMachineFamilies: [],
    azureVmSeries: [],
  });
  public static readonly NVIDIA_A100 = new Accelerator('NVIDIA_A100', {
    memoryGiB: 40,
    ec2Families: ['p4d', 'p4de'],
    gcpAcceleratorType: 'nvidia-tesla-a100',
    gcpMachineFamilies: ['a2'],
    azureVmSeries: ['NC_A100_v4', 'ND_A100_v4', 'ND_A100_v4_80GB'],
  });
  public static readonly NVIDIA_H100 = new Accelerator('NVIDIA_H100', {
    memoryGiB: 80,
    ec2Families: ['p5'],
    gcpAcceleratorType: 'nvidia-h100-80gb',
    gcpMachineFamilies: ['a3'],
    azureVmSeries: ['NC_H100_v5', 'ND_H100_v5'],
  });

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
   * a family known to carry a different GPU is still refused.
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
    return new Accelerator(name, { ec2Families: [], gcpMachineFamilies: [], azureVmSeries: [], ...options });
  }

  /** The accelerator an EC2/SageMaker instance family carries, if the library knows it. */
  public static forEc2Family(family: string): Accelerator | undefined {
    return Accelerator.KNOWN.find((a) => a.ec2Families.includes(family));
  }

  public readonly memoryGiB?: number;
  /** EC2 instance families (also SageMaker `ml.<family>.*`) that carry this GPU. */
  public readonly ec2Families: string[];
  /** Vertex AI / GKE accelerator type, e.g. `nvidia-l4`; undefined where Google Cloud does not offer it. */
  public readonly gcpAcceleratorType?: string;
  /** Compute Engine machine families this GPU attaches to. */
  public readonly gcpMachineFamilies: string[];
  /** Azure VM series that carry this GPU. */
  public readonly azureVmSeries: string[];
  /** Value for the `nvidia.com/gpu.product`-style node label the Kubernetes constructs select on. */
  public readonly nodeLabelValue: string;

  private constructor(public readonly name: string, options: AcceleratorOptions) {
    this.memoryGiB = options.memoryGiB;
    this.ec2Families = options.ec2Families ?? [];
    this.gcpAcceleratorType = options.gcpAcceleratorType;
    this.gcpMachineFamilies = options.gcpMachineFamilies ?? [];
    this.azureVmSeries = options.azureVmSeries ?? [];
    this.nodeLabelValue = name.toLowerCase().replace(/_/g, '-');
  }

  public toString(): string {
    return this.name;
  }
}

export interface AcceleratorOptions {
  /** GPU memory per device. @default - unknown */
  readonly memoryGiB?: number;
  /** EC2 families that carry it. @default [] */
  readonly ec2Families?: string[];
  /** Google Cloud accelerator type. @default - not offered */
  readonly gcpAcceleratorType?: string;
  /** Compute Engine machine families. @default [] */
  readonly gcpMachineFamilies?: string[];
  /** Azure VM series. @default [] */
  readonly azureVmSeries?: string[];
}
