import { ProjectIamCustomRole } from '@cdktf/provider-google/lib/project-iam-custom-role';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';
import { VertexAiEndpoint } from '@cdktf/provider-google/lib/vertex-ai-endpoint';
import { Accelerator, Duration, LatencyPercentile, ModelArtifact, ScalingTarget, ServingImage, Size } from '../../lib';
import { ModelEndpoint, ModelEndpointProps } from '../../constructs/gcp';
import { ServingSpec, deployModelRequest, uploadModelRequest } from '../../constructs/gcp/vertex/bodies';
import { DeploymentPlan, deploymentIds } from '../../constructs/gcp/vertex/plan';
import { endpointProps } from './fixtures';
import { Synthesized, only, synth } from './support/cdktf';
import { readFileSync } from 'node:fs';
import { protoProblems } from './support/vertex-proto';
import { expectNoProblems, expectProblems } from '../support/expect-problems';

function synthEndpoint(p: Partial<ModelEndpointProps> = {}, after?: (e: ModelEndpoint) => void) {
  return synth((scope) => {
    const e = new ModelEndpoint(scope, 'Endpoint', endpointProps(p));
    after?.(e);
  });
}

function deployment(json: Synthesized): { input: DeploymentPlan; provisioner: { 'local-exec': { command: string; when?: string; environment: Record<string, string> } }[]; triggers_replace: { plan_sha256: string; references: string[] }; lifecycle: unknown } {
  const all = Object.entries(json.resource.terraform_data).filter(([k]) => k.includes('Deployment'));
  return all[0][1] as never;
}

