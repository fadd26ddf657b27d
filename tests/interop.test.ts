// Exports loaded by the real libraries (TF.js in Node, onnxruntime-node) agree with our probabilities on 1,000
// MNIST test images; export -> import gives back the parameters within float32 rounding and trains further.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { Network } from '../src/engine/network.js';
import { exportOnnx, importOnnx } from '../src/interop/onnx.js';
import { exportTfjs, importTfjs } from '../src/interop/tfjs.js';
import { createClassifier, parseClassifier } from '../src/infer.js';
import { serializeModel } from '../src/model/file.js';
import { loadTfjs, saveTfjs } from '../src/interop/files-node.js';
import { train } from '../src/train/trainer.js';
import { agreement, COUNT, FLOAT32_TOLERANCE, trainFixture } from './interop-fixture.js';
import type { Fixture } from './interop-fixture.js';

let fixture: Fixture;
let dir: string;

before(async () => {
  fixture = await trainFixture();
  dir = await mkdtemp(join(tmpdir(), 'mnist-interop-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('TensorFlow.js export', () => {
  test('tf.loadLayersModel reads the files and predicts our probabilities', async (t) => {
    for (const { label, model, probabilities } of fixture.trained) {
      const out = join(dir, `tfjs-${model.spec.layers.length}`);
      await saveTfjs(out, model);
      // A file IO handler: model.json and its shards as they are on disk.
      const modelJson = JSON.parse(await readFile(join(out, 'model.json'), 'utf8')) as ReturnType<typeof exportTfjs>['modelJson'];
      const shards = await Promise.all(modelJson.weightsManifest[0].paths.map((p) => readFile(join(out, p))));
      const weightData = new Uint8Array(Buffer.concat(shards)).buffer;
      const loaded = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData }));
      const output = loaded.predict(tf.tensor2d(fixture.pixels32, [COUNT, 784])) as tf.Tensor;
      const { maxDiff, argmaxDiffers } = agreement(probabilities, await output.data());
      t.diagnostic(`${label}: max difference ${maxDiff.toExponential(2)}`);
      assert.ok(maxDiff < FLOAT32_TOLERANCE, `${label}: max difference ${maxDiff}`);
      assert.equal(argmaxDiffers, 0, label);
      loaded.dispose();
    }
  });

  test('weights larger than a shard are split over several files, and read back whole', async () => {
    const { model } = fixture.trained[0];
    const { modelJson, shards } = exportTfjs(model, { shardBytes: 10_000 });
    assert.equal(shards.length, Math.ceil(((784 * 30 + 30 + 30 * 10 + 10) * 4) / 10_000));
    assert.deepEqual(modelJson.weightsManifest[0].paths, shards.map((s) => s.path));
    const byPath = new Map(shards.map((s) => [s.path, s.data]));
    const back = await importTfjs(JSON.stringify(modelJson), async (p) => byPath.get(p) as Uint8Array);
    assert.deepEqual(back.parameters, model.parameters.map(Math.fround));
  });

  test('export -> import gives the parameters rounded to float32, and a model that trains further', async () => {
    for (const { label, model } of fixture.trained) {
      const out = join(dir, `roundtrip-${model.spec.layers.length}`);
      await saveTfjs(out, model);
      const back = await loadTfjs(out);
      assert.deepEqual(back.spec, { ...model.spec, cost: 'cross-entropy' }, label);
      assert.deepEqual(back.parameters, model.parameters.map(Math.fround), label);
      const network = await Network.create(back.spec, { parameters: back.parameters });
      const original = await Network.create(model.spec, { parameters: model.parameters });
      const test = network.upload(fixture.data.test);
      const [before, reference] = [network.evaluate(test), original.evaluate(original.upload(fixture.data.test))];
      assert.ok(Math.abs(before.correct - reference.correct) <= 2, `${label}: ${before.correct} vs ${reference.correct} correct`);
      const result = await train(network, { train: fixture.data.train }, { epochs: 1, batchSize: 10, eta: 0.1, seed: 1, resume: back.state });
      assert.equal(result.state.epochsDone, 1);
      assert.ok(network.evaluate(test).accuracy > 0.8, label);
    }
  });
});

