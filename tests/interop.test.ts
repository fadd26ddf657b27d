// Exports loaded by the real libraries (TF.js in Node, onnxruntime-node) agree with our probabilities on 1,000
// MNIST test images; export -> import gives back the parameters within float32 rounding and trains further.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { Network } from '../src/engine/network.js';
import { loadMnist } from '../src/data/mnist.js';
import type { MnistSplit } from '../src/data/split.js';
import { exportOnnx, importOnnx } from '../src/interop/onnx.js';
import { exportTfjs, importTfjs } from '../src/interop/tfjs.js';
import { loadTfjs, saveTfjs } from '../src/interop/files-node.js';
import type { SavedModel } from '../src/model/file.js';
import type { NetworkSpec } from '../src/model/spec.js';
import { train } from '../src/train/trainer.js';
import { MNIST_DIR } from './helpers.js';

const COUNT = 1000;
// float32 weights and float32 arithmetic in the other runtimes: outputs in [0, 1] agree to better than 1e-6 (measured).
const FLOAT32_TOLERANCE = 1e-5;

interface Trained {
  label: string;
  model: SavedModel;
  probabilities: Float64Array;
}

let data: MnistSplit;
let pixels64: Float64Array;
let pixels32: Float32Array;
const trained: Trained[] = [];
let dir: string;

async function trainSmall(spec: Partial<NetworkSpec>, label: string): Promise<Trained> {
  const network = await Network.create(spec, { init: { seed: 3 } });
  await train(network, { train: data.train }, { epochs: 1, batchSize: 10, eta: spec.activation === 'relu' ? 0.1 : 0.5, seed: 3 });
  const model: SavedModel = { spec: network.spec, layout: network.layout, parameters: network.getParameters(), metrics: [] };
  return { label, model, probabilities: network.predict(pixels64) };
}

function argmax(values: ArrayLike<number>, row: number, classes: number): number {
  let best = 0;
  for (let k = 1; k < classes; k++) if (values[row * classes + k] > values[row * classes + best]) best = k;
  return best;
}

/** Max |ours - theirs| and how many rows pick a different digit. */
function agreement(ours: Float64Array, theirs: ArrayLike<number>, classes = 10): { maxDiff: number; argmaxDiffers: number } {
  assert.equal(theirs.length, ours.length);
  let maxDiff = 0;
  let argmaxDiffers = 0;
  for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i] - theirs[i]));
  for (let r = 0; r < ours.length / classes; r++) if (argmax(ours, r, classes) !== argmax(theirs, r, classes)) argmaxDiffers++;
  return { maxDiff, argmaxDiffers };
}

