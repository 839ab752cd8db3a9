/**
 * The gateway relay's environment: rendered by ModelGateway, parsed by the handler, from this one table.
 * No cdktf import: the handler bundles it.
 */
import { EnvField, EnvFields, EnvTable } from '../../../lib/internal/function-environment';

/** One route as the construct hands it over (GATEWAY_ROUTES). */
export interface RelayRoute {
  /** Path prefix, e.g. `/api/v1/fraud`; the relay answers `<path>/infer`. */
  readonly path: string;
  readonly model: string;
  /** `projects/<p>/locations/<region>/endpoints/<id>`. */
  readonly endpoint: string;
}

export interface RelayConfig {
  readonly routes: readonly RelayRoute[];
  /** Larger bodies get 413 before any call. */
  readonly maxBodyBytes: number;
  /** One access log line per request (no body, no credentials). */
  readonly accessLog: boolean;
}

/** A Vertex AI endpoint's resource name; the region may end in two digits (europe-west10, europe-west12). */
export const VERTEX_ENDPOINT_NAME = /^projects\/[^/]+\/locations\/([a-z]+-[a-z]+[0-9]+)\/endpoints\/[0-9]+$/;

function isRoutes(value: unknown): value is RelayRoute[] {
  return Array.isArray(value) && value.length > 0 && value.every((r: Partial<RelayRoute> | null) =>
    r !== null && typeof r === 'object' && typeof r.path === 'string' && r.path.startsWith('/') && typeof r.model === 'string' &&
    typeof r.endpoint === 'string' && VERTEX_ENDPOINT_NAME.test(r.endpoint));
}

const wholeBytes = (name: string): EnvField<number> => ({
  name,
  allowed: 'a whole number of bytes above 0',
  parse: (raw) => (/^[1-9][0-9]*$/.test(raw) ? Number(raw) : undefined),
  format: (v) => String(v),
});

const flag = (name: string): EnvField<boolean> => ({
  name,
  allowed: 'true or false',
  parse: (raw) => (raw === 'true' ? true : raw === 'false' ? false : undefined),
  format: (v) => String(v),
});

export const RELAY_ENV: EnvTable<RelayConfig> = {
  routes: EnvFields.json('GATEWAY_ROUTES', 'a JSON array of {path ("/..."), model, endpoint ("projects/<p>/locations/<region>/endpoints/<id>")}, at least one', isRoutes),
  maxBodyBytes: wholeBytes('GATEWAY_MAX_BODY_BYTES'),
  accessLog: flag('GATEWAY_ACCESS_LOG'),
};
