import { ProjectIamCustomRole } from '@cdktf/provider-google/lib/project-iam-custom-role';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { Construct } from 'constructs';

/**
 * A custom role with exactly `permissions`, granted to `member` on the project with an IAM condition that
 * limits it to the named Vertex AI endpoints. Vertex AI v1 has no per-endpoint IAM policy (setIamPolicy
 * exists for models and featurestores, not endpoints), so the condition on `resource.name` is what scopes it.
 *
 * Custom role ids are reserved for 7 days after deletion: a destroyed and re-created stack needs a new
 * `roleId` within that week.
 */
export interface EndpointGrantProps {
  readonly project: string;
  readonly roleId: string;
  readonly title: string;
  readonly permissions: string[];
  readonly member: string;
  /** `projects/<p>/locations/<l>/endpoints/<id>` suffixes: `/locations/<l>/endpoints/<id>`. */
  readonly endpointSuffixes: string[];
}

export class EndpointGrant extends Construct {
  public readonly role: ProjectIamCustomRole;
  public readonly binding: ProjectIamMember;

  constructor(scope: Construct, id: string, props: EndpointGrantProps) {
    super(scope, id);
    this.role = new ProjectIamCustomRole(this, 'Role', {
      project: props.project,
      roleId: props.roleId,
      title: props.title,
      description: `${props.title} (model-serving-constructs); granted only with a condition on the endpoint`,
      permissions: [...props.permissions].sort(),
    });
    const expression = endpointCondition(props.endpointSuffixes);
    this.binding = new ProjectIamMember(this, 'Binding', {
      project: props.project,
      role: this.role.name,
      member: props.member,
      condition: { title: `only ${props.endpointSuffixes.length === 1 ? 'this endpoint' : 'these endpoints'}`.slice(0, 100), expression },
    });
  }
}

/**
 * An IAM condition matching the endpoints and their sub-resources (the long-running operations of a deploy
 * are `.../endpoints/<id>/operations/<n>`). Vertex AI names resources by project number in some calls and by
 * id in others, so it matches on the location/endpoint part; the binding itself only exists in one project.
 */
export function endpointCondition(endpointSuffixes: readonly string[]): string {
  return endpointSuffixes.map((s) => {
    const [, location, id] = /^\/locations\/([^/]+)\/endpoints\/(.+)$/.exec(s) ?? [];
    return `resource.name.endsWith(${JSON.stringify(s)}) || resource.name.extract(${JSON.stringify(`/locations/${location}/endpoints/{rest}`)}).startsWith(${JSON.stringify(`${id}/`)})`;
  }).join(' || ');
}
