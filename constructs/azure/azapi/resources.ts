import { TerraformMetaArguments, TerraformResource } from 'cdktf';
import { Construct } from 'constructs';
import {
  AZURE_ML_TYPES,
  EndpointTrafficBody,
  EnvironmentVersionBody,
  ModelVersionBody,
  OnlineDeploymentBody,
  OnlineEndpointBody,
} from './arm-bodies';
import { AZAPI_GENERATOR_METADATA, AzapiProvider } from './provider';

/**
 * Typed wrappers for `azapi_resource`, `azapi_update_resource` and `azapi_resource_action`: one class per
 * ARM type, each taking that type's body interface from arm-bodies.ts. Nothing at a call site builds
 * free-form JSON. cdktf does not snake-case `synthesizeAttributes()`, so attribute keys are written in
 * Terraform's snake_case here and the ARM body keeps its camelCase.
 */

/**
 * The ARM request an azapi resource makes, as azapi assembles it (body plus name, location, tags, identity).
 *
 * TypeScript-only (jsii refuses a data interface that classes implement; other languages read `armType` and
 * `requestBody` on the resources themselves; lib/README.md "jsii and Python").
 * @jsii ignore
 */
export interface ArmRequest {
  /** `<resource type>@<api-version>`. */
  readonly armType: string;
  /** The full request body azapi validates and sends. */
  readonly requestBody: Record<string, unknown>;
}

interface AzapiResourceConfig extends TerraformMetaArguments {
  readonly type: string;
  readonly name: string;
  readonly parentId: string;
  readonly location?: string;
  readonly body: object;
  readonly systemAssignedIdentity?: boolean;
  readonly tags?: Record<string, string>;
  readonly responseExportValues?: string[];
}

/** An `azapi_resource`. Internal: the typed subclasses below are the API. */
abstract class AzapiResource extends TerraformResource implements ArmRequest {
  /** For cdktf's matchers (`toHaveResourceWithProperties`). */
  public static readonly tfResourceType = 'azapi_resource';
  public readonly armType: string;
  private readonly config: AzapiResourceConfig;

  protected constructor(scope: Construct, id: string, config: AzapiResourceConfig) {
    super(scope, id, {
      terraformResourceType: 'azapi_resource',
      terraformGeneratorMetadata: AZAPI_GENERATOR_METADATA,
      provider: config.provider ?? AzapiProvider.of(scope),
      dependsOn: config.dependsOn,
      lifecycle: config.lifecycle,
      count: config.count,
      forEach: config.forEach,
    });
    this.armType = config.type;
    this.config = config;
  }

  /** The ARM resource id. */
  public get id(): string {
    return this.getStringAttribute('id');
  }

  /** A value from the response, listed in `responseExportValues`, e.g. `properties.scoringUri`. */
  public output(path: string): string {
    return this.getStringAttribute(`output.${path}`);
  }

  public get requestBody(): Record<string, unknown> {
    const c = this.config;
    return {
      ...(c.body as Record<string, unknown>),
      name: c.name,
      ...(c.location !== undefined ? { location: c.location } : {}),
      ...(c.tags !== undefined ? { tags: c.tags } : {}),
      ...(c.systemAssignedIdentity ? { identity: { type: 'SystemAssigned' } } : {}),
    };
  }

  protected override synthesizeAttributes(): { [name: string]: unknown } {
    const c = this.config;
    return {
      type: c.type,
      name: c.name,
      parent_id: c.parentId,
      location: c.location,
      body: c.body,
      // A list block in azapi 2.x.
      identity: c.systemAssignedIdentity ? [{ type: 'SystemAssigned' }] : undefined,
      tags: c.tags,
      response_export_values: c.responseExportValues,
      // azapi's default, written out so a reader sees the plan-time check is on.
      schema_validation_enabled: true,
    };
  }
}

