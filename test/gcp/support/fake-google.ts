/**
 * An in-memory Vertex AI, Cloud Storage, Pub/Sub and Cloud Monitoring Alerts API behind a `fetch` replacement: the deployer and the
 * functions run unchanged against it. Every Vertex AI body is checked against the API's protos on the way
 * in (an unknown field or bad enum answers 400, and is recorded in `protoErrors`); long-running operations
 * finish after `pollsPerOperation` polls, or fail as told.
 */
import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { FetchLike, GoogleRest } from '../../../constructs/gcp/rest/client';
import { MonitoringAlert, OPEN_ALERTS_FILTER } from '../../../constructs/gcp/rest/monitoring';
import { protoProblems } from './vertex-proto';

export interface Call {
  readonly method: string;
  readonly url: string;
  readonly body?: unknown;
}

interface DeployedModel {
  id: string;
  model: string;
  displayName?: string;
  dedicatedResources: { machineSpec: Record<string, unknown>; minReplicaCount: number; maxReplicaCount: number; autoscalingMetricSpecs?: unknown[] };
}

interface PendingOp {
  name: string;
  polls: number;
  kind: string;
  target?: string;
  effect: () => Record<string, unknown>;
}

class HttpError {
  constructor(public readonly httpStatus: number, public readonly status: string, public readonly message: string) {}
}

export class FakeGoogle {
  public readonly calls: Call[] = [];
  public readonly protoErrors: string[] = [];
  public readonly models = new Map<string, { name: string; labels: Record<string, string>; body: Record<string, unknown> }>();
  public readonly endpoints = new Map<string, { deployedModels: DeployedModel[]; trafficSplit: Record<string, number> }>();
  public readonly objects = new Map<string, { data: string; generation: number }>();
  public readonly published: { topic: string; data: unknown; attributes?: Record<string, string> }[] = [];
  /**
   * Cloud Monitoring alerts, as `projects.alerts.list` returns them. The shape follows Google's REST reference
   * ("REST Resource: projects.alerts", https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.alerts):
   * name `projects/[PROJECT_ID_OR_NUMBER]/alerts/[ALERT_ID]`, state OPEN/CLOSED, openTime, resource, metric
   * (labels kept from the condition), policy (PolicySnapshot: name, displayName).
   */
  public readonly alerts: MonitoringAlert[] = [];
  /** Alerts per page of `projects.alerts.list`. */
  public alertsPageSize = 100;
  /** The project number the Alerts API names policies and alerts by. */
  public readonly projectNumber = '731592846153';
  /** Polls after which an operation is done. */
  public pollsPerOperation = 3;
  /** Operation kinds (upload, deploy, undeploy, mutate, delete) that end in an error. */
  public readonly failingOperations = new Map<string, string>();
  /** Requests (method + url substring) that fail once with a network error, as if the process died there. */
  public readonly dropOnce: { method: string; urlPart: string }[] = [];
  /** Requests (method + url substring) answered once with this HTTP status (e.g. 503), as Google does under load. */
  public readonly failOnce: { method: string; urlPart: string; status: number }[] = [];
  private readonly ops = new Map<string, PendingOp>();
  private readonly finished = new Map<string, Record<string, unknown>>();
  private opCounter = 0;
  private generation = 1;

  constructor(public readonly project = 'acme-ml', public readonly location = 'europe-west4') {}

  public addEndpoint(id: string, deployed: DeployedModel[] = [], split: Record<string, number> = {}): void {
    this.endpoints.set(`projects/${this.project}/locations/${this.location}/endpoints/${id}`, { deployedModels: deployed, trafficSplit: split });
  }

  public endpoint(id: string) {
    return this.endpoints.get(`projects/${this.project}/locations/${this.location}/endpoints/${id}`)!;
  }

  public deployed(id: string, modelId: string, min = 1, max = 2): DeployedModel {
    return {
      id,
      model: `projects/${this.project}/locations/${this.location}/models/${modelId}`,
      dedicatedResources: { machineSpec: { machineType: 'n1-standard-4' }, minReplicaCount: min, maxReplicaCount: max },
    };
  }