describe('ONNX export', () => {
  // onnxruntime-web runs its wasm build in Node too (its "node" export).
  const runtimes: [string, typeof ortNode][] = [['onnxruntime-node', ortNode], ['onnxruntime-web', ortWeb as unknown as typeof ortNode]];
  for (const [runtime, ort] of runtimes) {
    for (const dtype of ['float32', 'float64'] as const) {
      test(`${runtime} runs the ${dtype} export and predicts our probabilities`, async (t) => {
        for (const { label, model, probabilities } of fixture.trained) {
          const session = await ort.InferenceSession.create(exportOnnx(model, { dtype }));
          assert.deepEqual(session.inputNames, ['input']);
          const input = new ort.Tensor(dtype, dtype === 'float32' ? fixture.pixels32 : fixture.pixels64, [COUNT, 784]);
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
  }

  test('export -> import gives the parameters back (float32 rounded, float64 exact)', () => {
    for (const { label, model } of fixture.trained) {
      assert.deepEqual(importOnnx(exportOnnx(model)).parameters, model.parameters.map(Math.fround), label);
      const exact = importOnnx(exportOnnx(model, { dtype: 'float64' }));
      assert.deepEqual(exact.parameters, model.parameters, label);
      assert.deepEqual(exact.spec, model.spec, label);
    }
  });
});

describe('mnist-wasm/infer', () => {
  test('a classifier from a model file or a TF.js export predicts our probabilities', async () => {
    for (const { label, model, probabilities } of fixture.trained) {
      const fromFile = parseClassifier(serializeModel(model));
      assert.ok(agreement(probabilities, fromFile.predict(fixture.pixels64)).maxDiff < 1e-12, label);
      const { modelJson, shards } = exportTfjs(model);
      const fromTfjs = createClassifier(await importTfjs(JSON.stringify(modelJson), async () => shards[0].data));
      const { maxDiff, argmaxDiffers } = agreement(probabilities, fromTfjs.predict(fixture.pixels32));
      assert.ok(maxDiff < FLOAT32_TOLERANCE && argmaxDiffers === 0, `${label}: max difference ${maxDiff}`);
      const first = [...probabilities.subarray(0, 10)];
      assert.equal(fromFile.classify(fixture.pixels64.subarray(0, 784)), first.indexOf(Math.max(...first)));
      assert.throws(() => fromFile.predict(new Float64Array(100)), /predict needs a multiple of 784 pixel values, got 100/);
    }
  });
});

describe('importTfjs on a Keras-converted topology', () => {
  test('model_config nesting, InputLayer, Dense + Activation, Dropout and scoped weight names', async () => {
    const kernel1 = Float32Array.from({ length: 6 * 4 }, (_, k) => (k % 7) / 10 - 0.3); // [in 6, out 4]
    const kernel2 = Float32Array.from({ length: 4 * 3 }, (_, k) => (k % 5) / 10 - 0.2);
    const bias1 = Float32Array.of(0.1, -0.1, 0.2, 0);
    const bias2 = Float32Array.of(0, 0.5, -0.5);
    const weights = [kernel1, bias1, kernel2, bias2];
    const data = new Uint8Array(weights.reduce((n, w) => n + w.byteLength, 0));
    weights.reduce((at, w) => (data.set(new Uint8Array(w.buffer), at), at + w.byteLength), 0);
    const modelJson = {
      format: 'layers-model',
      modelTopology: {
        keras_version: '2.15.0',
        backend: 'tensorflow',
        model_config: {
          class_name: 'Sequential',
          config: {
            name: 'sequential',
            layers: [
              { class_name: 'InputLayer', config: { name: 'input_1', batch_input_shape: [null, 6] } },
              { class_name: 'Dense', config: { name: 'dense', units: 4, activation: 'linear', use_bias: true } },
              { class_name: 'Activation', config: { name: 'activation', activation: 'relu' } },
              { class_name: 'Dropout', config: { name: 'dropout', rate: 0.2 } },
              { class_name: 'Dense', config: { name: 'dense_1', units: 3, activation: 'softmax' } },
            ],
          },
        },
      },
      weightsManifest: [{
        paths: ['group1-shard1of1.bin'],
        weights: [
          { name: 'sequential/dense/kernel', shape: [6, 4], dtype: 'float32' },
          { name: 'sequential/dense/bias', shape: [4], dtype: 'float32' },
          { name: 'sequential/dense_1/kernel', shape: [4, 3], dtype: 'float32' },
          { name: 'sequential/dense_1/bias', shape: [3], dtype: 'float32' },
        ],
      }],
    };
    const model = await importTfjs(JSON.stringify(modelJson), async () => data);
    assert.deepEqual(model.spec, { layers: [6, 4, 3], activation: 'relu', outputActivation: 'softmax', cost: 'cross-entropy' });
    const [first, second] = model.layout.layers;
    // Ours is [out][in]: weight (o, i) is the kernel's (i, o).
    assert.equal(model.parameters[first.weights + 2 * 6 + 5], kernel1[5 * 4 + 2]);
    assert.equal(model.parameters[second.weights + 1 * 4 + 3], kernel2[3 * 3 + 1]);
    assert.deepEqual([...model.parameters.subarray(second.biases, second.biases + 3)], [...bias2]);
    // TF.js reads the same topology (it wants the weight names unscoped): the two agree on an input.
    const x = Float32Array.from({ length: 6 }, (_, i) => i / 6);
    const weightSpecs = modelJson.weightsManifest[0].weights.map((w) => ({ ...w, name: w.name.replace('sequential/', '') })) as tf.io.WeightsManifestEntry[];
    const loaded = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData: data.buffer }));
    const theirs = await (loaded.predict(tf.tensor2d(x, [1, 6])) as tf.Tensor).data();
    const ours = createClassifier(model).predict(x);
    assert.ok(agreement(ours, theirs, 3).maxDiff < 1e-6);
  });
});