before(async () => {
  data = await loadMnist(MNIST_DIR, { trainSize: 3000 });
  pixels64 = Float64Array.from(data.test.images.subarray(0, COUNT * 784), (v) => v / 255);
  pixels32 = Float32Array.from(pixels64);
  trained.push(await trainSmall({ layers: [784, 30, 10] }, 'sigmoid/sigmoid [784, 30, 10]'));
  trained.push(await trainSmall({ layers: [784, 24, 16, 10], activation: 'relu', outputActivation: 'softmax' }, 'relu/softmax [784, 24, 16, 10]'));
  dir = await mkdtemp(join(tmpdir(), 'mnist-interop-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('TensorFlow.js export', () => {
  test('tf.loadLayersModel reads the files and predicts our probabilities', async (t) => {
    for (const { label, model, probabilities } of trained) {
      const out = join(dir, `tfjs-${model.spec.layers.length}`);
      await saveTfjs(out, model);
      // A file IO handler: model.json and its shards as they are on disk.
      const modelJson = JSON.parse(await readFile(join(out, 'model.json'), 'utf8')) as ReturnType<typeof exportTfjs>['modelJson'];
      const shards = await Promise.all(modelJson.weightsManifest[0].paths.map((p) => readFile(join(out, p))));
      const weightData = new Uint8Array(Buffer.concat(shards)).buffer;
      const loaded = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData }));
      const output = loaded.predict(tf.tensor2d(pixels32, [COUNT, 784])) as tf.Tensor;
      const { maxDiff, argmaxDiffers } = agreement(probabilities, await output.data());
      t.diagnostic(`${label}: max difference ${maxDiff.toExponential(2)}`);
      assert.ok(maxDiff < FLOAT32_TOLERANCE, `${label}: max difference ${maxDiff}`);
      assert.equal(argmaxDiffers, 0, label);
      loaded.dispose();
    }
  });

  test('weights larger than a shard are split over several files, and read back whole', async () => {
    const { model } = trained[0];
    const { modelJson, shards } = exportTfjs(model, { shardBytes: 10_000 });
    assert.equal(shards.length, Math.ceil(((784 * 30 + 30 + 30 * 10 + 10) * 4) / 10_000));
    assert.deepEqual(modelJson.weightsManifest[0].paths, shards.map((s) => s.path));
    const byPath = new Map(shards.map((s) => [s.path, s.data]));
    const back = await importTfjs(JSON.stringify(modelJson), async (p) => byPath.get(p) as Uint8Array);
    assert.deepEqual(back.parameters, model.parameters.map(Math.fround));
  });

  test('export -> import gives the parameters rounded to float32, and a model that trains further', async () => {
    for (const { label, model } of trained) {
      const out = join(dir, `roundtrip-${model.spec.layers.length}`);
      await saveTfjs(out, model);
      const back = await loadTfjs(out);
      assert.deepEqual(back.spec, { ...model.spec, cost: 'cross-entropy' }, label);
      assert.deepEqual(back.parameters, model.parameters.map(Math.fround), label);
      const network = await Network.create(back.spec, { parameters: back.parameters });
      const original = await Network.create(model.spec, { parameters: model.parameters });
      const test = network.upload(data.test);
      const [before, reference] = [network.evaluate(test), original.evaluate(original.upload(data.test))];
      assert.ok(Math.abs(before.correct - reference.correct) <= 2, `${label}: ${before.correct} vs ${reference.correct} correct`);
      const result = await train(network, { train: data.train }, { epochs: 1, batchSize: 10, eta: 0.1, seed: 1, resume: back.state });
      assert.equal(result.state.epochsDone, 1);
      assert.ok(network.evaluate(test).accuracy > 0.8, label);
    }
  });
});

describe('ONNX export', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    test(`onnxruntime-node runs the ${dtype} export and predicts our probabilities`, async (t) => {
      for (const { label, model, probabilities } of trained) {
        const session = await ort.InferenceSession.create(exportOnnx(model, { dtype }));
        assert.deepEqual(session.inputNames, ['input']);
        const input = new ort.Tensor(dtype, dtype === 'float32' ? pixels32 : pixels64, [COUNT, 784]);
        const { probabilities: output } = await session.run({ input });
        assert.deepEqual(output.dims, [COUNT, 10]);
        const { maxDiff, argmaxDiffers } = agreement(probabilities, output.data as Float32Array | Float64Array);
        t.diagnostic(`${label}: max difference ${maxDiff.toExponential(2)}`);
        assert.ok(maxDiff < (dtype === 'float32' ? FLOAT32_TOLERANCE : 1e-12), `${label}: max difference ${maxDiff}`);
        assert.equal(argmaxDiffers, 0, label);
        // The batch dimension is symbolic: one image runs too.
        const one = await session.run({ input: new ort.Tensor(dtype, input.data.slice(0, 784) as Float32Array, [1, 784]) });
        assert.deepEqual(one.probabilities.dims, [1, 10]);
        await session.release();
      }
    });
  }

  test('export -> import gives the parameters back (float32 rounded, float64 exact)', () => {
    for (const { label, model } of trained) {
      assert.deepEqual(importOnnx(exportOnnx(model)).parameters, model.parameters.map(Math.fround), label);
      const exact = importOnnx(exportOnnx(model, { dtype: 'float64' }));
      assert.deepEqual(exact.parameters, model.parameters, label);
      assert.deepEqual(exact.spec, model.spec, label);
    }
  });
});
