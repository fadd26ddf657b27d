// Each optimizer's step, max-norm and dropout against formulas written out here, on a tiny net, in every engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../src/engine/network.js';
import type { LearningOptions } from '../src/engine/network.js';
import type { OptimizerName } from '../src/model/learning.js';
import type { ParameterLayout } from '../src/model/spec.js';
import { Random } from '../src/util/random.js';
import { engineVariants, maxAbsDiff, spec, syntheticData } from './helpers.js';

// Odd sizes: the kernels' f64x2 pairs and their odd last column both run.
const LAYERS = [9, 13, 6, 5];
const ROWS = 7;
const ALL_ROWS = new Uint32Array([0, 1, 2, 3, 4, 5, 6]);
const variants = [...(await engineVariants()), { label: 'wasm debug build', engine: 'wasm' as const, simd: undefined, debug: true }];

/** A parameter index -> whether it is a weight (L2 applies) or a bias, from the layout. */
function weightMask(layout: ParameterLayout): boolean[] {
  const isWeight = new Array<boolean>(layout.size).fill(false);
  for (const layer of layout.layers) for (let i = 0; i < layer.inputs * layer.outputs; i++) isWeight[layer.weights + i] = true;
  return isWeight;
}

/** The textbook update of each rule, element by element, with its own moments. */
function referenceStep(name: OptimizerName, w: Float64Array, g: Float64Array, moments: Float64Array[], t: number, isWeight: boolean[], eta: number, lambda: number, n: number): Float64Array {
  const mu = 0.9, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
  return w.map((wi, i) => {
    const l2 = isWeight[i] ? lambda / n : 0;
    if (name === 'momentum' || name === 'nesterov') {
      const grad = g[i] + l2 * wi;
      moments[0][i] = mu * moments[0][i] - eta * grad;
      return name === 'momentum' ? wi + moments[0][i] : wi + mu * moments[0][i] - eta * grad;
    }
    moments[0][i] = beta1 * moments[0][i] + (1 - beta1) * g[i];
    moments[1][i] = beta2 * moments[1][i] + (1 - beta2) * g[i] * g[i];
    const mHat = moments[0][i] / (1 - beta1 ** t);
    const vHat = moments[1][i] / (1 - beta2 ** t);
    return wi * (1 - eta * l2) - (eta * mHat) / (Math.sqrt(vHat) + epsilon);
  });
}

/** Each weight row scaled to norm c when longer. */
function clipRows(w: Float64Array, layout: ParameterLayout, c: number): Float64Array {
  const out = w.slice();
  for (const layer of layout.layers) {
    for (let j = 0; j < layer.outputs; j++) {
      const row = out.subarray(layer.weights + j * layer.inputs, layer.weights + (j + 1) * layer.inputs);
      const norm = Math.hypot(...row);
      if (norm > c) row.forEach((v, k) => (row[k] = (v * c) / norm));
    }
  }
  return out;
}

