// Evaluation scores the same bits as before it was split across threads, with any thread count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../src/engine/network.js';
import type { EngineOptions } from '../src/engine/network.js';
import { loadMnist } from '../src/data/mnist.js';
import { CANONICAL_SPEC } from '../src/model/spec.js';
import { engineVariants, MNIST_DIR } from './helpers.js';

const { train, test: testSet } = await loadMnist(MNIST_DIR, { trainSize: 1000 });

/** The canonical network after 100 mini-batches of 10 on the first 1,000 training images (seed 5). */
async function trained(options: EngineOptions): Promise<Network> {
  const network = await Network.create(CANONICAL_SPEC, { ...options, init: { seed: 5 } });
  const data = network.upload(train);
  for (let s = 0; s < 100; s++) network.trainBatch(data, new Uint32Array(10).map((_, i) => s * 10 + i), { eta: 0.5 });
  return network;
}

// Printed by the evaluation of 16-row chunks this replaced (commit d328e2f), rows 7..1007 of the test set.
const GOLDEN: Record<string, { correct: number; cost: number }> = {
  ts: { correct: 186, cost: 3.089695427202963 },
  'wasm standard SIMD': { correct: 186, cost: 3.089695427202964 },
  'wasm relaxed SIMD': { correct: 186, cost: 3.0896954272029635 },
};

for (const variant of await engineVariants()) {
  test(`${variant.label}: evaluation gives the bits it gave before it was split across threads`, async () => {
    const network = await trained(variant);
    const score = network.evaluate(network.upload(testSet), 7, 1001);
    assert.deepEqual({ correct: score.correct, cost: score.cost }, GOLDEN[variant.label]);
    network.dispose();
  });
}

for (const simd of ['standard', 'relaxed'] as const) {
  test(`wasm ${simd}: 2 and 3 threads evaluate to the bits of 1 thread, and count what predict's argmax counts`, async (t) => {
    const probe = await Network.create({ layers: [2, 2] }, { engine: 'wasm', simd: 'auto' });
    if (simd === 'relaxed' && probe.simd !== 'relaxed') return t.skip('no relaxed SIMD in this runtime');
    const scores = [];
    for (const threads of [1, 2, 3]) {
      const network = await trained({ engine: 'wasm', simd, threads });
      const data = network.upload(testSet);
      scores.push([network.evaluate(data), network.evaluate(data, 3, 4321)]);
      if (threads === 1) {
        const outputs = network.predict(Float64Array.from(testSet.images, (v) => v / 255));
        let correct = 0;
        for (let e = 0; e < testSet.count; e++) {
          let best = 0;
          for (let j = 1; j < 10; j++) if (outputs[e * 10 + j] > outputs[e * 10 + best]) best = j;
          if (best === testSet.labels[e]) correct++;
        }
        assert.equal(scores[0][0].correct, correct);
      }
      network.dispose();
    }
    assert.deepEqual(scores[1], scores[0]);
    assert.deepEqual(scores[2], scores[0]);
    assert.ok(scores[0][0].correct > 1000, 'the network learned something');
  });
}
