// Training and inference throughput of the canonical network, wasm core vs its TypeScript twin, side by side.
// Usage: npm run bench [-- --quick]  (MNIST from --data DIR, MNIST_DIR, or ../shared/data/mnist)
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { Bench } from 'tinybench';
import { Network } from '../src/engine/network.js';
import type { EngineName } from '../src/engine/network.js';
import type { SimdBuild } from '../src/engine/wasm.js';
import { loadMnist } from '../src/data/mnist.js';
import { CANONICAL_SPEC } from '../src/model/spec.js';
import { Random } from '../src/model/random.js';

const args = process.argv.slice(2);
const dataFlag = args.indexOf('--data');
const dataDir = dataFlag >= 0 ? args[dataFlag + 1] : process.env.MNIST_DIR ?? new URL('../../shared/data/mnist', import.meta.url).pathname;
const quick = args.includes('--quick');

const BATCH = 10;
const BATCHES_PER_RUN = 200; // one timed run trains 2,000 examples
const EPOCH = 50_000;
const FLOP_PER_EXAMPLE = 638_472;

const { train, test } = await loadMnist(dataDir);
const contenders: { name: string; engine: EngineName; simd?: SimdBuild }[] = [
  { name: 'wasm (standard SIMD)', engine: 'wasm', simd: 'standard' },
  { name: 'ts twin', engine: 'ts' },
];
const probe = await Network.create({ layers: [2, 2] }, { engine: 'wasm' });
if (probe.simd === 'relaxed') contenders.splice(1, 0, { name: 'wasm (relaxed SIMD)', engine: 'wasm', simd: 'relaxed' });

const order = new Uint32Array(train.count).map((_, i) => i);
new Random(1).shuffle(order);
const bench = new Bench({ time: quick ? 500 : 3000, iterations: quick ? 2 : 5, warmupIterations: 1, warmupTime: 200 });
for (const c of contenders) {
  const network = await Network.create(CANONICAL_SPEC, { engine: c.engine, simd: c.simd, init: { seed: 1 } });
  const data = network.upload(train);
  const testData = network.upload(test);
  let cursor = 0;
  bench.add(`train ${c.name}`, () => {
    for (let b = 0; b < BATCHES_PER_RUN; b++) {
      if (cursor + BATCH > order.length) cursor = 0;
      network.trainBatch(data, order.subarray(cursor, cursor + BATCH), { eta: 0.5 });
      cursor += BATCH;
    }
  });
  bench.add(`infer ${c.name}`, () => {
    network.evaluate(testData, 0, 2000);
  });
}
await bench.run();

interface Row { contender: string; trainExamplesPerSecond: number; epochSeconds: number; gflops: number; inferExamplesPerSecond: number; rme: number }
const rows: Row[] = contenders.map((c) => {
  const trainTask = bench.tasks.find((t) => t.name === `train ${c.name}`);
  const inferTask = bench.tasks.find((t) => t.name === `infer ${c.name}`);
  const tr = trainTask?.result, inf = inferTask?.result;
  if (!tr || !('latency' in tr) || !inf || !('latency' in inf)) throw new Error(`benchmark of ${c.name} did not complete`);
  const trainPerSecond = (BATCHES_PER_RUN * BATCH * 1000) / tr.latency.mean;
  return {
    contender: c.name,
    trainExamplesPerSecond: Math.round(trainPerSecond),
    epochSeconds: +(EPOCH / trainPerSecond).toFixed(3),
    gflops: +((trainPerSecond * FLOP_PER_EXAMPLE) / 1e9).toFixed(2),
    inferExamplesPerSecond: Math.round((2000 * 1000) / inf.latency.mean),
    rme: +tr.latency.rme.toFixed(2),
  };
});
const ts = rows.find((r) => r.contender === 'ts twin') as Row;
const table = rows.map((r) => ({ ...r, 'x ts twin': +(r.trainExamplesPerSecond / ts.trainExamplesPerSecond).toFixed(2) }));
console.log(`canonical network [${CANONICAL_SPEC.layers.join(', ')}], batch ${BATCH}, one thread, ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}`);
console.table(table);

const summary = {
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version },
  network: CANONICAL_SPEC.layers,
  batch: BATCH,
  results: table,
  ratioWasmToTs: +(rows[0].trainExamplesPerSecond / ts.trainExamplesPerSecond).toFixed(2),
};
const dir = new URL('./results/', import.meta.url);
await mkdir(dir, { recursive: true });
const json = JSON.stringify(summary, null, 2);
await writeFile(new URL(`engines-${summary.date.replace(/[:.]/g, '-')}.json`, dir), json);
await writeFile(new URL('engines-latest.json', dir), json);
console.log(`wasm / ts training speed: ${summary.ratioWasmToTs}x; written to bench/results/engines-latest.json`);