/** Props shared by the typed `azapi_resource` wrappers. */
export interface AzapiTypedProps extends TerraformMetaArguments {
  /** Resource name. */
  readonly name: string;
  /** ARM id of the parent (workspace, endpoint, model container). */
  readonly parentId: string;
  /** Tags on the resource. @default - none */
  readonly tags?: Record<string, string>;
}

export interface MlModelVersionProps extends AzapiTypedProps {
  readonly body: ModelVersionBody;
}

/** `workspaces/models/versions`: an immutable model version (the PUT creates its model container). */
export class MlModelVersion extends AzapiResource {
  constructor(scope: Construct, id: string, props: MlModelVersionProps) {
    super(scope, id, { ...props, type: AZURE_ML_TYPES.modelVersion });
  }
}

export interface MlEnvironmentVersionProps extends AzapiTypedProps {
  readonly body: EnvironmentVersionBody;
}

/** `workspaces/environments/versions`: the server image with its inference routes. */
export class MlEnvironmentVersion extends AzapiResource {
  constructor(scope: Construct, id: string, props: MlEnvironmentVersionProps) {
    super(scope, id, { ...props, type: AZURE_ML_TYPES.environmentVersion });
  }
}

export interface MlOnlineEndpointProps extends AzapiTypedProps {
  readonly location: string;
  readonly body: OnlineEndpointBody;
}

/** `workspaces/onlineEndpoints` with a system-assigned identity. */
export class MlOnlineEndpoint extends AzapiResource {
  constructor(scope: Construct, id: string, props: MlOnlineEndpointProps) {
    super(scope, id, {
      ...props,
      type: AZURE_ML_TYPES.onlineEndpoint,
      systemAssignedIdentity: true,
      responseExportValues: ['properties.scoringUri'],
    });
  }

  /** The endpoint's system-assigned identity (it pulls the image and reads the model). */
  public get principalId(): string {
    return this.getStringAttribute('identity[0].principal_id');
  }

  public get scoringUri(): string {
    return this.output('properties.scoringUri');
  }
}

export interface MlOnlineDeploymentProps extends AzapiTypedProps {
  readonly location: string;
  readonly body: OnlineDeploymentBody;
}

/** `workspaces/onlineEndpoints/deployments`, managed compute. */
export class MlOnlineDeployment extends AzapiResource {
  constructor(scope: Construct, id: string, props: MlOnlineDeploymentProps) {
    super(scope, id, { ...props, type: AZURE_ML_TYPES.onlineDeployment });
  }
}

export interface MlEndpointTrafficProps extends TerraformMetaArguments {
  /** The endpoint whose traffic map this sets. */
  readonly endpoint: MlOnlineEndpoint;
  readonly body: EndpointTrafficBody;
}

/**
 * `azapi_update_resource` on an endpoint: GET, merge `body`, PUT. Traffic cannot be set when the endpoint is
 * created (its deployments do not exist yet), and PATCH only takes tags and identity, so this is how a
 * traffic map is written.
 */
export class MlEndpointTraffic extends TerraformResource implements ArmRequest {
  public static readonly tfResourceType = 'azapi_update_resource';
  public readonly armType = AZURE_ML_TYPES.onlineEndpoint;
  private readonly props: MlEndpointTrafficProps;
  private body: EndpointTrafficBody;

  constructor(scope: Construct, id: string, props: MlEndpointTrafficProps) {
    super(scope, id, {
      terraformResourceType: 'azapi_update_resource',
      terraformGeneratorMetadata: AZAPI_GENERATOR_METADATA,
      provider: props.provider ?? AzapiProvider.of(scope),
      dependsOn: props.dependsOn,
      lifecycle: props.lifecycle,
    });
    this.props = props;
    this.body = props.body;
  }

  /** The traffic map this writes. */
  public get traffic(): Record<string, number> {
    return { ...this.body.properties.traffic };
  }

  /** Replaces the traffic map (before synthesis). */
  public setTraffic(traffic: Record<string, number>, mirrorTraffic: Record<string, number> = {}): void {
    this.body = { properties: { traffic: { ...traffic }, mirrorTraffic: { ...mirrorTraffic } } };
  }

