// llm.c-style parity: each wasm build against the TypeScript twin tensor by tensor (activations, deltas, parameters
// after one step), and golden losses of the first ten mini-batches on MNIST's first 64 training images.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Network } from '../src/engine/network.js';
import { readIdxDataset } from '../src/data/files.js';
import { sliceDataset } from '../src/data/dataset.js';
import { CANONICAL_SPEC } from '../src/model/spec.js';
import { checkTensor, describeCheck } from './check-tensor.js';
import type { TensorCheck } from './check-tensor.js';
import { engineVariants, MNIST_DIR } from './helpers.js';

// The first 64 training images of the real MNIST (found by the data rule; never copied into the repository).
const train = await readIdxDataset(join(MNIST_DIR, 'train-images-idx3-ubyte.gz'), join(MNIST_DIR, 'train-labels-idx1-ubyte.gz'));
const data = sliceDataset(train, 0, 64);
const variants = await engineVariants();
const [twin, ...builds] = variants;

test('checkTensor reports the max difference and the first five differing pairs', () => {
  const a = [0, 1, 2, 3, 4, 5, 6, 7];
  const b = [0, 1.5, 2, 3.25, 4, 5, 7, 7.5];
  b[7] = 8;
  const check = checkTensor(a, b, 'x', 0.1);
  assert.equal(check.ok, false);
  assert.equal(check.maxDifference, 1);
  assert.deepEqual(check.firstDiffering, [[1, 1, 1.5], [3, 3, 3.25], [6, 6, 7], [7, 7, 8]]);
  assert.equal(describeCheck(check), 'x: max diff 1.00e+0 NOT OK, first: [1] 1 vs 1.5, [3] 3 vs 3.25, [6] 6 vs 7, [7] 7 vs 8');
  assert.equal(checkTensor([1, Number.NaN], [1, Number.NaN], 'nan').ok, false);
  assert.equal(checkTensor([1, 2], [1, 2 + 1e-13], 'close').ok, true);
});

/** One SGD step of 10 examples with the update applied at once, and the tensors it left. */
async function oneStep(variant: (typeof variants)[number]) {
  const network = await Network.create(CANONICAL_SPEC, { engine: variant.engine, simd: variant.simd, init: { seed: 5 }, deferUpdate: false });
  const handle = network.upload(data);
  network.trainBatch(handle, new Uint32Array([3, 14, 15, 9, 26, 5, 35, 8, 41, 63]), { eta: 0.5, lambda: 5, trainingSize: 64 });
  return { network, ...network.layerTensors(10), parameters: network.getParameters() };
}

for (const build of builds) {
  test(`${build.label} matches the ts twin tensor by tensor after one step: activations, deltas, weights, biases`, async (t) => {
    const [a, b] = [await oneStep(twin), await oneStep(build)];
    const checks: TensorCheck[] = [];
    a.network.layout.layers.forEach((layer, i) => {
      checks.push(checkTensor(a.activations[i], b.activations[i], `layer ${i + 1} activations`));
      checks.push(checkTensor(a.deltas[i], b.deltas[i], `layer ${i + 1} deltas`));
      const tensor = (p: Float64Array, at: number, n: number) => p.subarray(at, at + n);
      checks.push(checkTensor(tensor(a.parameters, layer.weights, layer.inputs * layer.outputs), tensor(b.parameters, layer.weights, layer.inputs * layer.outputs), `layer ${i + 1} weights`));
      checks.push(checkTensor(tensor(a.parameters, layer.biases, layer.outputs), tensor(b.parameters, layer.biases, layer.outputs), `layer ${i + 1} biases`));
    });
    for (const check of checks) t.diagnostic(describeCheck(check));
    assert.equal(checks.length, 12);
    for (const check of checks) assert.ok(check.ok, describeCheck(check));
    // The step did something to compare: the deltas are not all zero.
    assert.ok(a.deltas[0].some((v) => Math.abs(v) > 1e-6));
  });
}

// Mean cross-entropy of mini-batch i (6 examples, in order) just before its step, seed 1, eta 0.5: the TS twin's
// values; every build must reproduce them.
const GOLDEN_LOSSES = [
  6.583898120232337, 3.122095807278985, 3.8153353892502153, 3.723909824917332, 3.495717409019917,
  3.9049538853764805, 3.309561910908293, 3.6795062006309833, 3.2057042716067046, 3.4613174894933803,
];

for (const variant of variants) {
  test(`${variant.label}: the first ten mini-batch losses on the first 64 MNIST training images are the golden ones`, async (t) => {
    const network = await Network.create(CANONICAL_SPEC, { engine: variant.engine, simd: variant.simd, init: { seed: 1 } });
    const handle = network.upload(data);
    const losses: number[] = [];
    for (let i = 0; i < 10; i++) {
      losses.push(network.evaluate(handle, 6 * i, 6).cost);
      network.trainBatch(handle, new Uint32Array(6).map((_, k) => 6 * i + k), { eta: 0.5 });
    }
    const check = checkTensor(losses, GOLDEN_LOSSES, 'losses', 1e-12);
    t.diagnostic(describeCheck(check));
    assert.ok(check.ok, describeCheck(check));
    assert.ok(losses[9] < losses[0] - 1, 'training lowered the loss');
  });
}
