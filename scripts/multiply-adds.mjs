// How many f64x2 multiply-adds the canonical network's kernels make, counted from the MNIST images: per training
// mini-batch of 10 (pairs by ink as gatherBatch makes them, the update over each example's own 2-column blocks),
// and per evaluated image (score groups of 16 paired the same way). The floor a kernel rate gives follows from it.
// Usage: node scripts/multiply-adds.mjs [MNIST_DIR]   (default ../shared/data/mnist)
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';

const dir = process.argv[2] ?? process.env.MNIST_DIR ?? '../shared/data/mnist';
const images = (name) => gunzipSync(readFileSync(join(dir, name))).subarray(16);
const train = images('train-images-idx3-ubyte.gz'), test = images('t10k-images-idx3-ubyte.gz');
const N = 784, BLOCKS = N / 2, [H1, H2, OUT] = [192, 30, 10];
const inkOf = (src, i) => Uint8Array.from({ length: BLOCKS }, (_, g) => (src[i * N + 2 * g] | src[i * N + 2 * g + 1] ? 1 : 0));
const union = (a, b) => a.reduce((s, v, g) => s + (v | b[g]), 0);
const own = (a) => a.reduce((s, v) => s + v, 0);
// assembly/ink.ts pairByInk: greedily the two images left whose union of ink has the fewest blocks.
function pairedBlocks(inks) {
  const left = inks.map((_, i) => i);
  let blocks = 0;
  while (left.length >= 2) {
    let best = Infinity, bi = 0, bj = 1;
    for (let x = 0; x < left.length; x++) for (let y = x + 1; y < left.length; y++) {
      const u = union(inks[left[x]], inks[left[y]]);
      if (u < best) [best, bi, bj] = [u, x, y];
    }
    blocks += 2 * best; // both examples of the pair visit the union
    left.splice(bj, 1);
    left.splice(bi, 1);
  }
  return blocks + left.reduce((s, i) => s + own(inks[i]), 0);
}
// A fixed sample of training batches (a simple LCG, so the count is reproducible).
let seed = 1;
const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 50000;
const BATCHES = 1000;
let forward = 0, update = 0;
for (let b = 0; b < BATCHES; b++) {
  const inks = Array.from({ length: 10 }, () => inkOf(train, next()));
  forward += pairedBlocks(inks);
  update += inks.reduce((s, a) => s + own(a), 0);
}
const upper = 10 * (H1 * H2 + H2 * OUT) / 2; // forward of layers 2-3 for 10 examples
const perBatch = {
  'layer 1 forward (pairs)': (forward / BATCHES) * H1,
  'layer 1 update (own blocks)': (update / BATCHES) * H1,
  'layers 2-3 forward': upper,
  'error into layer 1 and 2': 10 * (H1 * H2 + H2 * OUT) / 2,
  'layers 2-3 update': upper,
};
const batchTotal = Object.values(perBatch).reduce((s, v) => s + v, 0);
let evalBlocks = 0, evalOwn = 0, evaluated = 0;
for (const [src, count] of [[train, 60000], [test, 10000]]) {
  for (let s = 0; s + 16 <= count; s += 16) {
    const inks = Array.from({ length: 16 }, (_, i) => inkOf(src, s + i));
    evalBlocks += pairedBlocks(inks);
    evalOwn += inks.reduce((t, a) => t + own(a), 0);
    evaluated += 16;
  }
}
const perImage = (evalBlocks / evaluated) * H1 + (H1 * H2 + H2 * OUT) / 2;
const perImageOwn = (evalOwn / evaluated) * H1 + (H1 * H2 + H2 * OUT) / 2;
const epoch = batchTotal * 5000, monitored = perImage * 70000;
console.table(Object.fromEntries(Object.entries(perBatch).map(([k, v]) => [k, Math.round(v)])));
console.log(`training: ${Math.round(batchTotal)} per mini-batch of 10, ${(epoch / 1e9).toFixed(3)} G per epoch of 50,000`);
console.log(`evaluation: ${Math.round(perImage)} per image (pairs of a score group), ${Math.round(perImageOwn)} over each image's own ink; ${(monitored / 1e9).toFixed(3)} G for the 70,000 images`);
console.log(`evaluating 70,000 / training an epoch, in multiply-adds: ${(monitored / epoch).toFixed(2)} (own ink: ${((perImageOwn * 70000) / epoch).toFixed(2)})`);