  /** An alert of policy `policyId` on `endpointId`, for `deployedModelId` (the rollout's policies group by it). */
  public addAlert(policyId: string, endpointId: string, deployedModelId?: string, state: 'OPEN' | 'CLOSED' = 'OPEN'): MonitoringAlert {
    const alert: MonitoringAlert = {
      name: `projects/${this.projectNumber}/alerts/${policyId}-${this.alerts.length + 1}`,
      state,
      openTime: '2026-11-30T08:02:00Z',
      resource: { type: 'aiplatform.googleapis.com/Endpoint', labels: { resource_container: this.projectNumber, location: this.location, endpoint_id: endpointId } },
      metric: { type: 'aiplatform.googleapis.com/prediction/online/error_count', labels: deployedModelId ? { deployed_model_id: deployedModelId } : {} },
      policy: { name: `projects/${this.projectNumber}/alertPolicies/${policyId}`, displayName: `policy ${policyId}` },
    };
    this.alerts.push(alert);
    return alert;
  }

  public rest(): GoogleRest {
    return new GoogleRest({ token: async () => 'test-token', fetch: this.fetch, sleep: async () => undefined, log: () => undefined });
  }

  /**
   * Serves the fake over HTTP for a separate process (the deployer run by Terraform): a request to
   * `<root>/<host>/<path>` is answered as `https://<host>/<path>`. Resolves to the root.
   */
  public async listen(): Promise<{ root: string; server: Server }> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const url = `https:/${req.url}`;
        this.fetch(url, { method: req.method ?? 'GET', headers: { authorization: String(req.headers.authorization ?? '') }, body: body === '' ? undefined : body })
          .then(async (r) => {
            res.writeHead(r.status, { 'content-type': 'application/json' });
            res.end(await r.text());
          }, (e: Error) => {
            res.writeHead(502);
            res.end(JSON.stringify({ error: { status: 'UNAVAILABLE', message: e.message } }));
          });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return { root: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
  }

  public callsMatching(method: string, part: string): Call[] {
    return this.calls.filter((c) => c.method === method && c.url.includes(part));
  }

  public readonly fetch: FetchLike = async (url, init) => {
    const body = init.body === undefined ? undefined : JSON.parse(init.body);
    this.calls.push({ method: init.method, url, body });
    const drop = this.dropOnce.findIndex((d) => d.method === init.method && url.includes(d.urlPart));
    if (drop >= 0) {
      this.dropOnce.splice(drop, 1);
      throw new Error(`network error (injected) on ${init.method} ${url}`);
    }
    const fail = this.failOnce.findIndex((d) => d.method === init.method && url.includes(d.urlPart));
    if (fail >= 0) {
      const { status } = this.failOnce.splice(fail, 1)[0];
      return respond(status, { error: { code: status, status: status === 429 ? 'RESOURCE_EXHAUSTED' : 'UNAVAILABLE', message: 'try again' } });
    }
    this.advance();
    if (init.headers.authorization !== 'Bearer test-token') return respond(401, { error: { status: 'UNAUTHENTICATED', message: 'no token' } });
    try {
      return respond(200, this.route(init.method, new URL(url), body));
    } catch (e) {
      if (e instanceof HttpError) return respond(e.httpStatus, { error: { code: e.httpStatus, status: e.status, message: e.message } });
      throw e;
    }
  };

  /** Time passes with every request: operations finish after `pollsPerOperation` requests, polled or not. */
  private advance(): void {
    for (const op of [...this.ops.values()]) {
      op.polls += 1;
      if (op.polls < this.pollsPerOperation) continue;
      this.ops.delete(op.name);
      const failure = this.failingOperations.get(op.kind);
      this.finished.set(op.name, failure
        ? { name: op.name, done: true, error: { code: 9, message: failure } }
        : { name: op.name, done: true, response: op.effect() });
    }
  }

  private proto(type: string, body: unknown, inUrl: string[], required = true): void {
    const problems = protoProblems(type, body, { inUrl, required });
    if (problems.length > 0) {
      this.protoErrors.push(...problems);
      throw new HttpError(400, 'INVALID_ARGUMENT', problems.join('; '));
    }
  }

