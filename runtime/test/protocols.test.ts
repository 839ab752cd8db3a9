import { addMul, mlp, repository } from './models';
import { binaryBody, expectClose, mlpForward, parseBinaryResponse, start, type Started } from './helpers';

const rows = [
  [0.5, -1, 2, 0.25],
  [1.5, 0.3, -0.7, 3],
];
const ref = mlpForward(7, [4, 8, 3], rows);

let s: Started;
let multi: Started;

beforeAll(async () => {
  s = await start(
    repository({ 'mlp/1': mlp(7) }),
    { livenessRoute: '/azure/live', readinessRoute: '/azure/ready', scoringRoute: '/azure/score' },
    { vertexHealthRoute: '/v1/endpoints/123/deployedModels/456', vertexPredictRoute: '/v1/endpoints/123/deployedModels/456:predict' },
  );
  multi = await start(repository({ 'mlp/1': mlp(7), 'add/1': addMul() }));
});
afterAll(async () => {
  await s.app.close();
  await multi.app.close();
});

describe('SageMaker', () => {
  test('GET /ping answers 200 with an empty body when ready', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/ping' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
  });

  test('POST /invocations accepts OIP JSON', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/invocations', payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4], data: rows }] } });
    expect(res.statusCode).toBe(200);
    expect(res.json().model_name).toBe('mlp');
    expectClose(res.json().outputs[0].data, ref.probabilities, 1e-6);
  });

  test('POST /invocations accepts the binary extension', async () => {
    const b = binaryBody({ inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4], parameters: { binary_data_size: 32 } }], outputs: [{ name: 'label', parameters: { binary_data: true } }] }, [
      Buffer.from(Float32Array.from(rows.flat()).buffer),
    ]);
    const res = await s.app.inject({
      method: 'POST',
      url: '/invocations',
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(b.headerLength) },
      payload: b.body,
    });
    const { raw } = parseBinaryResponse(res.rawPayload, Number(res.headers['inference-header-content-length']));
    expect(Array.from(new BigInt64Array(raw.label!.buffer.slice(raw.label!.byteOffset, raw.label!.byteOffset + 16)), Number)).toEqual(ref.label);
  });

  test('POST /invocations accepts {"instances"} and answers {"predictions"}', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/invocations', payload: { instances: rows } });
    expect(res.statusCode).toBe(200);
    const predictions = res.json().predictions as { probabilities: number[]; label: number }[];
    expect(predictions).toHaveLength(2);
    expect(predictions.map((p) => p.label)).toEqual(ref.label);
    expectClose(predictions.flatMap((p) => p.probabilities), ref.probabilities, 1e-6);
  });

  // ModelGateway on AWS forwards a route's `POST <path>/infer` body to InvokeEndpoint, which reaches /invocations:
  // the client must get what /v2/models/<model>/infer answers, errors included (constructs/aws/gateway-integration.ts).
  test('the gateway\'s route contract: an OIP body gets the same answer on /invocations as on /v2/models/<model>/infer, errors too', async () => {
    const good = { id: 'r-1', inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4], data: rows.flat() }] };
    const bad = { inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 5], data: [...rows.flat(), 1, 2] }] };
    for (const payload of [good, bad]) {
      const viaSageMaker = await s.app.inject({ method: 'POST', url: '/invocations', payload });
      const viaOip = await s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', payload });
      expect([viaSageMaker.statusCode, viaSageMaker.json()]).toEqual([viaOip.statusCode, viaOip.json()]);
    }
    const ok = await s.app.inject({ method: 'POST', url: '/invocations', payload: good });
    expect([ok.statusCode, ok.json().id, ok.json().model_name]).toEqual([200, 'r-1', 'mlp']);
    expect((await s.app.inject({ method: 'POST', url: '/invocations', payload: bad })).statusCode).toBe(400);
  });

  test('with several models, /invocations says which route to use', async () => {
    const res = await multi.app.inject({ method: 'POST', url: '/invocations', payload: { instances: rows } });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatch(/several models are served \(add, mlp\); use \/v2\/models\/\{model\}\/infer or set MODEL_SERVER_MODEL_NAME/);
  });

  test('a body that is none of the formats is refused', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/invocations', payload: { rows } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatch(/^expected an Open Inference Protocol body/);
  });
});