  /** The endpoint's body with this traffic merged in: what the PUT sends. */
  public get requestBody(): Record<string, unknown> {
    const base = this.props.endpoint.requestBody as { properties: Record<string, unknown> };
    return { ...base, properties: { ...base.properties, ...this.body.properties } };
  }

  protected override synthesizeAttributes(): { [name: string]: unknown } {
    return { type: this.armType, resource_id: this.props.endpoint.id, body: this.body };
  }
}

export interface MlDeploymentPutProps extends TerraformMetaArguments {
  /** The endpoint the deployment belongs to. */
  readonly endpoint: MlOnlineEndpoint;
  readonly name: string;
  readonly location: string;
  readonly tags?: Record<string, string>;
  readonly body: OnlineDeploymentBody;
}

/**
 * A deployment written once by `azapi_resource_action` (PUT on the deployment itself) instead of owned by
 * `azapi_resource`. Used under a CanaryRollout: Terraform creates each version's deployment, and the rollout
 * controller owns traffic and deletes the old deployment after promotion. An `azapi_resource` would make
 * Terraform delete the old deployment while it still serves (Azure refuses) or recreate it after the
 * controller removed it. Terraform repeats the PUT only when the body changes.
 */
export class MlDeploymentPut extends TerraformResource implements ArmRequest {
  public static readonly tfResourceType = 'azapi_resource_action';
  public readonly armType = AZURE_ML_TYPES.onlineDeployment;
  /** ARM id of the deployment. */
  public readonly deploymentId: string;
  private readonly props: MlDeploymentPutProps;

  constructor(scope: Construct, id: string, props: MlDeploymentPutProps) {
    super(scope, id, {
      terraformResourceType: 'azapi_resource_action',
      terraformGeneratorMetadata: AZAPI_GENERATOR_METADATA,
      provider: props.provider ?? AzapiProvider.of(scope),
      dependsOn: props.dependsOn,
      lifecycle: props.lifecycle,
    });
    this.props = props;
    this.deploymentId = `${props.endpoint.id}/deployments/${props.name}`;
  }

  public get requestBody(): Record<string, unknown> {
    return { ...(this.props.body as unknown as Record<string, unknown>), name: this.props.name, location: this.props.location, ...(this.props.tags ? { tags: this.props.tags } : {}) };
  }

  protected override synthesizeAttributes(): { [name: string]: unknown } {
    const { name: _name, ...body } = this.requestBody;
    return { type: this.armType, resource_id: this.deploymentId, method: 'PUT', body, when: 'apply' };
  }
}

export interface FunctionTriggerSyncProps extends TerraformMetaArguments {
  /** ARM id of the Function app. */
  readonly functionAppId: string;
}

/**
 * `POST {site}/syncfunctiontriggers`: tells the platform which functions the app's package holds. Required after
 * every publish of an external package URL (learn.microsoft.com/azure/azure-functions/functions-deployment-technologies#trigger-syncing).
 * Give it `lifecycle.replaceTriggeredBy` on the package blob so a new package syncs again.
 */
export class FunctionTriggerSync extends TerraformResource {
  public static readonly tfResourceType = 'azapi_resource_action';
  public static readonly ARM_TYPE = 'Microsoft.Web/sites@2024-04-01';
  private readonly functionAppId: string;

  constructor(scope: Construct, id: string, props: FunctionTriggerSyncProps) {
    super(scope, id, {
      terraformResourceType: 'azapi_resource_action',
      terraformGeneratorMetadata: AZAPI_GENERATOR_METADATA,
      provider: props.provider ?? AzapiProvider.of(scope),
      dependsOn: props.dependsOn,
      lifecycle: props.lifecycle,
    });
    this.functionAppId = props.functionAppId;
  }

  protected override synthesizeAttributes(): { [name: string]: unknown } {
    return { type: FunctionTriggerSync.ARM_TYPE, resource_id: this.functionAppId, action: 'syncfunctiontriggers', method: 'POST', when: 'apply' };
  }
}
