import { ArtifactStorage, SpecProblem, describe, isUnresolved } from '../../lib';

/** What the pod needs so its model download can authenticate. */
export interface BoundModelCredentials {
  /** Annotations on the endpoint's ServiceAccount. */
  readonly serviceAccountAnnotations: Readonly<Record<string, string>>;
  /** Labels on the pods (Azure workload identity's webhook selects on one). */
  readonly podLabels: Readonly<Record<string, string>>;
  /** A Secret the downloader reads: envFrom on the init container, or listed on the ServiceAccount for KServe. */
  readonly secretName?: string;
}

/** Which storage each identity kind can read. */
const STORAGE_OF: Readonly<Record<string, ArtifactStorage>> = {
  AWS_IAM_ROLE: ArtifactStorage.S3,
  GKE_WORKLOAD_IDENTITY: ArtifactStorage.GCS,
  AZURE_WORKLOAD_IDENTITY: ArtifactStorage.AZURE_BLOB,
};

/**
 * How pods get credentials to read a model from object storage (S3, GCS, Azure Blob), for the KServe
 * storage initializer or your init container. Union-like. Identities are bound through the endpoint's own
 * ServiceAccount (whose API token stays unmounted: the identity webhooks project their own tokens).
 */
export class ModelCredentials {
  /** IAM roles for service accounts on EKS: annotates the ServiceAccount with `eks.amazonaws.com/role-arn`. */
  public static awsIamRole(roleArn: string): ModelCredentials {
    return new ModelCredentials('AWS_IAM_ROLE', roleArn);
  }
  /** GKE Workload Identity: annotates the ServiceAccount with `iam.gke.io/gcp-service-account`. */
  public static gkeWorkloadIdentity(serviceAccountEmail: string): ModelCredentials {
    return new ModelCredentials('GKE_WORKLOAD_IDENTITY', serviceAccountEmail);
  }
  /**
   * Azure workload identity on AKS: annotates the ServiceAccount with `azure.workload.identity/client-id`
   * and labels the pods `azure.workload.identity/use: "true"`.
   */
  public static azureWorkloadIdentity(clientId: string): ModelCredentials {
    return new ModelCredentials('AZURE_WORKLOAD_IDENTITY', clientId);
  }
  /**
   * A Secret in the endpoint's namespace holding the storage credentials: its keys become environment
   * variables of your init container; with KServe it is listed on the ServiceAccount, where the storage
   * initializer looks for it.
   */
  public static secret(secretName: string): ModelCredentials {
    return new ModelCredentials('SECRET', secretName);
  }
  /**
   * The pods can already read the model (a node role, an EKS Pod Identity association made elsewhere, a
   * public bucket). Nothing is added; you say so explicitly.
   */
  public static ambient(): ModelCredentials {
    return new ModelCredentials('AMBIENT', '');
  }

  private constructor(
    /** AWS_IAM_ROLE, GKE_WORKLOAD_IDENTITY, AZURE_WORKLOAD_IDENTITY, SECRET or AMBIENT. */
    public readonly kind: string,
    /** Role ARN, service-account e-mail, client id or Secret name; empty for ambient. */
    public readonly value: string,
  ) {}

  /** Problems with the value, and with using it for `storage`. @internal */
  public _problems(storage: ArtifactStorage): SpecProblem[] {
    const v = this.value;
    const problems: SpecProblem[] = [];
    const bad = (allowed: string, fix: string) => problems.push({ field: 'modelCredentials', given: `${this.kind} ${describe(v)}`, allowed, fix });
    if (!isUnresolved(v)) {
      if (this.kind === 'AWS_IAM_ROLE' && !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/.test(v)) bad('an IAM role ARN', 'e.g. "arn:aws:iam::123456789012:role/model-reader"');
      if (this.kind === 'GKE_WORKLOAD_IDENTITY' && !/^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$/.test(v)) bad('a Google service-account e-mail', 'e.g. "model-reader@my-project.iam.gserviceaccount.com"');
      if (this.kind === 'AZURE_WORKLOAD_IDENTITY' && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)) bad('a managed identity client id (a GUID)', 'use the clientId of the user-assigned identity federated with this ServiceAccount');
      if (this.kind === 'SECRET' && !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(v)) bad('a Secret name (DNS-1123 subdomain)', 'e.g. "model-storage-credentials"');
    }
    const needs = STORAGE_OF[this.kind];
    if (needs !== undefined && needs !== storage) {
      problems.push({ field: 'modelCredentials', given: `${this.kind} for a ${storage} model`, allowed: `${this.kind} reads ${needs} only`, fix: 'use the identity of the cloud that holds the model, or ModelCredentials.secret(name)' });
    }
    return problems;
  }

  /** What the pod needs. @internal */
  public _bind(): BoundModelCredentials {
    switch (this.kind) {
      case 'AWS_IAM_ROLE': return { serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': this.value }, podLabels: {} };
      case 'GKE_WORKLOAD_IDENTITY': return { serviceAccountAnnotations: { 'iam.gke.io/gcp-service-account': this.value }, podLabels: {} };
      case 'AZURE_WORKLOAD_IDENTITY': return { serviceAccountAnnotations: { 'azure.workload.identity/client-id': this.value }, podLabels: { 'azure.workload.identity/use': 'true' } };
      case 'SECRET': return { serviceAccountAnnotations: {}, podLabels: {}, secretName: this.value };
      default: return { serviceAccountAnnotations: {}, podLabels: {} };
    }
  }
}
