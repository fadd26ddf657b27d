// Side-by-side throughput of the canonical network at batch 10: the wasm core (each build, one and two
// threads, and with dense kernels), the TypeScript twin, and TensorFlow.js (cpu and wasm backends, f32).
// Each of our engines runs in its own worker thread (bench/contender.ts), as alone as in a user's `train`.
import { cpus, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Dataset } from '../data/dataset.js';
import type { MnistSplit } from '../data/mnist.js';
import { Network } from '../engine/network.js';
import type { EngineOptions } from '../engine/network.js';
import { validateAugment } from '../model/augment.js';
import { CANONICAL_SPEC } from '../model/spec.js';
import type { ContenderInit, ContenderReply, ContenderRequest } from './contender.js';
import { kernelTimes } from './kernels.js';
import type { KernelTime } from './kernels.js';
import { createTfjsContender } from './tfjs.js';
import { BATCH, BATCHES_PER_RUN, benchOrder, INFER_COUNT, timeRound } from './timing.js';
import type { RoundOptions, RoundSamples } from './timing.js';

export { BATCH } from './timing.js';
export const EPOCH = 50_000;
export const FLOP_PER_EXAMPLE = 638_472;
/** Rounds of the full measurement; each gives every contender a share of the time. */
const ROUNDS = 5;
/** What the default train evaluates after each epoch: the training, validation and test sets. */
export const MONITORED = 70_000;
/** Mini-batches timed kernel by kernel. */
const KERNEL_BATCHES = 2000;

export interface BenchRow {
  contender: string;
  trainExamplesPerSecond: number;
  epochSeconds: number;
  /** Dense-equivalent GFLOP/s: 638,472 flop per example whatever the kernels skip. */
  gflops: number;
  inferExamplesPerSecond: number;
  /** Evaluating the 70,000 images the default train monitors after each epoch, seconds. */
  evalSeconds: number;
  /** What a user waits for per epoch of the default train: training plus evaluating 70,000 images. */
  wholeEpochSeconds: number;
  /** Relative margin of error of the training time, percent. */
  rme: number;
  vsTsTwin: number;
}

export interface BenchSummary {
  date: string;
  machine: { cpu: string | undefined; cores: number; node: string; loadAverage: number[] };
  network: number[];
  batch: number;
  results: BenchRow[];
  epochSeconds: Record<string, number>;
  skipped: Record<string, string>;
  /** One thread, relaxed SIMD when available: microseconds per mini-batch in each kernel. */
  kernels: KernelTime[];
}

interface Contender {
  name: string;
  /** Times one round: training runs and evaluation runs, milliseconds each. */
  round(options: RoundOptions): Promise<RoundSamples>;
  dispose(): Promise<void>;
  /** Ends it at once (after a failure elsewhere, so that no worker keeps the process alive). */
  abort(): void;
}

/** A copy of a dataset in shared memory, which every contender's worker reads without a copy of its own. */
function shared(data: Dataset): Dataset {
  const bytes = new Uint8Array(new SharedArrayBuffer(data.images.length + data.labels.length));
  bytes.set(data.images);
  bytes.set(data.labels, data.images.length);
  const images = bytes.subarray(0, data.images.length), labels = bytes.subarray(data.images.length);
  return { images, labels, count: data.count, inputSize: data.inputSize, source: data.source };
}