  /**
   * googleapis google/cloud/aiplatform/v1/model.proto `Probe` (as shipped in @google-cloud/aiplatform 7.4.0
   * build/protos, and at googleapis f8291d2b89f0017ab078a4c7378069bae5686f6f): period_seconds "Minimum value is
   * 1. Must be less than timeout_seconds"; timeout_seconds "Minimum value is 1. Must be greater or equal to
   * period_seconds"; failure_threshold "Minimum value is 1".
   */
  private probeRule(containerSpec: Record<string, unknown>): void {
    const problems: string[] = [];
    for (const key of ['startupProbe', 'healthProbe', 'livenessProbe']) {
      const p = containerSpec[key] as { periodSeconds?: number; timeoutSeconds?: number; failureThreshold?: number } | undefined;
      if (!p) continue;
      const period = p.periodSeconds ?? 10;
      const timeout = p.timeoutSeconds ?? 1;
      if (period < 1 || timeout < 1) problems.push(`${key}: periodSeconds and timeoutSeconds must be at least 1`);
      if (!(period < timeout)) problems.push(`${key}: periodSeconds ${period} must be less than timeoutSeconds ${timeout}`);
      if (p.failureThreshold !== undefined && p.failureThreshold < 1) problems.push(`${key}: failureThreshold must be at least 1`);
    }
    if (problems.length > 0) {
      this.protoErrors.push(...problems);
      throw new HttpError(400, 'INVALID_ARGUMENT', problems.join('; '));
    }
  }

  private startOp(kind: string, effect: () => Record<string, unknown>): Record<string, unknown> {
    const name = `projects/${this.project}/locations/${this.location}/operations/${++this.opCounter}`;
    if (this.pollsPerOperation === 0) {
      const failure = this.failingOperations.get(kind);
      return failure ? { name, done: true, error: { code: 9, message: failure } } : { name, done: true, response: effect() };
    }
    this.ops.set(name, { name, polls: 0, kind, effect });
    return { name, done: false };
  }