/** Asset folders carry a content hash that changes with every handler build. */
function stable(out: string): string {
  return out.replace(/assets\/([A-Za-z0-9_]+)\/[0-9A-F]{32}\//g, 'assets/$1/<hash>/');
}

describe('ModelEndpoint (Vertex AI)', () => {
  test('default', () => {
    const { out } = synthEndpoint();
    expect(JSON.parse(stable(out))).toMatchSnapshot();
  });

  test('the endpoint has a numeric name, sanitized labels, and no traffic_split for Terraform to fight over', () => {
    const { out, json } = synthEndpoint();
    expect(out).toHaveResourceWithProperties(VertexAiEndpoint, {
      name: expect.stringMatching(/^[1-9]\d{9}$/),
      location: 'europe-west4',
      labels: { 'model-name': 'digits', 'model-version': '1-0-0', 'model-owner': 'ml-platform', 'managed-by': 'model-serving-constructs' },
    });
    expect(only(json, 'google_vertex_ai_endpoint')).not.toHaveProperty('traffic_split');
    // Every labelled resource carries the same sanitized labels.
    for (const type of ['google_storage_bucket', 'google_monitoring_alert_policy']) {
      for (const r of Object.values(json.resource[type])) expect((r.labels ?? r.user_labels) as object).toMatchObject({ 'model-version': '1-0-0' });
    }
  });

  test('the model goes to a folder in a private bucket, and artifactUri is that folder', () => {
    const { out, json } = synthEndpoint();
    expect(out).toHaveResourceWithProperties(StorageBucket, { uniform_bucket_level_access: true, public_access_prevention: 'enforced', location: 'europe-west4' });
    const object = only(json, 'google_storage_bucket_object');
    expect(object.name).toMatch(/^digits\/1\.0\.0\/[0-9a-f]{12}\/model\.onnx$/);
    const plan = deployment(json).input;
    expect(plan.spec.artifactUri).toBe(`gs://\${google_storage_bucket.Endpoint_ArtifactBucket_98D50140.name}/${(object.name as string).replace('model.onnx', '')}`);
  });

  test('an existing gs:// folder is used as it is, and the serving account may read only that folder', () => {
    const { json } = synthEndpoint({ model: ModelArtifact.fromUri('gs://acme-models/digits/1.0.0/') });
    expect(json.resource.google_storage_bucket).toBeUndefined();
    expect(deployment(json).input.spec.artifactUri).toBe('gs://acme-models/digits/1.0.0/');
    expect(only(json, 'google_storage_bucket_iam_member')).toMatchObject({
      bucket: 'acme-models',
      role: 'roles/storage.objectViewer',
      condition: { expression: 'resource.name.startsWith("projects/_/buckets/acme-models/objects/digits/1.0.0/")' },
    });
  });

  test('a single gs:// file is served from its folder, with a warning that Vertex AI copies the whole folder', () => {
    let warnings: string[] = [];
    const { json } = synthEndpoint({ model: ModelArtifact.fromUri('gs://acme-models/digits/1.0.0/digits.onnx') }, (e) => {
      warnings = e.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => String(m.data));
    });
    expect(deployment(json).input.spec.artifactUri).toBe('gs://acme-models/digits/1.0.0/');
    expect(warnings.join('\n')).toMatch(/Vertex AI copies the whole folder gs:\/\/acme-models\/digits\/1\.0\.0\/ \(artifactUri is a folder\), not only digits\.onnx/);
  });

  test('the serving account gets logs and metrics on the project and nothing else', () => {
    const { json } = synthEndpoint();
    const roles = Object.values(json.resource.google_project_iam_member).map((m) => m.role).sort();
    expect(roles).toEqual(['roles/logging.logWriter', 'roles/monitoring.metricWriter']);
  });

  test('the deployment runs the bundled deployer on create (apply) and destroy (retire), new before old', () => {
    const { json } = synthEndpoint();
    const d = deployment(json);
    expect(d.lifecycle).toEqual({ create_before_destroy: true });
    expect(d.provisioner.map((p) => [p['local-exec'].command.replace(/[0-9A-F]{32}/, '<hash>'), p['local-exec'].when])).toEqual([
      ['node "assets/Endpoint_Deployer_112463BD/<hash>/index.js" apply', undefined],
      ['node "assets/Endpoint_Deployer_112463BD/<hash>/index.js" retire', 'destroy'],
    ]);
    expect(d.provisioner[0]['local-exec'].environment).toEqual({ VERTEX_DEPLOYMENT_PLAN: '${jsonencode(self.input)}' });
    const teardown = Object.entries(json.resource.terraform_data).find(([k]) => k.includes('Teardown'))![1] as { depends_on: string[]; provisioner: { 'local-exec': { command: string; when: string } }[] };
    expect(teardown.provisioner[0]['local-exec']).toMatchObject({ when: 'destroy', command: expect.stringMatching(/index\.js" teardown$/) });
    expect(teardown.depends_on).toEqual(['google_vertex_ai_endpoint.Endpoint_EEF1FD8F']);
    expect((json.resource.terraform_data.Endpoint_Deployment_0E2D68DE as { depends_on: string[] }).depends_on).toContain('terraform_data.Endpoint_Teardown_9F852027');
  });

  test('the replacement trigger is the plan hash: stable across synths, new when the deployment changes', () => {
    const a = deployment(synthEndpoint().json).triggers_replace;
    expect(a.plan_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(deployment(synthEndpoint().json).triggers_replace.plan_sha256).toBe(a.plan_sha256);
    expect(deployment(synthEndpoint({ scaling: { maxReplicas: 5 } }).json).triggers_replace.plan_sha256).not.toBe(a.plan_sha256);
    expect(a.references).toEqual([
      '${google_storage_bucket.Endpoint_ArtifactBucket_98D50140.name}',
      '${google_service_account.Endpoint_ServingAccount_67B18E63.email}',
    ].map((r) => expect.stringContaining(r.slice(2, -1))));
  });

  test('the bodies the deployer builds from the synthesized plan match Vertex AI\'s protos', () => {
    const plan = deployment(synthEndpoint({ machineType: 'g2-standard-8', accelerator: Accelerator.NVIDIA_L4 }).json).input;
    const ids = deploymentIds(plan);
    expect(protoProblems('UploadModelRequest', uploadModelRequest(plan.spec, ids), { inUrl: ['parent'] })).toEqual([]);
    expect(protoProblems('DeployModelRequest', deployModelRequest(plan.spec, ids, plan.project, plan.location, { '0': 100 }), { inUrl: ['endpoint'] })).toEqual([]);
    expect(uploadModelRequest(plan.spec, ids)).toMatchObject({
      model: { containerSpec: { env: expect.arrayContaining([{ name: 'MODEL_SERVER_MAX_REQUEST_BODY_BYTES', value: '1500000' }, { name: 'MODEL_SERVER_MODEL_NAME', value: 'digits' }]) } },
    });
  });

  test('probes follow model.proto Probe: period at least 1 and less than the timeout (Vertex AI\'s rule, not Kubernetes\')', () => {
    // The rule is read from the proto text @google-cloud/aiplatform ships (build/protos/google/cloud/aiplatform/v1/
    // model.proto, same text as googleapis/googleapis f8291d2b89f0017ab078a4c7378069bae5686f6f), so a change upstream
    // shows up here.
    const proto = readFileSync(require.resolve('@google-cloud/aiplatform/build/protos/google/cloud/aiplatform/v1/model.proto'), 'utf8');
    const probe = proto.slice(proto.indexOf('message Probe {'));
    expect(probe).toMatch(/How often \(in seconds\) to perform the probe\. Default to 10 seconds\.\s*\/\/ Minimum value is 1\. Must be less than timeout_seconds\./);
    expect(probe).toMatch(/Number of seconds after which the probe times out\. Defaults to 1 second\.\s*\/\/ Minimum value is 1\. Must be greater or equal to period_seconds\./);
    for (const timeout of [Duration.minutes(30), Duration.minutes(1), Duration.hours(2)]) {
      const plan = deployment(synthEndpoint({ deploymentTimeout: timeout }).json).input;
      const body = uploadModelRequest(plan.spec, deploymentIds(plan)) as { model: { containerSpec: Record<string, { periodSeconds: number; timeoutSeconds: number; failureThreshold: number }> } };
      for (const key of ['startupProbe', 'healthProbe']) {
        const p = body.model.containerSpec[key];
        expect(p.periodSeconds).toBeGreaterThanOrEqual(1);
        expect(p.timeoutSeconds).toBeGreaterThanOrEqual(1);
        expect(p.periodSeconds).toBeLessThan(p.timeoutSeconds);
        expect(p.failureThreshold).toBeGreaterThanOrEqual(1);
      }
      // The startup probe still allows the whole deployment timeout.
      const startup = body.model.containerSpec.startupProbe;
      expect(startup.periodSeconds * startup.failureThreshold).toBeGreaterThanOrEqual(timeout.toSeconds());
    }
  });

  test('kmsKeyName reaches the plan and the Model upload (encryptionSpec), and is absent without it', () => {
    const key = `projects/${'acme-ml'}/locations/europe-west4/keyRings/serving/cryptoKeys/models`;
    const plan = deployment(synthEndpoint({ kmsKeyName: key }).json).input;
    expect(plan.spec.kmsKeyName).toBe(key);
    const body = uploadModelRequest(plan.spec, deploymentIds(plan));
    expect(protoProblems('UploadModelRequest', body, { inUrl: ['parent'] })).toEqual([]);
    expect(body).toMatchObject({ model: { encryptionSpec: { kmsKeyName: key } } });
    const plain = deployment(synthEndpoint().json).input;
    expect(plain.spec.kmsKeyName).toBeUndefined();
    expect((uploadModelRequest(plain.spec, deploymentIds(plain)).model as Record<string, unknown>).encryptionSpec).toBeUndefined();
  });

  test('template markers in the server environment are escaped for Terraform', () => {
    const signature = { opset: 17, inputs: [{ name: 'x${y}', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: '%{out}', datatype: 'FP32', shape: [-1] }] };
    const spec = deployment(synthEndpoint({ model: ModelArtifact.fromUri('gs://acme-models/odd/', { signature }) }).json).input.spec;
    expect(spec.environment.MODEL_SERVER_MODEL_SIGNATURE).toContain('"name":"x$${y}"');
    expect(spec.environment.MODEL_SERVER_MODEL_SIGNATURE).toContain('"name":"%%{out}"');
  });

  test('GPU: machine spec from the table, duty cycle and CPU tracked together', () => {
    let warnings: string[] = [];
    const spec: ServingSpec = deployment(synthEndpoint({ machineType: 'g2-standard-8', accelerator: Accelerator.NVIDIA_L4, scaling: { targets: [ScalingTarget.gpuUtilization(60)] } }, (e) => {
      warnings = e.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => String(m.data));
    }).json).input.spec;
    expect(warnings).toEqual([expect.stringMatching(/Vertex AI also scales on CPU utilization with a GPU; it is set at 90%/)]);
    expect(spec).toMatchObject({ machineType: 'g2-standard-8', acceleratorType: 'NVIDIA_L4', acceleratorCount: 1 });
    expect(spec.autoscaling).toEqual([
      { metricName: 'aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle', target: 60 },
      { metricName: 'aiplatform.googleapis.com/prediction/online/cpu/utilization', target: 90 },
    ]);
    const both = deployment(synthEndpoint({ machineType: 'n1-standard-8', accelerator: Accelerator.NVIDIA_T4, acceleratorCount: 2, scaling: { targets: [ScalingTarget.gpuUtilization(60), ScalingTarget.cpuUtilization(75)] } }).json).input.spec;
    expect(both).toMatchObject({ acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 2 });
    expect(both.autoscaling.map((a) => a.target)).toEqual([60, 75]);
  });

  test('alert policies read the endpoint\'s error rate and latency at the chosen percentile', () => {
    const { json } = synthEndpoint({ guardrails: { maxErrorRatePercent: 2, latencyPercentile: LatencyPercentile.P95, maxLatency: Duration.millis(250), evaluationPeriod: Duration.minutes(2), breachingPeriods: 3 } });
    const policies = Object.values(json.resource.google_monitoring_alert_policy) as { conditions: { condition_threshold: Record<string, unknown> }[] }[];
    const [errors, latency] = policies.map((p) => p.conditions[0].condition_threshold);
    expect(errors).toMatchObject({
      filter: expect.stringMatching(/resource\.labels\.endpoint_id = "\d{10}" AND metric\.type = "aiplatform\.googleapis\.com\/prediction\/online\/error_count"/),
      denominator_filter: expect.stringContaining('prediction/online/prediction_count'),
      threshold_value: 0.02,
      duration: '360s',
      aggregations: [{ alignment_period: '120s', per_series_aligner: 'ALIGN_DELTA', cross_series_reducer: 'REDUCE_SUM' }],
    });
    expect(latency).toMatchObject({ threshold_value: 250, aggregations: [{ per_series_aligner: 'ALIGN_PERCENTILE_95' }] });
  });

  test('grantPredict: a custom role with only aiplatform.endpoints.predict, bound on the project with no condition (Vertex AI ignores resource.name)', () => {
    let endpointId = '';
    const { out, json } = synthEndpoint({}, (e) => {
      e.grantPredict('serviceAccount:app@acme-ml.iam.gserviceaccount.com');
      e.grantPredict('group:analysts@example.com');
      endpointId = e.endpointId;
    });
    expect(out).toHaveResourceWithProperties(ProjectIamCustomRole, { permissions: ['aiplatform.endpoints.predict'], role_id: `modelServingPredict_${endpointId}` });
    const predict = Object.values(json.resource.google_project_iam_member).filter((m) => String(m.role).includes('PredictGrant'));
    expect(predict.map((m) => m.member).sort()).toEqual(['group:analysts@example.com', 'serviceAccount:app@acme-ml.iam.gserviceaccount.com']);
    for (const m of predict) {
      expect(m).toEqual({ project: 'acme-ml', member: m.member, role: expect.stringMatching(/^\$\{google_project_iam_custom_role\.Endpoint_PredictGrant_Role_[0-9A-F]+\.name\}$/) });
    }
  });

  test('metric helpers name this endpoint\'s series', () => {
    synth((scope) => {
      const e = new ModelEndpoint(scope, 'E', endpointProps({ endpointId: '1234567890' }));
      expect(e.metricAcceleratorDutyCycle().filter).toBe('resource.type = "aiplatform.googleapis.com/Endpoint" AND resource.labels.endpoint_id = "1234567890" AND metric.type = "aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle"');
      expect(e.metricReplicas().metricType).toBe('aiplatform.googleapis.com/prediction/online/replicas');
      expect(e.endpointName).toBe('projects/acme-ml/locations/europe-west4/endpoints/1234567890');
    });
  });
});

describe('ModelEndpoint (Vertex AI) validation', () => {
  const fails = (p: Partial<ModelEndpointProps>, message: RegExp): void => { expectProblems(() => synthEndpoint(p), message); };

  test('the bundled image is refused with the two commands that build and push it', () => {
    fails({ image: undefined }, /image: got nothing \(ServingImage\.bundled\(\) by default\); allowed: on Vertex AI: ServingImage\.fromRegistry[\s\S]*`docker build --platform linux\/amd64 -f \S*runtime\/Dockerfile -t europe-west4-docker\.pkg\.dev\/acme-ml\/<repository>\/model-server:<version> \S*runtime` and `docker push europe-west4-docker\.pkg\.dev\/acme-ml\/<repository>\/model-server:<version>`/);
    fails({ image: ServingImage.bundled(), machineType: 'g2-standard-4', accelerator: Accelerator.NVIDIA_L4 }, /-f \S*runtime\/Dockerfile\.gpu/);
  });
  test('an image outside Artifact Registry is refused', () => fails({ image: ServingImage.fromRegistry('123456789012.dkr.ecr.eu-west-1.amazonaws.com/model-server:1') }, /image: got "123456789012[^"]*"; allowed: on Vertex AI: an image in Artifact Registry/));
  test('an image in another region is refused', () => fails({ image: ServingImage.fromRegistry('us-central1-docker.pkg.dev/acme-ml/serving/model-server:2.0.0') }, /allowed: on Vertex AI: an Artifact Registry repository in europe-west4/));
  test('a GPU family without an accelerator', () => fails({ machineType: 'g2-standard-8' }, /accelerator: got none, on "g2-standard-8"; allowed: Accelerator\.NVIDIA_L4 \(what g2-standard-\* carries\)/));
  test('an accelerator the family does not carry', () => fails({ machineType: 'g2-standard-8', accelerator: Accelerator.NVIDIA_T4 }, /accelerator: got NVIDIA_T4 on g2-standard-8; allowed: g2-standard-\* carries NVIDIA_L4\. Fix: set accelerator: Accelerator\.NVIDIA_L4, or pick an n1-\* machine type/));
  test('a fixed GPU count that does not match', () => fails({ machineType: 'g2-standard-8', accelerator: Accelerator.NVIDIA_L4, acceleratorCount: 2 }, /acceleratorCount: got 2 on g2-standard-8; allowed: 1 \(Vertex AI fixes the GPU count by machine size\)\. Fix: remove acceleratorCount or choose g2-standard-24/));
  test('an N1 GPU count Compute Engine does not offer', () => fails({ machineType: 'n1-standard-8', accelerator: Accelerator.NVIDIA_T4, acceleratorCount: 3 }, /acceleratorCount: got 3 on n1-standard-8; allowed: 1, 2, 4 NVIDIA_T4 per n1 machine/));
  test('a GPU that does not attach to N1', () => fails({ machineType: 'n1-standard-8', accelerator: Accelerator.NVIDIA_H100 }, /NVIDIA_H100 comes with a3-highgpu-\*, a3-edgegpu-\*[\s\S]*use machineType "a3-highgpu-1g"/));
  test('an accelerator on a CPU family', () => fails({ machineType: 'e2-standard-4', accelerator: Accelerator.NVIDIA_L4 }, /machineType: got "e2-standard-4" with accelerator NVIDIA_L4; allowed: a GPU machine family for NVIDIA_L4: g2-standard-\*/));
  test('a machine size the family does not have', () => fails({ machineType: 'a2-highgpu-3g', accelerator: Accelerator.NVIDIA_A100 }, /machineType: got "a2-highgpu-3g"; allowed: a size of a2-highgpu: a2-highgpu-1g, a2-highgpu-2g/));
  test('a machine type that is not one', () => fails({ machineType: 'ml.g5.xlarge' }, /machineType: got "ml\.g5\.xlarge"; allowed: a Compute Engine machine type/));
  test('an unknown family', () => fails({ machineType: 'x9-standard-4' }, /a machine family this library knows/));
  // Catalogue: constructs/gcp/machine-types.ts CPU_MACHINE_TYPES (Compute Engine machine family docs, 2026-12-06).
  test('a misspelt machine type (issue 17: n1-standrd-4 was accepted)', () => fails({ machineType: 'n1-standrd-4' },
    /machineType: got "n1-standrd-4"; allowed: a n1 machine type: n1-standard-\*, n1-highmem-\*, n1-highcpu-\* \(Compute Engine catalogue as of 2026-12-06\)\. Fix: check the spelling \(e\.g\. "n1-standard-4"\), or set acceptUncataloguedMachineType: true/));
  test('a size the machine type does not come in', () => {
    fails({ machineType: 'n1-standard-3' }, /machineType: got "n1-standard-3"; allowed: a size of n1-standard: n1-standard-1, n1-standard-2, n1-standard-4[\s\S]*Fix: e\.g\. "n1-standard-4"/);
    fails({ machineType: 'e2-standard-64' }, /a size of e2-standard: e2-standard-2, [\s\S]*e2-standard-32\. Fix: e\.g\. "e2-standard-32"/);
    fails({ machineType: 'n1-highcpu-1' }, /a size of n1-highcpu/);
  });
  test('the escape hatch accepts an uncatalogued type, with a warning, and only when asked', () => {
    fails({ machineType: 'c4a-standard-4' }, /a machine family this library knows/);
    for (const machineType of ['c4a-standard-4', 'n1-standard-3']) {
      const { out } = synthEndpoint({ machineType, acceptUncataloguedMachineType: true });
      expect(out).toContain(machineType);
    }
    expectNoProblems(() => synthEndpoint({ machineType: 'n1-standard-3', acceptUncataloguedMachineType: true }));
    const warnings: string[] = [];
    synth((scope) => {
      const e = new ModelEndpoint(scope, 'E', endpointProps({ machineType: 'c4a-standard-4', acceptUncataloguedMachineType: true }));
      warnings.push(...e.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => String(m.data)));
    });
    expect(warnings).toContainEqual(expect.stringMatching(/machineType: c4a-standard-4 is a machine series this library's catalogue does not know; accepted unchecked/));
  });
  // Region table: GCP_GPU_REGIONS, from the per-zone GPU rows of SkyPilot's Google Cloud catalogue
  // (github.com/skypilot-org/skypilot-catalog catalogs/v7/gcp/vms.csv at 017e2502, read 2026-12-06): southamerica-east1
  // has T4 rows and no L4 rows; europe-west4 has both. Google's page (cloud.google.com/compute/docs/gpus/gpu-regions-zones)
  // could not be read here.
  test('a GPU the region does not offer is refused with the regions that do and the GPUs it has (issue 17)', () => {
    const image = ServingImage.fromRegistry('southamerica-east1-docker.pkg.dev/acme-ml/serving/model-server:2.0.0');
    fails({ region: 'southamerica-east1', image, machineType: 'g2-standard-8', accelerator: Accelerator.NVIDIA_L4 },
      /region: got NVIDIA_L4 in "southamerica-east1"; allowed: a region where Google Cloud offers NVIDIA_L4: asia-east1, .*europe-west4.*\(SkyPilot's Google Cloud catalogue, catalogs\/v7\/gcp\/vms\.csv at 017e2502 .*\)\. Fix: use one of those regions, or a GPU southamerica-east1 offers: NVIDIA_T4; if Google added NVIDIA_L4 in southamerica-east1 since, set acceptUncataloguedMachineType: true/);
    expectNoProblems(() => synthEndpoint({ region: 'southamerica-east1', image, machineType: 'n1-standard-8', accelerator: Accelerator.NVIDIA_T4 }));
    // The escape hatch, with a warning; a region the table does not cover is not checked.
    const warnings: string[] = [];
    synth((scope) => {
      const e = new ModelEndpoint(scope, 'E', endpointProps({ region: 'southamerica-east1', image, machineType: 'g2-standard-8', accelerator: Accelerator.NVIDIA_L4, acceptUncataloguedMachineType: true }));
      warnings.push(...e.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => String(m.data)));
    });
    expect(warnings).toContainEqual(expect.stringMatching(/region: NVIDIA_L4 is not listed in southamerica-east1 .*accepted unchecked \(acceptUncataloguedMachineType\)/));
    expectNoProblems(() => synthEndpoint({ region: 'europe-north2', image: ServingImage.fromRegistry('europe-north2-docker.pkg.dev/acme-ml/serving/model-server:2.0.0'), machineType: 'g2-standard-8', accelerator: Accelerator.NVIDIA_L4 }));
  });
  test('a malformed notification channel id (issue 17)', () => {
    // Monitoring API v3, projects.notificationChannels: name "projects/[PROJECT_ID_OR_NUMBER]/notificationChannels/[CHANNEL_ID]".
    fails({ notificationChannels: ['projects/acme-ml/notificationChannels/123', 'acme-ml/123', 'projects/acme-ml/channels/9'] },
      /notificationChannels\[1\]: got "acme-ml\/123"; allowed: a Cloud Monitoring notification channel name "projects\/<project id or number>\/notificationChannels\/<numeric id>"[\s\S]*notificationChannels\[2\]: got "projects\/acme-ml\/channels\/9"/);
    expectNoProblems(() => synthEndpoint({ notificationChannels: ['projects/acme-ml/notificationChannels/123', 'projects/731592846153/notificationChannels/18446744073709551'] }));
  });
  test('NVIDIA_A10G is not offered on Google Cloud', () => fails({ machineType: 'n1-standard-8', accelerator: Accelerator.NVIDIA_A10G }, /accelerator: got NVIDIA_A10G; allowed: on Vertex AI: an accelerator Google Cloud offers[\s\S]*NVIDIA_A10G has no Google Cloud equivalent/));
  test('a model in S3 is refused', () => fails({ model: ModelArtifact.fromUri('s3://bucket/model.onnx') }, /model: got "s3:\/\/bucket\/model\.onnx" \(S3\); allowed: on Vertex AI: models from LOCAL_FILE, GCS/));
  test('an archive is refused (artifactUri is a folder)', () => fails({ model: ModelArtifact.fromUri('gs://bucket/model.tar.gz') }, /model: got "gs:\/\/bucket\/model\.tar\.gz" \(ARCHIVE\); allowed: on Vertex AI: layouts SINGLE_FILE, PREFIX/));
  test('cooldowns are refused', () => fails({ scaling: { scaleInCooldown: Duration.minutes(10) } }, /scaling\.scaleInCooldown: got 10min; allowed: on Vertex AI: no cooldown setting/));
  test('a request-rate target is refused', () => fails({ scaling: { targets: [ScalingTarget.invocationsPerReplicaPerSecond(50)] } }, /scaling\.targets\[0\]: got 50 invocations\/s per replica; allowed: on Vertex AI: targets on CPU_UTILIZATION, GPU_UTILIZATION/));
  test('a concurrent-requests (queue depth) target is refused', () => fails({ scaling: { targets: [ScalingTarget.concurrentRequestsPerReplica(8)] } }, /scaling\.targets\[0\]: got 8 concurrent requests per replica; allowed: on Vertex AI: targets on CPU_UTILIZATION, GPU_UTILIZATION/));
  test('scale to zero is refused', () => fails({ scaling: { minReplicas: 0 } }, /scaling\.minReplicas: got 0; allowed: on Vertex AI: at least 1 replica/));
  test('a body limit above 1.5 MB is refused', () => fails({ server: { maxRequestBodySize: Size.mebibytes(6) } }, /server\.maxRequestBodySize: got 6291456 bytes; allowed: on Vertex AI: at most 1500000 bytes/));
  test('a latency percentile Cloud Monitoring cannot align to is refused', () => fails({ guardrails: { latencyPercentile: LatencyPercentile.P90 } }, /guardrails\.latencyPercentile: got p90; allowed: on Vertex AI/));
  test('an evaluation period that is not whole minutes is refused', () => fails({ guardrails: { evaluationPeriod: Duration.seconds(30) } }, /guardrails\.evaluationPeriod: got 30s; allowed: on Vertex AI/));
  test('an endpoint id that is not numeric', () => fails({ endpointId: 'digits-prod' }, /endpointId: got "digits-prod"; allowed: digits only, 1-10, no leading zero/));
  test('a deployment timeout beyond two hours', () => fails({ deploymentTimeout: Duration.hours(3) }, /deploymentTimeout: got 3h; allowed: whole seconds from 60 to 7200/));
  test('a project that is not a project id', () => fails({ project: 'Acme ML' }, /project: got "Acme ML"; allowed: a Google Cloud project id/));
  test('a region that is not one', () => fails({ region: 'europe' }, /region: got "europe"; allowed: a Google Cloud region/));
  test('every problem in one error', () => {
    expectProblems(() => synthEndpoint({ region: 'europe', machineType: 'g2-standard-8', scaling: { minReplicas: 0 } }), /has 3 invalid settings/);
  });
});
