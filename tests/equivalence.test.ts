// The wasm core and its TypeScript twin train the canonical network to the same parameters on real MNIST.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../src/engine/network.js';
import type { DatasetHandle, LearningOptions } from '../src/engine/network.js';
import { loadMnist } from '../src/data/mnist.js';
import { CANONICAL_SPEC } from '../src/model/spec.js';
import { Random } from '../src/util/random.js';
import { engineVariants, maxAbsDiff, MNIST_DIR } from './helpers.js';

const STEPS = 100;
const BATCH = 10;
const { train } = await loadMnist(MNIST_DIR, { trainSize: 5000 });

type Variant = Awaited<ReturnType<typeof engineVariants>>[number] & { debug?: boolean };

async function trainSteps(variant: Variant, lambda: number, learning: LearningOptions = {}, eta = 0.5, threads = 1): Promise<Network> {
  const network = await Network.create(CANONICAL_SPEC, { engine: variant.engine, simd: variant.simd, debug: variant.debug, threads, init: { seed: 42 }, ...learning });
  const data = network.upload(train);
  const order = new Uint32Array(train.count).map((_, i) => i);
  new Random(42).shuffle(order);
  for (let s = 0; s < STEPS; s++) {
    network.trainBatch(data, order.subarray(s * BATCH, (s + 1) * BATCH), { eta, lambda, trainingSize: 50_000 });
  }
  return network;
}

/** The optimizers and regularisers beyond plain SGD, each with an eta it learns at. */
const LEARNING: { label: string; learning: LearningOptions; eta: number; lambda: number }[] = [
  { label: 'momentum', learning: { optimizer: { name: 'momentum' } }, eta: 0.05, lambda: 0 },
  { label: 'nesterov, lambda 5', learning: { optimizer: { name: 'nesterov' } }, eta: 0.05, lambda: 5 },
  { label: 'adam', learning: { optimizer: { name: 'adam' } }, eta: 0.001, lambda: 0 },
  { label: 'adam (AdamW decay), lambda 5', learning: { optimizer: { name: 'adam' } }, eta: 0.001, lambda: 5 },
  { label: 'sgd with dropout 0.5', learning: { dropout: 0.5 }, eta: 0.5, lambda: 0 },
  { label: 'sgd with max-norm 2', learning: { maxNorm: 2 }, eta: 0.5, lambda: 0 },
  { label: 'nesterov with dropout 0.3 and max-norm 1.5', learning: { optimizer: { name: 'nesterov' }, dropout: 0.3, maxNorm: 1.5 }, eta: 0.05, lambda: 0 },
];

const [reference, ...others] = await engineVariants();
// The debug build of the core (asserts kept) must agree too.
const checked: Variant[] = [...others, { label: 'wasm debug build', engine: 'wasm', debug: true }];
for (const lambda of [0, 5]) {
  for (const variant of checked) {
    test(`${variant.label} and ${reference.label} agree after ${STEPS} steps of batch ${BATCH} on real MNIST (lambda ${lambda})`, async (t) => {
      const [a, b] = await Promise.all([trainSteps(reference, lambda), trainSteps(variant, lambda)]);
      const start = (await Network.create(CANONICAL_SPEC, { engine: 'ts', init: { seed: 42 } })).getParameters();
      const difference = maxAbsDiff(a.getParameters(), b.getParameters());
      t.diagnostic(`max abs difference of the parameters: ${difference.toExponential(2)}`);
      assert.ok(difference < 1e-9, `max abs difference ${difference.toExponential(2)}`);
      assert.ok(maxAbsDiff(a.getParameters(), start) > 0.01, 'training moved the parameters');
    });
  }
}

for (const { label, learning, eta, lambda } of LEARNING) {
  test(`${label}: every wasm build (debug included) and ${reference.label} agree after ${STEPS} steps on real MNIST`, async (t) => {
    const a = await trainSteps(reference, lambda, learning, eta);
    const start = (await Network.create(CANONICAL_SPEC, { engine: 'ts', init: { seed: 42 } })).getParameters();
    assert.ok(maxAbsDiff(a.getParameters(), start) > 0.01, 'training moved the parameters');
    for (const variant of checked) {
      const difference = maxAbsDiff(a.getParameters(), (await trainSteps(variant, lambda, learning, eta)).getParameters());
      t.diagnostic(`${variant.label}: max abs difference of the parameters ${difference.toExponential(2)}`);
      assert.ok(difference < 1e-9, `${variant.label}: max abs difference ${difference.toExponential(2)}`);
    }
  });
}

for (const variant of others) {
  test(`${variant.label}: dropout, max-norm, Nesterov and Adam with 2 threads train to exactly the parameters of 1 thread`, async () => {
    for (const { learning, eta, lambda } of [LEARNING[6], LEARNING[3]]) {
      const [one, two] = [await trainSteps(variant, lambda, learning, eta, 1), await trainSteps(variant, lambda, learning, eta, 2)];
      assert.equal(two.threads, 2);
      assert.deepEqual(two.getParameters(), one.getParameters());
      assert.deepEqual(two.getGeneratorStates(), one.getGeneratorStates());
      assert.deepEqual(two.getOptimizerState(), one.getOptimizerState());
      two.dispose();
    }
  });
}

