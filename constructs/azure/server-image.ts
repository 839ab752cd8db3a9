import { Construct } from 'constructs';
import { DEFAULT_PORT, ROUTES, ResolvedServing, SERVER_ENV } from '../../lib';
import { environmentVersionBody } from './azapi/arm-bodies';
import { MlEnvironmentVersion } from './azapi/resources';
import { shortHash } from './names';

/** The environment version and the image it runs. */
export interface BoundServerImage {
  readonly environmentVersion: MlEnvironmentVersion;
  /** A hash of what the environment holds (its version name). */
  readonly environmentVersionName: string;
  /** The image's registry URI. */
  readonly image: string;
}

/**
 * The environment version: the image and the inference routes Azure ML probes and forwards to. Environment
 * versions are immutable: the version is a hash of what it holds.
 */
export function bindServerImage(scope: Construct, serving: ResolvedServing, workspaceId: string, tags: Record<string, string>): BoundServerImage {
  const image = serving.image.registryUri!;
  const scoringPath = SERVER_ENV.scoringRoute.default;
  const envBody = environmentVersionBody({
    image,
    port: DEFAULT_PORT,
    livenessPath: ROUTES.live,
    readinessPath: ROUTES.ready,
    scoringPath,
    description: `model-serving-constructs server for ${serving.metadata.name}`,
    tags,
  });
  const environmentVersionName = shortHash(JSON.stringify(envBody)).slice(0, 12);
  const environmentVersion = new MlEnvironmentVersion(scope, 'EnvironmentVersion', {
    name: environmentVersionName,
    parentId: `${workspaceId}/environments/${serving.metadata.name}-server`,
    body: envBody,
  });
  return { environmentVersion, environmentVersionName, image };
}
