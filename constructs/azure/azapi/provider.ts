import { TerraformProvider, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';

/**
 * Version constraint written to `required_providers.azapi`. 2.5.0 is the first release whose embedded
 * types include Microsoft.MachineLearningServices 2025-06-01; an older azapi fails plan with "the
 * argument "type"'s api-version is invalid".
 */
export const AZAPI_VERSION_CONSTRAINT = '~> 2.5';
export const AZAPI_SOURCE = 'Azure/azapi';

/** Metadata cdktf uses to write `required_providers`. */
export const AZAPI_GENERATOR_METADATA = { providerName: 'azapi', providerVersionConstraint: AZAPI_VERSION_CONSTRAINT };

/**
 * The Azure/azapi provider. There is no prebuilt cdktf binding for it; this class only declares it, so
 * cdktf writes `required_providers.azapi = { source = "Azure/azapi", version = "~> 2.5" }`. Credentials
 * come from the environment (ARM_* variables, `az login`, managed identity), as with azurerm.
 */
export class AzapiProvider extends TerraformProvider {
  /** The stack's azapi provider, created on first use so every stack declares it exactly once. */
  public static of(scope: Construct): AzapiProvider {
    const stack = TerraformStack.of(scope);
    const existing = stack.node.tryFindChild('AzapiProvider');
    if (existing instanceof AzapiProvider) return existing;
    return new AzapiProvider(stack, 'AzapiProvider');
  }

  constructor(scope: Construct, id: string) {
    super(scope, id, {
      terraformResourceType: 'azapi',
      terraformGeneratorMetadata: AZAPI_GENERATOR_METADATA,
      terraformProviderSource: AZAPI_SOURCE,
    });
  }

  protected override synthesizeAttributes(): { [name: string]: unknown } {
    return {};
  }
}
