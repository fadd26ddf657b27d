// Epoch time with and without distortions: the canonical network, one thread, batch 10, 50,000 examples, every
// training gather in turn within each round (so a noisy spell on a shared machine lands on all of them).
// Run after `npm run build`: node --experimental-wasm-relaxed-simd scripts/augment-epochs.mjs [rounds] [MNIST folder]
import { locateAndLoad, Network, CANONICAL_SPEC, Random, validateAugment } from '../dist/index.js';

const rounds = Number(process.argv[2] ?? 4);
const { split } = await locateAndLoad({ data: process.argv[3] });
const gathers = {
  plain: {},
  affine: { augment: validateAugment({ mode: 'affine' }) },
  elastic: { augment: validateAugment({ mode: 'elastic' }) },
  both: { augment: validateAugment({ mode: 'both' }) },
  'input dropout 0.2': { inputDropout: 0.2 },
};
const runs = await Promise.all(Object.entries(gathers).map(async ([name, options]) => {
  const network = await Network.create(CANONICAL_SPEC, { ...options, engine: 'wasm', threads: 1 });
  return { name, network, data: network.upload(split.train), seconds: [] };
}));
const order = new Uint32Array(split.train.count).map((_, i) => i);
new Random(1).shuffle(order);
for (let round = 0; round < rounds; round++) {
  for (const run of runs) {
    const start = performance.now();
    for (let s = 0; s < order.length; s += 10) run.network.trainBatch(run.data, order.subarray(s, s + 10), { eta: 0.5 });
    run.network.getParameters();
    run.seconds.push((performance.now() - start) / 1000);
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const plain = runs[0].seconds;
for (const { name, seconds } of runs) {
  const ratios = seconds.map((t, i) => (t / plain[i]).toFixed(2)).join(' ');
  console.log(`${name}: epoch s ${seconds.map((t) => t.toFixed(2)).join(' ')}; median ${median(seconds).toFixed(2)}; ratio to plain ${(median(seconds) / median(plain)).toFixed(2)} (per round ${ratios})`);
}
