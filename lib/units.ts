/**
 * Cloud-neutral duration and size. Backends convert them to their own types
 * (aws-cdk-lib `Duration`, cdk8s `Duration`, Terraform strings) at the edge.
 */
export class Duration {
  public static millis(amount: number): Duration {
    return new Duration(amount, 'ms');
  }
  public static seconds(amount: number): Duration {
    return new Duration(amount * 1000, 's');
  }
  public static minutes(amount: number): Duration {
    return new Duration(amount * 60_000, 'min');
  }
  public static hours(amount: number): Duration {
    return new Duration(amount * 3_600_000, 'h');
  }

  private constructor(private readonly ms: number, private readonly unit: string) {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`Duration must be a finite, non-negative amount; got ${ms / unitFactor(unit)} ${unit}`);
    }
  }

  public toMilliseconds(): number {
    return this.ms;
  }
  public toSeconds(): number {
    return this.ms / 1000;
  }
  public toMinutes(): number {
    return this.ms / 60_000;
  }
  /** Human form, e.g. `90s`, `1h`, used in error messages. */
  public toString(): string {
    return `${this.ms / unitFactor(this.unit)}${this.unit}`;
  }
}

function unitFactor(unit: string): number {
  return { ms: 1, s: 1000, min: 60_000, h: 3_600_000 }[unit] ?? 1;
}

export class Size {
  public static bytes(amount: number): Size {
    return new Size(amount);
  }
  public static kibibytes(amount: number): Size {
    return new Size(amount * 1024);
  }
  public static mebibytes(amount: number): Size {
    return new Size(amount * 1024 * 1024);
  }
  public static gibibytes(amount: number): Size {
    return new Size(amount * 1024 * 1024 * 1024);
  }

  private constructor(private readonly amountBytes: number) {
    if (!Number.isFinite(amountBytes) || amountBytes < 0) {
      throw new RangeError(`Size must be a finite, non-negative amount; got ${amountBytes} bytes`);
    }
  }

  public toBytes(): number {
    return this.amountBytes;
  }
  public toGibibytes(): number {
    return this.amountBytes / (1024 * 1024 * 1024);
  }
  public toString(): string {
    return `${this.amountBytes} bytes`;
  }
}