for (const variant of variants) {
  const create = (learning: LearningOptions, seed = 5) => Network.create(spec(LAYERS), { engine: variant.engine, simd: variant.simd, debug: variant.debug, init: { seed }, ...learning });

  for (const name of ['momentum', 'nesterov', 'adam'] as const) {
    for (const lambda of [0, 3]) {
      test(`${variant.label}: three ${name} steps (lambda ${lambda}) equal the textbook update, moments included`, async () => {
        const network = await create({ optimizer: { name } });
        const data = network.upload(syntheticData(ROWS, LAYERS[0], 5));
        const isWeight = weightMask(network.layout);
        const eta = name === 'adam' ? 0.01 : 0.3, n = 50;
        let expected = network.getParameters();
        const start = expected;
        const moments = Array.from({ length: name === 'adam' ? 2 : 1 }, () => new Float64Array(network.layout.size));
        for (let t = 1; t <= 3; t++) {
          const gradient = network.gradient(data);
          expected = referenceStep(name, network.getParameters(), gradient, moments, t, isWeight, eta, lambda, n);
          network.trainBatch(data, ALL_ROWS, { eta, lambda, trainingSize: n });
          assert.ok(maxAbsDiff(network.getParameters(), expected) < 1e-12, `step ${t}: ${maxAbsDiff(network.getParameters(), expected).toExponential(2)}`);
        }
        const state = network.getOptimizerState();
        assert.equal(state.step, 3);
        state.moments.forEach((moment, i) => assert.ok(maxAbsDiff(moment, moments[i]) < 1e-12, `moment ${i + 1}`));
        assert.ok(maxAbsDiff(expected, start) > 1e-3, 'the steps moved the parameters');
      });
    }
  }

  for (const name of ['sgd', 'adam'] as const) {
    test(`${variant.label}: max-norm after a ${name} step scales exactly the rows longer than C to norm C`, async () => {
      const c = 0.9;
      const network = await create({ optimizer: { name }, maxNorm: c }, 6);
      const plain = await create({ optimizer: { name } }, 6);
      const data = syntheticData(ROWS, LAYERS[0], 5);
      for (const net of [network, plain]) net.trainBatch(net.upload(data), ALL_ROWS, { eta: name === 'sgd' ? 2 : 0.05 });
      const expected = clipRows(plain.getParameters(), plain.layout, c);
      assert.ok(maxAbsDiff(network.getParameters(), expected) < 1e-12);
      const clipped = maxAbsDiff(expected, plain.getParameters());
      assert.ok(clipped > 1e-3, `some rows were longer than C (clipping moved them by ${clipped})`);
      assert.ok(expected.some((v, i) => v === plain.getParameters()[i] && v !== 0), 'some rows were shorter and kept');
    });
  }

  test(`${variant.label}: the dropout gradient is backprop through masks drawn in order from the dropout stream`, async () => {
    const p = 0.4;
    const network = await create({ dropout: p }, 7);
    const images = syntheticData(ROWS, LAYERS[0], 5, 9);
    const data = network.upload(images);
    const streams = network.getGeneratorStates();
    const random = new Random(0);
    random.setState(streams.dropout);
    const expected = referenceDropoutGradient(network.getParameters(), network.layout, images, p, random);
    const got = network.gradient(data, 0, ROWS, { dropout: true });
    assert.ok(maxAbsDiff(got, expected) < 1e-12, `difference ${maxAbsDiff(got, expected).toExponential(2)}`);
    assert.deepEqual(network.getGeneratorStates().dropout, random.getState(), 'the stream advanced by one uniform per hidden unit and example');
    assert.ok(maxAbsDiff(got, network.gradient(data)) > 1e-3, 'dropout changed the gradient');

    // A training step draws the same masks from the same state: w - eta * that gradient.
    network.setGeneratorStates(streams);
    const before = network.getParameters();
    network.trainBatch(data, ALL_ROWS, { eta: 0.5 });
    assert.ok(maxAbsDiff(network.getParameters(), before.map((w, i) => w - 0.5 * expected[i])) < 1e-12);
  });

  test(`${variant.label}: evaluate, predict and gradient do not drop, and draw nothing, unless asked`, async () => {
    const dropping = await create({ dropout: 0.5 }, 8);
    const plain = await create({}, 8);
    const images = syntheticData(ROWS, LAYERS[0], 5, 3);
    const [a, b] = [dropping.upload(images), plain.upload(images)];
    const streams = dropping.getGeneratorStates();
    assert.deepEqual(dropping.evaluate(a), plain.evaluate(b));
    assert.deepEqual(dropping.gradient(a), plain.gradient(b));
    const pixels = new Float64Array(LAYERS[0]).fill(0.3);
    assert.deepEqual(dropping.predict(pixels), plain.predict(pixels));
    assert.deepEqual(dropping.getGeneratorStates(), streams);
  });
}

