// Backprop against central differences, for every engine, activation and cost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../src/engine/network.js';
import { COSTS, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS } from '../src/model/spec.js';
import { engineVariants, maxAbsDiff, spec, syntheticData } from './helpers.js';

// Odd sizes on purpose: every kernel's SIMD block and its leftover rows/columns/examples are exercised.
const LAYERS = [9, 13, 6, 5];
const ROWS = 7;
const H = 1e-5;

/** ||a - b|| / (||a|| + ||b||) over one tensor. */
function relativeError(a: Float64Array, b: Float64Array): number {
  let diff = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    na += a[i] ** 2;
    nb += b[i] ** 2;
  }
  return Math.sqrt(diff) / (Math.sqrt(na) + Math.sqrt(nb));
}

function numericalGradient(network: Network, cost: () => number): Float64Array {
  const params = network.getParameters();
  const grad = new Float64Array(params.length);
  for (let i = 0; i < params.length; i++) {
    const saved = params[i];
    params[i] = saved + H;
    network.setParameters(params);
    const plus = cost();
    params[i] = saved - H;
    network.setParameters(params);
    const minus = cost();
    params[i] = saved;
    grad[i] = (plus - minus) / (2 * H);
  }
  network.setParameters(params);
  return grad;
}

test('the relative error measure flags a gradient that is off in one element', () => {
  const good = new Float64Array([0.3, -0.2, 0.1, 0.05]);
  const bad = good.slice();
  bad[2] *= 1.01;
  assert.equal(relativeError(good, good), 0);
  assert.ok(relativeError(good, bad) > 1e-4);
});

// Every engine and build, and the debug build of the core (asserts kept).
const variants: { label: string; engine: 'ts' | 'wasm'; simd?: 'standard' | 'relaxed'; debug?: boolean }[] = [...(await engineVariants()), { label: 'wasm debug build', engine: 'wasm', debug: true }];

for (const variant of variants) {
  for (const activation of HIDDEN_ACTIVATIONS) {
    for (const outputActivation of OUTPUT_ACTIVATIONS) {
      for (const cost of COSTS) {
        const name = `${variant.label}: ${activation} hidden, ${outputActivation} output, ${cost}: backprop matches central differences in every layer`;
        test(name, async (t) => {
          const network = await Network.create(spec(LAYERS, { activation, outputActivation, cost }), {
            engine: variant.engine,
            simd: variant.simd,
            debug: variant.debug,
            init: { seed: 11 },
          });
          const data = network.upload(syntheticData(ROWS, LAYERS[0], LAYERS[LAYERS.length - 1]));
          const backprop = network.gradient(data);
          const numerical = numericalGradient(network, () => network.evaluate(data).cost);
          let worst = 0;
          for (const [l, layer] of network.layout.layers.entries()) {
            for (const [what, offset, size] of [
              ['weights', layer.weights, layer.inputs * layer.outputs],
              ['biases', layer.biases, layer.outputs],
            ] as const) {
              const bp = backprop.subarray(offset, offset + size);
              const num = numerical.subarray(offset, offset + size);
              const error = relativeError(bp, num);
              worst = Math.max(worst, error);
              assert.ok(error < 1e-6, `layer ${l + 1} ${what}: relative error ${error.toExponential(2)}`);
              assert.ok(Math.sqrt(bp.reduce((s, v) => s + v * v, 0)) > 1e-6, `layer ${l + 1} ${what}: gradient is not trivially zero`);
            }
          }
          t.diagnostic(`largest relative error over the layers: ${worst.toExponential(2)}`);
        });
      }
    }
  }

  test(`${variant.label}: one fused SGD step equals w <- (1 - eta*lambda/n) w - eta * gradient`, async () => {
    const network = await Network.create(spec(LAYERS), { engine: variant.engine, simd: variant.simd, debug: variant.debug, init: { seed: 5 } });
    const data = network.upload(syntheticData(ROWS, LAYERS[0], 5));
    const before = network.getParameters();
    const gradient = network.gradient(data);
    const eta = 0.5, lambda = 3, n = 50;
    network.trainBatch(data, new Uint32Array([6, 2, 0, 4, 1, 5, 3]), { eta, lambda, trainingSize: n });
    const expected = before.map((w, i) => w - eta * gradient[i]);
    for (const layer of network.layout.layers) {
      for (let i = 0; i < layer.inputs * layer.outputs; i++) expected[layer.weights + i] -= (eta * lambda / n) * before[layer.weights + i];
    }
    assert.ok(maxAbsDiff(network.getParameters(), expected) < 1e-12);
    assert.ok(maxAbsDiff(network.getParameters(), before) > 1e-3, 'the step changed the parameters');
  });

  test(`${variant.label}: a batch larger than one chunk (full-batch GD) gives the same step as one fused pass`, async () => {
    const fused = await Network.create(spec(LAYERS), { engine: variant.engine, simd: variant.simd, debug: variant.debug, init: { seed: 9 } });
    const chunked = await Network.create(spec(LAYERS), { engine: variant.engine, simd: variant.simd, debug: variant.debug, init: { seed: 9 }, chunkRows: 3 });
    const rows = new Uint32Array([0, 1, 2, 3, 4, 5, 6]);
    const data = syntheticData(ROWS, LAYERS[0], 5);
    for (const network of [fused, chunked]) network.trainBatch(network.upload(data), rows, { eta: 0.3, lambda: 1, trainingSize: 7 });
    assert.ok(maxAbsDiff(fused.getParameters(), chunked.getParameters()) < 1e-13);
  });
}

test('wasm: a batch whose inputs have all-zero column runs (start, middle, end) trains exactly as densely', async () => {
  const layers = [24, 9, 5];
  const data = syntheticData(6, 24, 5, 21);
  // Columns 0-3, 8-15 and 20-23 are zero in every example; 4-7 and 16-19 have ink.
  for (let e = 0; e < data.count; e++) for (const k of [0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23]) data.images[e * 24 + k] = 0;
  const results: Float64Array[] = [];
  for (const sparseInputs of [true, false]) {
    const network = await Network.create(spec(layers), { engine: 'wasm', simd: 'standard', init: { seed: 2 }, sparseInputs });
    const handle = network.upload(data);
    for (let step = 0; step < 3; step++) network.trainBatch(handle, new Uint32Array([step, 5 - step, 3]), { eta: 0.4, lambda: 2, trainingSize: 10 });
    results.push(network.getParameters());
  }
  assert.deepEqual(results[0], results[1]);
});