for (const lambda of [0, 5]) {
  test(`wasm: skipping input columns that are zero in a whole mini-batch changes no bit of the result (lambda ${lambda})`, async () => {
    const run = async (sparseInputs: boolean): Promise<Float64Array> => {
      const network = await Network.create(CANONICAL_SPEC, { engine: 'wasm', simd: 'standard', init: { seed: 3 }, sparseInputs });
      const data = network.upload(train);
      const order = new Uint32Array(train.count).map((_, i) => i);
      new Random(3).shuffle(order);
      for (let s = 0; s < STEPS; s++) network.trainBatch(data, order.subarray(s * BATCH, (s + 1) * BATCH), { eta: 0.5, lambda, trainingSize: 50_000 });
      return network.getParameters();
    };
    const [sparse, dense] = await Promise.all([run(true), run(false)]);
    assert.deepEqual(sparse, dense);
  });
}

for (const variant of others) test(`${variant.label} with 2 threads trains to exactly the parameters of 1 thread (rows are split, sums are not)`, async () => {
  const run = async (threads: number): Promise<Float64Array> => {
    const network = await Network.create(CANONICAL_SPEC, { engine: 'wasm', simd: variant.simd, init: { seed: 8 }, threads });
    assert.equal(network.threads, threads);
    const data = network.upload(train);
    const order = new Uint32Array(train.count).map((_, i) => i);
    new Random(8).shuffle(order);
    for (let s = 0; s < STEPS; s++) network.trainBatch(data, order.subarray(s * BATCH, (s + 1) * BATCH), { eta: 0.5, lambda: 5, trainingSize: 50_000 });
    // A batch larger than a chunk goes through the gradient buffer: split too.
    network.trainBatch(data, order.subarray(0, 1200), { eta: 0.1 });
    const params = network.getParameters();
    network.dispose();
    return params;
  };
  const [one, two] = [await run(1), await run(2)];
  assert.deepEqual(two, one);
  // Three slices of 64 rows: the split moves, the sums do not.
  if (variant === others[0]) assert.deepEqual(await run(3), one);
});

/** A first-layer weight on a central pixel, which mini-batches often have ink in. */
const WATCHED = 100 * 784 + 14 * 28 + 14;

test('reading the network between mini-batches (parameters, evaluate, L2 term, predict) sees every step and changes none', async () => {
  // The first layer's update of a batch is applied with the next batch's forward pass; every reader applies it first.
  const step = { eta: 0.5, lambda: 5, trainingSize: 50_000 };
  const order = new Uint32Array(train.count).map((_, i) => i);
  new Random(4).shuffle(order);
  const image = new Float64Array(784).fill(0.5);
  const readers: Record<string, (network: Network, data: DatasetHandle) => number> = {
    parameters: (network) => network.getParameters()[WATCHED],
    evaluate: (network, data) => network.evaluate(data, 0, 100).cost,
    l2: (network) => network.l2Penalty(5, 50_000),
    predict: (network) => network.predict(image)[3],
  };
  const names = Object.keys(readers);
  const run = async (options: { deferUpdate?: boolean; peek: boolean }) => {
    const network = await Network.create(CANONICAL_SPEC, { engine: 'wasm', simd: 'standard', init: { seed: 4 }, deferUpdate: options.deferUpdate });
    const data = network.upload(train);
    const seen: number[] = [];
    for (let s = 0; s < 12; s++) {
      network.trainBatch(data, order.subarray(s * BATCH, (s + 1) * BATCH), step);
      // Each reader in turn is the first to look after a batch.
      if (options.peek) for (let r = 0; r < names.length; r++) seen.push(readers[names[(s + r) % names.length]](network, data));
    }
    return { params: network.getParameters(), seen };
  };
  const plain = await run({ peek: false });
  const peeked = await run({ peek: true });
  assert.deepEqual(peeked.params, plain.params);
  // Without deferral every step is applied at once: the same sums, so every read is the same to the bit.
  const undeferred = await run({ deferUpdate: false, peek: true });
  assert.equal(peeked.seen.length, 48);
  assert.deepEqual(undeferred.params, plain.params);
  peeked.seen.forEach((value, i) => assert.equal(value, undeferred.seen[i], `read ${value}, expected ${undeferred.seen[i]} (${names[(Math.floor(i / 4) + (i % 4)) % 4]} after batch ${Math.floor(i / 4) + 1})`));
  const watched = undeferred.seen.filter((_, i) => names[(Math.floor(i / 4) + (i % 4)) % 4] === 'parameters');
  assert.ok(watched.some((v, i) => i > 0 && Math.abs(v - watched[i - 1]) > 1e-9), 'the batches moved the watched weight');
});

test('a worker that never runs (its core busy elsewhere) delays nothing: the other thread takes its slices', async () => {
  const run = async (threads: number): Promise<Float64Array> => {
    // threads 2 with a spawner whose worker never serves: every slice is left to the main thread to take.
    const idle = async () => ({ terminate: () => undefined });
    const network = await Network.create(CANONICAL_SPEC, { engine: 'wasm', simd: 'standard', init: { seed: 6 }, threads, spawnWorker: idle });
    assert.equal(network.threads, threads);
    const data = network.upload(train);
    for (let s = 0; s < 20; s++) network.trainBatch(data, new Uint32Array(BATCH).map((_, i) => s * BATCH + i), { eta: 0.5 });
    const params = network.getParameters();
    network.dispose();
    return params;
  };
  assert.deepEqual(await run(2), await run(1));
});
