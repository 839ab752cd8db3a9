import { SECRET_REF_FORMATS, SecretRef } from './contract';
import { SpecProblem, describe, isUnresolved } from './errors';

/** Where a secret lives. Enum-like. */
export enum SecretSource {
  AWS_SECRETS_MANAGER = 'AWS_SECRETS_MANAGER',
  GCP_SECRET_MANAGER = 'GCP_SECRET_MANAGER',
  AZURE_KEY_VAULT = 'AZURE_KEY_VAULT',
  KUBERNETES_SECRET = 'KUBERNETES_SECRET',
}

const AWS_SECRET_ARN = SECRET_REF_FORMATS.awsArn;
const GCP_SECRET = /^(projects\/[a-z0-9-]{1,63}\/secrets\/)?[A-Za-z0-9_-]{1,255}$/;
const GCP_VERSION = SECRET_REF_FORMATS.gcpVersion;
const AZURE_SECRET_ID = SECRET_REF_FORMATS.azureSecretId;
// A Secret's name is a DNS subdomain; its data keys are letters, digits, "-", "_" and "." (core/v1 Secret).
const K8S_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const K8S_KEY = /^[-._a-zA-Z0-9]{1,253}$/;

/**
 * A secret the model server reads (the Redis URL with its password, the API-key digests), named by reference:
 * the value never appears in a template, a manifest or Terraform state. Each backend renders the reference
 * its platform's way, or refuses it by name where the platform cannot resolve it. Union-like.
 */
export class ServerSecret {
  /**
   * A secret in AWS Secrets Manager, by ARN; with `jsonField`, one field of a JSON secret.
   */
  public static fromAwsSecretsManager(secretArn: string, jsonField?: string): ServerSecret {
    return new ServerSecret(SecretSource.AWS_SECRETS_MANAGER, secretArn, jsonField, `Secrets Manager ${secretArn}${jsonField ? ` (field ${jsonField})` : ''}`);
  }
  /** A secret in Google Secret Manager (`projects/<p>/secrets/<name>` or `<name>`), at `version` (a number or `latest`). */
  public static fromGcpSecretManager(secretName: string, version: string): ServerSecret {
    return new ServerSecret(SecretSource.GCP_SECRET_MANAGER, secretName, version, `Secret Manager ${secretName} version ${version}`);
  }
  /** A secret in Azure Key Vault, by its identifier `https://<vault>.vault.azure.net/secrets/<name>[/<version>]`. */
  public static fromAzureKeyVault(secretId: string): ServerSecret {
    return new ServerSecret(SecretSource.AZURE_KEY_VAULT, secretId, undefined, `Key Vault ${secretId}`);
  }
  /** The value under `key` in the Kubernetes Secret `name`, in the endpoint's namespace. */
  public static fromKubernetesSecret(name: string, key: string): ServerSecret {
    return new ServerSecret(SecretSource.KUBERNETES_SECRET, name, key, `Kubernetes Secret ${name} key ${key}`);
  }

  private constructor(
    public readonly source: SecretSource,
    /** The ARN, secret name, secret identifier or Secret name. */
    public readonly name: string,
    /** The JSON field (AWS), version (GCP) or data key (Kubernetes). */
    public readonly detail: string | undefined,
    private readonly description: string,
  ) {}

  /**
   * The reference the server resolves itself at start (lib/contract.ts MODEL_SERVER_SECRET_REFS); undefined for a
   * Kubernetes Secret, which the kubelet resolves.
   *
   * @jsii ignore TypeScript-only (lib/README.md "jsii and Python"): the server contract's reference shape, a union jsii has no form for.
   */
  public toSecretRef(): SecretRef | undefined {
    switch (this.source) {
      case SecretSource.AWS_SECRETS_MANAGER:
        return this.detail === undefined ? { source: 'aws-secretsmanager', secretId: this.name } : { source: 'aws-secretsmanager', secretId: this.name, jsonField: this.detail };
      case SecretSource.GCP_SECRET_MANAGER:
        return { source: 'gcp-secretmanager', name: this.name, version: this.detail! };
      case SecretSource.AZURE_KEY_VAULT:
        return { source: 'azure-keyvault', secretId: this.name };
      default:
        return undefined;
    }
  }

  public toString(): string {
    return this.description;
  }

  /** Problems with the reference's own format; `field` is where it was set. */
  public problems(field: string): SpecProblem[] {
    const out: SpecProblem[] = [];
    const check = (value: string | undefined, pattern: RegExp, part: string, allowed: string, fix: string) => {
      if (value === undefined || isUnresolved(value) || pattern.test(value)) return;
      out.push({ field, given: `${part} ${describe(value)}`, allowed, fix });
    };
    switch (this.source) {
      case SecretSource.AWS_SECRETS_MANAGER:
        check(this.name, AWS_SECRET_ARN, 'secret ARN', 'arn:aws:secretsmanager:<region>:<account>:secret:<name>', 'pass the secret\'s full ARN (secret.secretArn)');
        check(this.detail, SECRET_REF_FORMATS.awsJsonField, 'JSON field', 'a JSON key: letters, digits, "_", "." and "-"', 'name the key in the secret\'s JSON, e.g. "url"');
        break;
      case SecretSource.GCP_SECRET_MANAGER:
        check(this.name, GCP_SECRET, 'secret', '"projects/<project>/secrets/<name>" or "<name>" (letters, digits, "_" and "-")', 'e.g. "projects/my-project/secrets/redis-url"');
        check(this.detail, GCP_VERSION, 'version', 'a version number or "latest"', 'pin a version, e.g. "3"');
        break;
      case SecretSource.AZURE_KEY_VAULT:
        check(this.name, AZURE_SECRET_ID, 'secret id', 'https://<vault>.vault.azure.net/secrets/<name>[/<32 hex version>]', 'pass the secret\'s id (azurerm_key_vault_secret.versionless_id or id)');
        break;
      case SecretSource.KUBERNETES_SECRET:
        check(this.name, K8S_NAME, 'Secret name', 'a DNS subdomain name (lower-case letters, digits, "-" and ".")', 'e.g. "redis-credentials"');
        if (this.name.length > 253) out.push({ field, given: `Secret name of ${this.name.length} characters`, allowed: 'at most 253 characters', fix: 'use a shorter name' });
        check(this.detail, K8S_KEY, 'key', 'a Secret data key: letters, digits, "-", "_" and ".", at most 253', 'e.g. "url"');
        break;
    }
    return out;
  }
}