/** One of our engines in its own worker thread (bench/contender.ts); rejects when the worker fails or exits. */
async function ourEngine(name: string, options: EngineOptions, data: { train: Dataset; test: Dataset }, eta = 0.5): Promise<Contender> {
  const workerData: ContenderInit = { options, eta, ...data };
  const worker = new Worker(new URL('./contender.js', import.meta.url), { workerData });
  const next = (): Promise<ContenderReply> =>
    new Promise((resolve, reject) => {
      const fail = (why: Error): void => {
        worker.off('message', ok);
        worker.off('exit', exited);
        reject(new Error(`the contender ${name} failed: ${why.message}`));
      };
      const exited = (code: number): void => fail(new Error(`its worker exited with code ${code}`));
      const ok = (message: ContenderReply): void => {
        worker.off('error', fail);
        worker.off('exit', exited);
        resolve(message);
      };
      worker.once('message', ok);
      worker.once('error', fail);
      worker.once('exit', exited);
    });
  const send = (request: ContenderRequest): void => worker.postMessage(request);
  await next();
  return {
    name,
    round: async (roundOptions) => {
      send({ kind: 'round', options: roundOptions });
      const reply = await next();
      if (reply.kind !== 'samples') throw new Error(`the contender ${name} answered ${reply.kind} to a round`);
      return reply.samples;
    },
    dispose: async () => {
      send({ kind: 'stop' });
      await new Promise((resolve) => worker.once('exit', resolve));
    },
    abort: () => void worker.terminate(),
  };
}

