// Training with distortions and input dropout: the twin and the wasm builds agree, sparse first-layer kernels
// still change no bit, a run resumed from its parameters and generator states continues exactly, and
// evaluation, gradient and predict see the images as they are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../src/engine/network.js';
import type { EngineOptions } from '../src/engine/network.js';
import { loadMnist } from '../src/data/mnist.js';
import { validateAugment } from '../src/model/augment.js';
import { CANONICAL_SPEC } from '../src/model/spec.js';
import { Random } from '../src/util/random.js';
import { engineVariants, maxAbsDiff, MNIST_DIR } from './helpers.js';

const STEPS = 100;
const BATCH = 10;
const { train, test: testSet } = await loadMnist(MNIST_DIR, { trainSize: 2000 });
const order = new Uint32Array(train.count).map((_, i) => i);
new Random(5).shuffle(order);
const TRANSFORM: EngineOptions = { augment: validateAugment({ mode: 'both' }), inputDropout: 0.2 };

async function trained(options: EngineOptions, from = 0, to = STEPS, network?: Network): Promise<Network> {
  const net = network ?? (await Network.create(CANONICAL_SPEC, { init: { seed: 9 }, ...options }));
  const data = net.upload(train);
  for (let s = from; s < to; s++) net.trainBatch(data, order.subarray(s * BATCH, (s + 1) * BATCH), { eta: 0.5 });
  return net;
}

const [reference, ...others] = await engineVariants();
for (const variant of [...others, { label: 'wasm debug build', engine: 'wasm' as const, debug: true }]) {
  test(`${variant.label} and ${reference.label} agree within 1e-9 after ${STEPS} steps with both distortions and input dropout 0.2`, async (t) => {
    const [a, b] = await Promise.all([trained({ ...TRANSFORM, ...reference }), trained({ ...TRANSFORM, ...variant })]);
    const plain = await trained({ ...reference });
    const difference = maxAbsDiff(a.getParameters(), b.getParameters());
    t.diagnostic(`max abs difference of the parameters: ${difference.toExponential(2)}`);
    assert.ok(difference < 1e-9, `max abs difference ${difference.toExponential(2)}`);
    assert.deepEqual(a.getGeneratorStates(), b.getGeneratorStates());
    assert.ok(maxAbsDiff(a.getParameters(), plain.getParameters()) > 1e-3, 'the transform changed training');
  });
}

test('wasm: with distorted and dropped inputs, skipping zero columns still changes no bit (lists from the values)', async () => {
  const [sparse, dense] = await Promise.all([trained({ ...TRANSFORM, simd: 'standard' }), trained({ ...TRANSFORM, simd: 'standard', sparseInputs: false })]);
  assert.deepEqual(sparse.getParameters(), dense.getParameters());
});

test('wasm: 2 threads with distortions train to exactly the parameters of 1 thread', async () => {
  const [one, two] = await Promise.all([trained({ ...TRANSFORM, simd: 'standard' }), trained({ ...TRANSFORM, simd: 'standard', threads: 2 })]);
  assert.deepEqual(two.getParameters(), one.getParameters());
  two.dispose();
});

test('a run resumed from its parameters and generator states after 50 steps ends where an uninterrupted one does', async () => {
  const whole = await trained(TRANSFORM);
  const half = await trained(TRANSFORM, 0, STEPS / 2);
  const resumed = await Network.create(CANONICAL_SPEC, { ...TRANSFORM, parameters: half.getParameters() });
  resumed.setGeneratorStates(half.getGeneratorStates());
  await trained(TRANSFORM, STEPS / 2, STEPS, resumed);
  assert.deepEqual(resumed.getParameters(), whole.getParameters());
  assert.deepEqual(resumed.getGeneratorStates(), whole.getGeneratorStates());
});

test('augment none and input dropout 0 train exactly as without the options', async () => {
  const [none, without] = await Promise.all([trained({ augment: validateAugment({ mode: 'none' }), inputDropout: 0 }), trained({})]);
  assert.deepEqual(none.getParameters(), without.getParameters());
});

test('evaluate, gradient and predict never distort: the same parameters give the same numbers with and without', async () => {
  const parameters = (await trained({})).getParameters();
  const [augmented, plain] = await Promise.all([Network.create(CANONICAL_SPEC, { ...TRANSFORM, parameters }), Network.create(CANONICAL_SPEC, { parameters })]);
  const [a, b] = [augmented.upload(testSet), plain.upload(testSet)];
  assert.deepEqual(augmented.evaluate(a, 0, 500), plain.evaluate(b, 0, 500));
  assert.deepEqual(augmented.gradient(a, 0, 100), plain.gradient(b, 0, 100));
  const inputs = Float64Array.from(testSet.images.subarray(0, 784 * 5), (v) => v / 255);
  assert.deepEqual(augmented.predict(inputs), plain.predict(inputs));
  assert.deepEqual(augmented.getGeneratorStates(), plain.getGeneratorStates(), 'no draws');
});

test('train() applies its augment and regularization.inputDropout as a network created with them does, and then turns them off', async () => {
  const { train: fit } = await import('../src/train/trainer.js');
  const small = { ...train, count: 200 };
  const run = async (create: EngineOptions, options: Parameters<typeof fit>[2]): Promise<Network> => {
    const net = await Network.create(CANONICAL_SPEC, { init: { seed: 9 }, ...create });
    await fit(net, { train: small }, options);
    return net;
  };
  const base = { epochs: 1, batchSize: 10, eta: 0.5, seed: 3 };
  const [created, given, plain] = await Promise.all([
    run(TRANSFORM, base),
    run({}, { ...base, augment: { mode: 'both' }, regularization: { inputDropout: 0.2 } }),
    run({}, base),
  ]);
  assert.deepEqual(given.getParameters(), created.getParameters());
  assert.deepEqual(given.getGeneratorStates(), created.getGeneratorStates());
  assert.ok(maxAbsDiff(given.getParameters(), plain.getParameters()) > 1e-3, 'the transform changed training');
  const off = await run(TRANSFORM, { ...base, augment: { mode: 'none' }, regularization: { inputDropout: 0 } });
  assert.deepEqual(off.getParameters(), plain.getParameters());
});
