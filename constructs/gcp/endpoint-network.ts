import { ProblemCollector, ResolvedServing, SecretSource, isUnresolved, refusal } from '../../lib';
import { VERTEX_CAPABILITIES } from './capabilities';
import type { ModelEndpointProps } from './model-endpoint';

/**
 * What the endpoint's network allows the server to reach, as problems (added to `problems`) and warnings
 * (returned). The endpoint this construct deploys has no VPC network (no Private Service Connect, no VPC
 * peering): its outbound networking is the public internet (Vertex AI "Choose an endpoint type"). A destination
 * whose address is known and private is refused; the Redis URL is a secret, so its address is only warned about.
 * The container's variables travel escaped (no Terraform interpolation in the plan): a secret name must be literal.
 */
export function outboundProblems(props: ModelEndpointProps, serving: ResolvedServing, problems: ProblemCollector): string[] {
  for (const s of serving.secretEnvironment) {
    if (s.secret.source === SecretSource.GCP_SECRET_MANAGER && isUnresolved(s.secret.name)) {
      problems.add({ field: s.field, given: 'a secret name that is a token', allowed: 'a literal "projects/<project>/secrets/<name>": the deployment plan carries the container\'s variables as text, without Terraform interpolation', fix: 'write the name out, e.g. "projects/acme-ml/secrets/redis-url"' });
    }
  }
  const outboundWarnings: string[] = [];
  for (const t of serving.outbound) {
    const destination = t.field === 'server.tracing.endpoint' ? props.server?.tracing?.endpoint : undefined;
    if (destination !== undefined && (isUnresolved(destination) || isPublicHost(destination))) continue;
    if (destination === undefined) {
      outboundWarnings.push(`${t.field}: ${t.description} must have a public address: a Vertex AI endpoint reaches the public internet only, not your VPC (Memorystore has private addresses only); an unreachable Redis is served uncached`);
      continue;
    }
    problems.add(refusal(VERTEX_CAPABILITIES, t.field, t.description,
      'no destination in your network: this endpoint has no VPC path (neither Private Service Connect nor VPC peering); public addresses only',
      `give it a public address, remove ${t.field.split('.').slice(0, 2).join('.')} on Vertex AI, or serve with the Kubernetes backend on GKE, whose pods reach your network`));
  }
  return outboundWarnings;
}

/**
 * Whether an http(s) URL's host is a public address: not an IP in a private, loopback, link-local or shared
 * range (RFC 1918, RFC 6598, RFC 4193), and not a name that only resolves inside a network (one label, or
 * .internal, .local, .localhost, .svc, .cluster.local).
 */
function isPublicHost(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return !(a === 10 || a === 127 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127));
  }
  if (host.includes(':')) return !(host === '::1' || /^f[cd]/.test(host) || /^fe[89ab]/.test(host));
  if (!host.includes('.')) return false;
  return !/\.(internal|local|localhost|svc|cluster\.local)$/.test(host);
}
