import { ProjectIamCustomRole } from '@cdktf/provider-google/lib/project-iam-custom-role';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { Construct } from 'constructs';

/**
 * A custom role with exactly `permissions`, granted to `member` on the project, with no IAM condition.
 *
 * Why project scope: Vertex AI is not among the services that recognise resource attributes in IAM
 * Conditions (Google Cloud IAM, "Resource attributes for IAM Conditions": "Other services and resource
 * types do not recognize resource attributes"), so a condition on `resource.name` never matches a Vertex AI
 * call and grants nothing. Endpoint-level IAM policies exist only in the v1beta1 API
 * (`endpoints.setIamPolicy`, googleapis aiplatform_v1beta1.yaml); the Terraform `google` provider has no
 * resource for them, only `google-beta` (`google_vertex_ai_endpoint_iam_member`), which ModelEndpoint does not
 * require (ModelGateway, which needs google-beta anyway, binds its relay per endpoint that way). The permissions
 * are the fewest the caller needs, but they apply to every endpoint of the project: keep the serving endpoints
 * in a project of their own where that matters.
 *
 * Custom role ids are reserved for 7 days after deletion: a destroyed and re-created stack needs a new
 * `roleId` within that week.
 */
export interface VertexProjectGrantProps {
  readonly project: string;
  readonly roleId: string;
  readonly title: string;
  readonly permissions: string[];
  readonly member: string;
}

export class VertexProjectGrant extends Construct {
  public readonly role: ProjectIamCustomRole;
  public readonly binding: ProjectIamMember;
  private readonly project: string;
  private members = 1;

  constructor(scope: Construct, id: string, props: VertexProjectGrantProps) {
    super(scope, id);
    this.project = props.project;
    this.role = new ProjectIamCustomRole(this, 'Role', {
      project: props.project,
      roleId: props.roleId,
      title: props.title,
      description: `${props.title} (model-serving-constructs); project-wide: Vertex AI has no endpoint-scoped IAM condition`,
      permissions: [...props.permissions].sort(),
    });
    this.binding = new ProjectIamMember(this, 'Binding', { project: props.project, role: this.role.name, member: props.member });
  }

  /** The same role for one more member. */
  public grant(member: string): ProjectIamMember {
    this.members += 1;
    return new ProjectIamMember(this, `Binding${this.members}`, { project: this.project, role: this.role.name, member });
  }
}
