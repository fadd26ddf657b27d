// A page that imports mnist-wasm through a bundler, trains a tiny network on generated data and shows the result.
import { Network, Random } from 'mnist-wasm';

const random = new Random(1);
// Two classes a net can tell apart: bright left half or bright right half.
const count = 200;
const images = new Uint8Array(count * 16);
const labels = new Uint8Array(count);
for (let i = 0; i < count; i++) {
  labels[i] = i % 2;
  for (let k = 0; k < 16; k++) images[i * 16 + k] = (k % 4 < 2) === (labels[i] === 0) ? 200 + random.below(55) : random.below(40);
}
const network = await Network.create({ layers: [16, 8, 2] }, { init: { seed: 1 } });
const data = network.upload({ images, labels, count, inputSize: 16 });
const rows = new Uint32Array(count).map((_, i) => i);
for (let epoch = 0; epoch < 20; epoch++) {
  random.shuffle(rows);
  for (let b = 0; b < count; b += 10) network.trainBatch(data, rows.subarray(b, b + 10), { eta: 1 });
}
const score = network.evaluate(data);
const output = document.getElementById('result');
output.textContent = `engine ${network.engine}, ${network.simd} SIMD, accuracy ${score.accuracy}`;
output.dataset.engine = network.engine;
output.dataset.simd = String(network.simd);
output.dataset.accuracy = String(score.accuracy);