  private route(method: string, url: URL, body: unknown): unknown {
    const path = decodeURIComponent(url.pathname);
    if (url.hostname === 'storage.googleapis.com') return this.storage(method, url, body);
    if (url.hostname === 'monitoring.googleapis.com') return this.monitoring(method, url);
    if (url.hostname === 'pubsub.googleapis.com') {
      const m = /^\/v1\/(projects\/[^/]+\/topics\/[^/:]+):publish$/.exec(path);
      if (method !== 'POST' || !m) throw new HttpError(404, 'NOT_FOUND', path);
      const messages = (body as { messages: { data: string; attributes?: Record<string, string> }[] }).messages;
      for (const msg of messages) this.published.push({ topic: m[1], data: JSON.parse(Buffer.from(msg.data, 'base64').toString('utf8')), attributes: msg.attributes });
      return { messageIds: messages.map((_, i) => String(i + 1)) };
    }
    if (url.hostname !== `${this.location}-aiplatform.googleapis.com`) throw new HttpError(404, 'NOT_FOUND', `wrong host ${url.hostname}`);
    const rest = path.replace(/^\/v1\//, '');
    const parent = `projects/${this.project}/locations/${this.location}`;

    if (method === 'GET' && this.finished.has(rest)) return this.finished.get(rest);
    if (method === 'GET' && this.ops.has(rest)) return { name: rest, done: false };
    if (method === 'POST' && rest === `${parent}/models:upload`) {
      this.proto('UploadModelRequest', body, ['parent']);
      this.probeRule((body as { model?: { containerSpec?: Record<string, unknown> } }).model?.containerSpec ?? {});
      const b = body as { modelId: string; model: { labels?: Record<string, string> } };
      const name = `${parent}/models/${b.modelId}`;
      if (this.models.has(name) || [...this.ops.values()].some((o) => o.kind === 'upload' && o.target === name)) throw new HttpError(409, 'ALREADY_EXISTS', `Model ${name} already exists`);
      const started = this.startOp('upload', () => {
        this.models.set(name, { name, labels: b.model.labels ?? {}, body: b.model });
        return { model: name };
      });
      const pending = this.ops.get(started.name as string);
      if (pending) pending.target = name;
      return started;
    }
    if (method === 'GET' && rest === `${parent}/models`) {
      const filter = url.searchParams.get('filter') ?? '';
      const m = /^labels\.([a-z0-9_-]+)=(.*)$/.exec(filter);
      const list = [...this.models.values()].filter((x) => !m || x.labels[m[1]] === m[2]);
      return { models: list.map((x) => ({ name: x.name })) };
    }
    const modelMatch = /^(projects\/[^/]+\/locations\/[^/]+\/models\/[^/:]+)$/.exec(rest);
    if (modelMatch) {
      const model = this.models.get(modelMatch[1]);
      if (!model) throw new HttpError(404, 'NOT_FOUND', `Model ${modelMatch[1]} not found`);
      if (method === 'GET') return { name: model.name, labels: model.labels };
      if (method === 'DELETE') {
        for (const ep of this.endpoints.values()) {
          if (ep.deployedModels.some((d) => d.model === model.name)) throw new HttpError(400, 'FAILED_PRECONDITION', `Model ${model.name} is deployed`);
        }
        return this.startOp('delete', () => {
          this.models.delete(model.name);
          return {};
        });
      }
    }
    const epMatch = /^(projects\/[^/]+\/locations\/[^/]+\/endpoints\/\d+)(?::(\w+))?$/.exec(rest);
    if (epMatch) {
      const ep = this.endpoints.get(epMatch[1]);
      if (!ep) throw new HttpError(404, 'NOT_FOUND', `Endpoint ${epMatch[1]} not found`);
      const verb = epMatch[2];
      if (method === 'GET' && !verb) return { name: epMatch[1], deployedModels: ep.deployedModels, trafficSplit: ep.trafficSplit };
      if (method === 'PATCH' && !verb) {
        if (url.searchParams.get('updateMask') !== 'trafficSplit') throw new HttpError(400, 'INVALID_ARGUMENT', 'updateMask must be trafficSplit');
        this.proto('Endpoint', body, [], false);
        const split = (body as { trafficSplit: Record<string, number> }).trafficSplit;
        this.checkSplit(ep, split);
        ep.trafficSplit = clean(split);
        return { name: epMatch[1], deployedModels: ep.deployedModels, trafficSplit: ep.trafficSplit };
      }
      if (method === 'POST' && verb === 'deployModel') {
        this.proto('DeployModelRequest', body, ['endpoint']);
        const b = body as { deployedModel: DeployedModel & { id: string }; trafficSplit?: Record<string, number> };
        if (!this.models.has(b.deployedModel.model)) throw new HttpError(400, 'FAILED_PRECONDITION', `model ${b.deployedModel.model} does not exist`);
        if (ep.deployedModels.some((d) => d.id === b.deployedModel.id) || [...this.ops.values()].some((o) => o.kind === 'deploy' && o.target === b.deployedModel.id)) {
          throw new HttpError(409, 'ALREADY_EXISTS', `DeployedModel ${b.deployedModel.id} already exists`);
        }
        const started = this.startOp('deploy', () => {
          ep.deployedModels.push({ ...b.deployedModel });
          if (b.trafficSplit && Object.keys(b.trafficSplit).length > 0) {
            const split: Record<string, number> = {};
            for (const [k, v] of Object.entries(b.trafficSplit)) split[k === '0' ? b.deployedModel.id : k] = v;
            this.checkSplit(ep, split);
            ep.trafficSplit = clean(split);
          }
          return { deployedModel: { id: b.deployedModel.id } };
        });
        const pending = this.ops.get(started.name as string);
      if (pending) pending.target = b.deployedModel.id;
        return started;
      }
      if (method === 'POST' && verb === 'undeployModel') {
        this.proto('UndeployModelRequest', body, ['endpoint']);
        const b = body as { deployedModelId: string; trafficSplit?: Record<string, number> };
        if (!ep.deployedModels.some((d) => d.id === b.deployedModelId)) throw new HttpError(404, 'NOT_FOUND', `DeployedModel ${b.deployedModelId} not found`);
        const after = b.trafficSplit ?? ep.trafficSplit;
        if ((after[b.deployedModelId] ?? 0) > 0) throw new HttpError(400, 'FAILED_PRECONDITION', `DeployedModel ${b.deployedModelId} still has traffic`);
        return this.startOp('undeploy', () => {
          ep.deployedModels = ep.deployedModels.filter((d) => d.id !== b.deployedModelId);
          if (b.trafficSplit) ep.trafficSplit = clean(b.trafficSplit);
          delete ep.trafficSplit[b.deployedModelId];
          return {};
        });
      }
      if (method === 'POST' && verb === 'mutateDeployedModel') {
        this.proto('MutateDeployedModelRequest', body, ['endpoint']);
        const b = body as { deployedModel: DeployedModel; updateMask: string };
        const target = ep.deployedModels.find((d) => d.id === b.deployedModel.id);
        if (!target) throw new HttpError(404, 'NOT_FOUND', `DeployedModel ${b.deployedModel.id} not found`);
        return this.startOp('mutate', () => {
          for (const path of b.updateMask.split(',')) {
            const key = path.replace('dedicatedResources.', '') as 'minReplicaCount' | 'maxReplicaCount';
            target.dedicatedResources[key] = (b.deployedModel.dedicatedResources as unknown as Record<string, number>)[key];
          }
          return { deployedModel: target };
        });
      }
    }
    throw new HttpError(404, 'NOT_FOUND', `${method} ${path}`);
  }

  private monitoring(method: string, url: URL): unknown {
    const path = decodeURIComponent(url.pathname);
    const m = /^\/v3\/projects\/([^/]+)\/alerts$/.exec(path);
    if (method !== 'GET' || !m) throw new HttpError(404, 'NOT_FOUND', `${method} ${path}`);
    if (m[1] !== this.project && m[1] !== this.projectNumber) throw new HttpError(403, 'PERMISSION_DENIED', `project ${m[1]}`);
    // Only the filter the controller sends is understood; anything else is refused rather than guessed at.
    const filter = url.searchParams.get('filter');
    if (filter !== null && filter !== OPEN_ALERTS_FILTER) throw new HttpError(400, 'INVALID_ARGUMENT', `unsupported filter ${filter}`);
    const matching = this.alerts.filter((a) => filter === null || a.state === 'OPEN');
    const start = Number(url.searchParams.get('pageToken') ?? '0');
    const size = Math.min(this.alertsPageSize, Number(url.searchParams.get('pageSize') ?? '100'));
    const page = matching.slice(start, start + size);
    return { alerts: page, ...(start + size < matching.length ? { nextPageToken: String(start + size) } : {}), totalSize: matching.length };
  }

  private checkSplit(ep: { deployedModels: DeployedModel[] }, split: Record<string, number>): void {
    const total = Object.values(split).reduce((a, b) => a + b, 0);
    if (Object.keys(split).length > 0 && total !== 100) throw new HttpError(400, 'INVALID_ARGUMENT', `traffic split adds up to ${total}, not 100`);
    for (const id of Object.keys(split)) {
      if (!ep.deployedModels.some((d) => d.id === id)) throw new HttpError(400, 'INVALID_ARGUMENT', `traffic split names ${id}, which is not deployed`);
    }
  }

  private storage(method: string, url: URL, body: unknown): unknown {
    const path = decodeURIComponent(url.pathname);
    const read = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(path);
    if (read && method === 'GET') {
      const obj = this.objects.get(`${read[1]}/${read[2]}`);
      if (!obj) throw new HttpError(404, 'NOT_FOUND', 'No such object');
      if (url.searchParams.get('alt') === 'media') {
        if (url.searchParams.get('generation') !== String(obj.generation)) throw new HttpError(404, 'NOT_FOUND', 'No such generation');
        return JSON.parse(obj.data);
      }
      return { name: read[2], bucket: read[1], generation: String(obj.generation) };
    }
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(path);
    if (upload && method === 'POST') {
      const key = `${upload[1]}/${url.searchParams.get('name')}`;
      const want = url.searchParams.get('ifGenerationMatch');
      const current = this.objects.get(key);
      if (want !== null && String(current?.generation ?? 0) !== want) throw new HttpError(412, 'FAILED_PRECONDITION', 'conditionNotMet');
      const generation = ++this.generation;
      this.objects.set(key, { data: JSON.stringify(body), generation });
      return { name: url.searchParams.get('name'), generation: String(generation) };
    }
    throw new HttpError(404, 'NOT_FOUND', `${method} ${path}`);
  }
}

function clean(split: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(split).filter(([, v]) => v > 0));
}

function respond(status: number, body: unknown) {
  return { status, text: async () => JSON.stringify(body) };
}