/** Mean cross-entropy gradient of a sigmoid net over every row, hidden units dropped by masks drawn row by row. */
function referenceDropoutGradient(params: Float64Array, layout: ParameterLayout, data: { images: Uint8Array; labels: Uint8Array; count: number; inputSize: number }, p: number, random: Random): Float64Array {
  const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
  const grad = new Float64Array(params.length);
  const m = data.count;
  const last = layout.layers.length - 1;
  // Forward for all rows layer by layer (the order the core draws its masks in: layer, then example, then unit).
  const inputs: number[][][] = [];
  const activations: number[][][] = [];
  const masks: number[][][] = [];
  let below = Array.from({ length: m }, (_, e) => Array.from(data.images.subarray(e * data.inputSize, (e + 1) * data.inputSize), (v) => v * (1 / 255)));
  layout.layers.forEach((layer, l) => {
    inputs.push(below);
    const a = below.map((x) => Array.from({ length: layer.outputs }, (_, j) => sigmoid(params[layer.biases + j] + x.reduce((s, xk, k) => s + params[layer.weights + j * layer.inputs + k] * xk, 0))));
    activations.push(a);
    const mask = a.map((row) => row.map(() => (l < last ? (random.uniform() < p ? 0 : 1 / (1 - p)) : 1)));
    masks.push(mask);
    below = a.map((row, e) => row.map((v, j) => v * mask[e][j]));
  });
  for (let e = 0; e < m; e++) {
    let delta = activations[last][e].map((a, j) => a - (j === data.labels[e] ? 1 : 0));
    for (let l = last; l >= 0; l--) {
      const layer = layout.layers[l];
      delta.forEach((d, j) => {
        grad[layer.biases + j] += d / m;
        for (let k = 0; k < layer.inputs; k++) grad[layer.weights + j * layer.inputs + k] += (d * inputs[l][e][k]) / m;
      });
      if (l > 0) {
        delta = activations[l - 1][e].map((a, k) => delta.reduce((s, d, j) => s + d * params[layer.weights + j * layer.inputs + k], 0) * a * (1 - a) * masks[l - 1][e][k]);
      }
    }
  }
  return grad;
}

test('optimizer states and settings are checked, each mistake in one line', async () => {
  const network = await Network.create(spec(LAYERS), { engine: 'ts', optimizer: { name: 'adam' } });
  const size = network.layout.size;
  const good = network.getOptimizerState();
  assert.deepEqual([good.step, good.moments.length, good.moments[0].length], [0, 2, size]);
  const refused = (state: unknown, message: string) => assert.throws(() => network.setOptimizerState(state as never), { name: 'ConfigError', message });
  refused({ step: 0, moments: [good.moments[0]] }, 'optimizer state: adam keeps 2 moment buffers, got 1');
  refused({ step: 0, moments: [good.moments[0], new Float64Array(size - 1)] }, `optimizer state: moment 2 must hold ${size} values (one per parameter), got ${size - 1}`);
  refused({ step: 0, moments: [good.moments[0], new Float64Array(size).fill(Number.NaN)] }, 'optimizer state: moment 2 holds a NaN or Infinity');
  refused({ step: -1, moments: good.moments }, 'optimizer state: the step count must be a whole number >= 0 (got -1)');
  const moved = { step: 7, moments: [new Float64Array(size).fill(0.5), new Float64Array(size).fill(2)] };
  network.setOptimizerState(moved);
  assert.deepEqual(network.getOptimizerState(), moved);
  // Another rule starts from zero; the same rule with other constants keeps its moments.
  network.setLearning({ optimizer: { beta1: 0.8 } });
  assert.deepEqual(network.getOptimizerState(), moved);
  network.setLearning({ optimizer: { name: 'momentum' } });
  assert.deepEqual(network.getOptimizerState(), { step: 0, moments: [new Float64Array(size)] });
  await assert.rejects(Network.create(spec(LAYERS), { engine: 'ts', optimizer: { name: 'rmsprop' as never } }), { message: 'optimizer must be one of sgd, momentum, nesterov, adam (got "rmsprop")' });
  await assert.rejects(Network.create(spec(LAYERS), { engine: 'ts', dropout: 1 }), { message: 'dropout must be at least 0 and below 1 (got 1)' });
  await assert.rejects(Network.create(spec(LAYERS), { engine: 'ts', maxNorm: -2 }), { message: 'max-norm must be zero (off) or positive (got -2)' });
});
