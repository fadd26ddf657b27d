// Trains the canonical network under each optimizer (same seed, epochs and data) and prints the final test accuracy
// and seconds per epoch; the runs take turns epoch by epoch, so a busy spell on a shared machine hits them all.
// Run after `npm run build`: node --experimental-wasm-relaxed-simd examples/optimizers.mjs [MNIST folder] [epochs]
import { CANONICAL_SPEC, Network, locateAndLoad, train } from '../dist/index.js';

const epochs = Number(process.argv[3] ?? 5);
const RUNS = [
  { label: 'sgd', eta: 0.5 },
  { label: 'momentum 0.9', eta: 0.05, optimizer: { name: 'momentum' } },
  { label: 'nesterov 0.9, cosine', eta: 0.1, optimizer: { name: 'nesterov' }, schedule: { name: 'cosine' } },
  { label: 'adam', eta: 0.001, optimizer: { name: 'adam' } },
  { label: 'adam, [784,100,10] relu/softmax', eta: 0.001, optimizer: { name: 'adam' }, spec: { layers: [784, 100, 10], activation: 'relu', outputActivation: 'softmax' } },
];

const { split } = await locateAndLoad({ data: process.argv[2] });
const data = { train: split.train, test: split.test };

// A baton passed from run to run after each epoch (the trainer awaits onEpoch): one run trains at a time.
const turns = RUNS.map(() => undefined);
const started = RUNS.map(() => false);
const results = [];
function passBaton(from) {
  const to = (from + 1) % RUNS.length;
  if (!started[to]) results[to] = start(to);
  else turns[to]?.();
}
function start(i) {
  started[i] = true;
  const { label, eta, optimizer, schedule, spec } = RUNS[i];
  return (async () => {
    const network = await Network.create(spec ?? CANONICAL_SPEC, { engine: 'wasm', init: { seed: 1 } });
    const result = await train(network, data, {
      epochs, batchSize: 10, eta, seed: 1, optimizer, schedule,
      hooks: {
        onEpoch: (m) => {
          const waiting = m.epoch < epochs ? new Promise((resolve) => (turns[i] = resolve)) : undefined;
          passBaton(i);
          return waiting;
        },
      },
    });
    network.dispose();
    const seconds = result.metrics.reduce((s, m) => s + m.seconds, 0) / result.metrics.length;
    return { label, eta, canonical: !spec, testAccuracy: result.metrics.at(-1).testAccuracy, secondsPerEpoch: seconds };
  })().catch((error) => {
    // The other runs wait for a baton this one will never pass: end here, in one line.
    console.error(`mnist-wasm: ${label}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
results[0] = start(0);
// Every run is started by the baton, one after another; wait until the last has been.
while (started.includes(false)) await new Promise((resolve) => setTimeout(resolve, 100));
const rows = await Promise.all(results);
const sgd = rows[0].secondsPerEpoch;
console.log(`${epochs} epochs, batch 10, seed 1, wasm core, one thread`);
console.log('| optimizer | eta | test accuracy | s/epoch | vs sgd |');
console.log('|---|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.label} | ${r.eta} | ${(100 * r.testAccuracy).toFixed(2)}% | ${r.secondsPerEpoch.toFixed(2)} | ${r.canonical ? `${(r.secondsPerEpoch / sgd).toFixed(2)}x` : 'other network'} |`);