/** Runs every contender this runtime supports; quick shortens the measuring time. */
export async function runBenchmark(split: MnistSplit, options: { quick?: boolean; log?(line: string): void } = {}): Promise<BenchSummary> {
  const log = options.log ?? (() => undefined);
  const skipped: Record<string, string> = {};
  const probe = await Network.create({ layers: [2, 2] }, { engine: 'wasm' });
  const relaxed = probe.simd === 'relaxed';
  const best = relaxed ? 'relaxed' : 'standard';
  if (!relaxed) skipped['wasm relaxed SIMD'] = 'this runtime does not validate relaxed SIMD';
  // The contenders measured side by side, one line each (eta 0.5 unless given).
  const ours: { name: string; options: EngineOptions; eta?: number }[] = [
    { name: 'wasm standard SIMD', options: { engine: 'wasm', simd: 'standard' } },
    ...(relaxed ? [{ name: 'wasm relaxed SIMD', options: { engine: 'wasm', simd: 'relaxed' } } as const] : []),
    { name: `wasm ${best} SIMD, 2 threads`, options: { engine: 'wasm', simd: best, threads: 2 } },
    { name: 'wasm standard SIMD, dense kernels', options: { engine: 'wasm', simd: 'standard', sparseInputs: false } },
    // Simard's elastic distortions (alpha 34, sigma 4) drawn for every example of every batch.
    { name: `wasm ${best} SIMD, elastic distortions`, options: { engine: 'wasm', simd: best, augment: validateAugment({ mode: 'elastic' }) } },
    { name: 'ts twin', options: { engine: 'ts' } },
    // One per optimizer beyond SGD (each at an eta it learns with), so their cost per epoch is visible.
    ...(['momentum', 'nesterov', 'adam'] as const).map((name) => ({ name: `wasm ${best} SIMD, ${name}`, options: { engine: 'wasm', simd: best, optimizer: { name } } as EngineOptions, eta: name === 'adam' ? 0.001 : 0.05 })),
  ];
  const data = { train: shared(split.train), test: shared(split.test) };
  const contenders: Contender[] = [];
  const order = benchOrder(split.train.count);
  // Several short rounds, each running every contender of a group in turn: a noisy spell on this shared
  // machine then lands on all of them instead of on whichever happened to be running.
  const rounds = options.quick ? 1 : ROUNDS;
  const roundOptions = (round: number): RoundOptions => ({
    time: (options.quick ? 300 : 3000) / rounds,
    iterations: 1,
    warmupIterations: 1,
    // A fresh engine's first 1,000-2,000 steps run slower (two threads 2-3x, one thread 1.1-1.2x, measured here
    // whatever V8's compiler flags), so the first round warms up longer.
    warmupTime: round === 0 ? (options.quick ? 200 : 1000) : 50,
  });
  const samples = new Map<string, number[]>();
  const measure = async (group: Contender[]): Promise<void> => {
    for (let round = 0; round < rounds; round++) {
      for (const c of group) {
        const { train, infer } = await c.round(roundOptions(round));
        samples.set(`train ${c.name}`, [...(samples.get(`train ${c.name}`) ?? []), ...train]);
        samples.set(`infer ${c.name}`, [...(samples.get(`infer ${c.name}`) ?? []), ...infer]);
      }
      log(`measured round ${round + 1} of ${rounds}: ${group.map((c) => c.name).join(', ')}`);
    }
    for (const c of group) await c.dispose();
  };
  // Ours first, then TensorFlow.js: its wasm backend starts helper threads that would share the cores with ours.
  try {
    for (const { name, options: engine, eta } of ours) contenders.push(await ourEngine(name, engine, data, eta));
    await measure(contenders);
  } catch (error) {
    for (const c of contenders) c.abort();
    throw error;
  }
  log('timing each kernel');
  const kernels = await kernelTimes(split, order, options.quick ? 200 : KERNEL_BATCHES, BATCH);
  for (const backend of ['cpu', 'wasm'] as const) {
    const tfjs = await createTfjsContender(backend, split.train, CANONICAL_SPEC.layers, 0.5);
    if (typeof tfjs === 'string') {
      skipped[`tfjs-${backend}`] = tfjs;
      continue;
    }
    const timed = { trainBatch: (rows: Uint32Array) => tfjs.trainBatch(rows), infer: () => tfjs.infer(0, INFER_COUNT) };
    const cursor = { at: 0 };
    const contender: Contender = { name: `${tfjs.backend} (f32)`, round: (o) => timeRound(timed, order, cursor, o), dispose: async () => tfjs.dispose(), abort: () => tfjs.dispose() };
    await measure([contender]);
    contenders.push(contender);
  }

  /** Median and relative margin of error (95%, percent) of a task's pooled samples, in ms. */
  const stats = (name: string): { p50: number; rme: number } => {
    const all = [...(samples.get(name) ?? [])].sort((x, y) => x - y);
    if (!all.length) throw new Error(`the benchmark of ${name} has no samples`);
    const mid = all.length >> 1;
    const p50 = all.length % 2 ? all[mid] : (all[mid - 1] + all[mid]) / 2;
    const mean = all.reduce((sum, v) => sum + v, 0) / all.length;
    const sd = Math.sqrt(all.reduce((sum, v) => sum + (v - mean) ** 2, 0) / Math.max(1, all.length - 1));
    return { p50, rme: (100 * 1.96 * sd) / Math.sqrt(all.length) / mean };
  };
  const rows = contenders.map((c) => {
    const train = stats(`train ${c.name}`);
    // The median run: on a shared machine a neighbour's burst inflates the mean of a few runs.
    const perSecond = (BATCHES_PER_RUN * BATCH * 1000) / train.p50;
    const inferPerSecond = (INFER_COUNT * 1000) / stats(`infer ${c.name}`).p50;
    return {
      contender: c.name,
      trainExamplesPerSecond: Math.round(perSecond),
      epochSeconds: +(EPOCH / perSecond).toFixed(3),
      gflops: +((perSecond * FLOP_PER_EXAMPLE) / 1e9).toFixed(2),
      inferExamplesPerSecond: Math.round(inferPerSecond),
      evalSeconds: +(MONITORED / inferPerSecond).toFixed(3),
      wholeEpochSeconds: +(EPOCH / perSecond + MONITORED / inferPerSecond).toFixed(3),
      rme: +train.rme.toFixed(1),
      vsTsTwin: 0,
    };
  });
  const twin = rows.find((r) => r.contender === 'ts twin') as BenchRow;
  for (const r of rows) r.vsTsTwin = +(r.trainExamplesPerSecond / twin.trainExamplesPerSecond).toFixed(2);
  return {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, loadAverage: loadavg().map((l) => +l.toFixed(2)) },
    network: CANONICAL_SPEC.layers,
    batch: BATCH,
    results: rows,
    epochSeconds: Object.fromEntries(rows.map((r) => [r.contender, r.epochSeconds])),
    skipped,
    kernels,
  };
}