describe('Vertex AI', () => {
  test('AIP_HEALTH_ROUTE answers readiness', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/v1/endpoints/123/deployedModels/456' });
    expect(res.statusCode).toBe(200);
  });

  test('AIP_PREDICT_ROUTE maps instances to predictions', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/v1/endpoints/123/deployedModels/456:predict', payload: { instances: [rows[1]], parameters: {} } });
    expect(res.statusCode).toBe(200);
    const [p] = res.json().predictions;
    expect(p.label).toBe(ref.label[1]);
    expectClose(p.probabilities, ref.probabilities.slice(3), 1e-6);
  });

  test('AIP_PREDICT_ROUTE answers an OIP body exactly as /v2/models/<model>/infer does (the GCP ModelGateway relay sends OIP there through rawPredict)', async () => {
    const body = { id: 'r1', inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4], data: rows }] };
    const viaVertex = await s.app.inject({ method: 'POST', url: '/v1/endpoints/123/deployedModels/456:predict', payload: body });
    const viaOip = await s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', payload: body });
    expect(viaVertex.statusCode).toBe(200);
    expect(viaVertex.json()).toEqual(viaOip.json());
    expect(viaVertex.json()).toMatchObject({ id: 'r1', model_name: 'mlp' });
    expectClose(viaVertex.json().outputs[0].data, ref.probabilities, 1e-6);
  });

  test('instances keyed by input name work for multi-input models', async () => {
    const res = await multi.app.inject({
      method: 'POST',
      url: '/v1/models/add:predict',
      payload: { instances: [{ a: [1, 2, 3], b: [1, 1, 1] }, { a: [0, 0, 1], b: [2, 2, 2] }] },
    });
    expect(res.json()).toEqual({ predictions: [{ sum: [2, 3, 4], product: [1, 2, 3] }, { sum: [2, 2, 3], product: [0, 0, 2] }] });
  });

  test('a ragged instance list is refused', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/v1/endpoints/123/deployedModels/456:predict', payload: { instances: [[1, 2, 3, 4], [1, 2, 3]] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe("input 'input': data[1] has 3 entries; shape [2,4] needs 4 at depth 1");
  });
});

describe('Azure ML', () => {
  test('configurable liveness, readiness and scoring routes', async () => {
    expect((await s.app.inject({ method: 'GET', url: '/azure/live' })).json()).toEqual({ live: true });
    expect((await s.app.inject({ method: 'GET', url: '/azure/ready' })).json()).toEqual({ ready: true });
    const res = await s.app.inject({ method: 'POST', url: '/azure/score', payload: { instances: rows } });
    expect(res.json().predictions.map((p: { label: number }) => p.label)).toEqual(ref.label);
  });

  test('the scoring route answers an OIP body exactly as /v2/models/{m}/infer does (what the Azure ModelGateway forwards)', async () => {
    const payload = { id: 'r1', inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4], data: rows }] };
    const score = await s.app.inject({ method: 'POST', url: '/azure/score', payload });
    const infer = await s.app.inject({ method: 'POST', url: '/v2/models/mlp/infer', payload });
    expect(score.statusCode).toBe(200);
    expect(score.json()).toEqual(infer.json());
    expect(score.json()).toMatchObject({ model_name: 'mlp', id: 'r1' });
    expectClose(score.json().outputs[0].data, ref.probabilities, 1e-6);
  });
});

describe('TensorFlow Serving', () => {
  test('GET /v1/models/{m} reports version status', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/v1/models/mlp' });
    expect(res.json()).toEqual({ model_version_status: [{ version: '1', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }] });
    const v = await s.app.inject({ method: 'GET', url: '/v1/models/mlp/versions/1' });
    expect(v.json().model_version_status).toHaveLength(1);
    const missing = await s.app.inject({ method: 'GET', url: '/v1/models/mlp/versions/3' });
    expect(missing.statusCode).toBe(404);
  });

  test(':predict in row format', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/v1/models/mlp/versions/1:predict', payload: { instances: rows } });
    expect(res.json().predictions.map((p: { label: number }) => p.label)).toEqual(ref.label);
  });

  test(':predict in column format, bare and keyed', async () => {
    const bare = await s.app.inject({ method: 'POST', url: '/v1/models/mlp:predict', payload: { inputs: rows } });
    expect(bare.json().outputs.label).toEqual(ref.label);
    expectClose(bare.json().outputs.probabilities.flat(), ref.probabilities, 1e-6);
    const keyed = await multi.app.inject({ method: 'POST', url: '/v1/models/add:predict', payload: { inputs: { a: [[1, 2, 3]], b: [[3, 2, 1]] } } });
    expect(keyed.json()).toEqual({ outputs: { sum: [[4, 4, 4]], product: [[3, 4, 3]] } });
  });

  test('unknown verbs and models are 404 with the same error shape', async () => {
    const verb = await s.app.inject({ method: 'POST', url: '/v1/models/mlp:classify', payload: { instances: rows } });
    expect(verb.statusCode).toBe(404);
    expect(verb.json().error).toMatch(/TensorFlow Serving routes/);
    const model = await s.app.inject({ method: 'POST', url: '/v1/models/other:predict', payload: { instances: rows } });
    expect(model.statusCode).toBe(404);
    expect(model.json()).toEqual({ error: "unknown model 'other'; served models: mlp" });
  });
});
