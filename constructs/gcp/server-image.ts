import { relative } from 'node:path';
import { SpecProblem, isUnresolved } from '../../lib';
import { RUNTIME_FILES, packageRoot } from '../../lib/internal/package-layout';
import type { ModelEndpointProps } from './model-endpoint';

/**
 * The shared resolver's problems, with the bundled-image refusal's fix replaced by the two commands that build
 * and push the image where this endpoint can pull it (Vertex AI pulls from Artifact Registry only).
 */
export function withBundledImageFix(problems: readonly SpecProblem[], props: ModelEndpointProps): SpecProblem[] {
  return problems.map((p) => (p.field === 'image' && p.backend !== undefined && (props.image ?? { isBundled: true }).isBundled ? { ...p, fix: bundledImageFix(props) } : p));
}

/** The two commands that build and push the bundled server image where this endpoint can pull it. */
function bundledImageFix(props: ModelEndpointProps): string {
  const region = isUnresolved(props.region) ? '<region>' : props.region;
  const project = isUnresolved(props.project) ? '<project>' : props.project;
  const context = relative(process.cwd(), `${packageRoot()}/runtime`) || '.';
  const tag = `${region}-docker.pkg.dev/${project}/<repository>/model-server:<version>`;
  const dockerfile = `${context}/${props.accelerator ? RUNTIME_FILES.gpuDockerfile : RUNTIME_FILES.cpuDockerfile}`;
  return `build and push it, then pass ServingImage.fromRegistry("${tag}"): ` +
    `\`docker build --platform linux/amd64 -f ${dockerfile} -t ${tag} ${context}\` and \`docker push ${tag}\``;
}
