// The peer: what a user would write from the deployment guides (fastify + onnxruntime-node, session.run
// inline on the request's event loop, default session options). Same OIP JSON route and answer shape as
// the model server. Run as its own process: node peer-server.js PORT MODEL_PATH
const ort = require('onnxruntime-node');
const fastify = require('fastify')({ logger: false, bodyLimit: 64 * 1024 * 1024 });

const DATATYPE = { float32: 'FP32', int64: 'INT64' };

async function main() {
  const session = await ort.InferenceSession.create(process.argv[3]);
  fastify.post('/v2/models/:model/infer', async (request) => {
    const input = request.body.inputs[0];
    const data = Float32Array.from(input.data.flat(Infinity));
    const results = await session.run({ [input.name]: new ort.Tensor('float32', data, input.shape) });
    return {
      model_name: request.params.model,
      model_version: '1',
      outputs: Object.entries(results).map(([name, t]) => ({ name, datatype: DATATYPE[t.type], shape: t.dims, data: Array.from(t.data, Number) })),
    };
  });
  await fastify.listen({ port: Number(process.argv[2]), host: '127.0.0.1' });
  process.stdout.write('ready\n');
}
// Exit through process.exit on SIGTERM so `node --cpu-prof` writes its profile (bench/wrk.ts --profile-peer).
process.on('SIGTERM', () => process.exit(0));
main();
