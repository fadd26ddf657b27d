// Threads fail loudly: a worker that throws, exits, hangs or cannot start becomes an error on the main thread,
// with the pool stopped, instead of a main thread spinning forever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../src/engine/network.js';
import { MnistWasmError } from '../src/errors.js';
import { CANONICAL_SPEC } from '../src/model/spec.js';
import { nodeWorkerSpawner } from '../src/engine/threads-node.js';
import { readWasmFromDisk } from '../src/engine/wasm-node.js';
import type { WorkerSpawner } from '../src/engine/threads.js';
import { syntheticData } from './helpers.js';

const data = syntheticData(400, 784, 10, 3);
const FAILING_WORKER = new URL('./fixtures/failing-worker.ts', import.meta.url);

// First in this file, before any build of mnist.wasm is cached by another test.
test('a failed wasm read is not cached: the next network loads', async () => {
  let reads = 0;
  const flaky = async (file: string) => (++reads === 1 ? Promise.reject(new Error('network down')) : readWasmFromDisk(file));
  await assert.rejects(Network.create({ layers: [4, 3] }, { engine: 'wasm', simd: 'standard', readWasm: flaky }), /network down/);
  const network = await Network.create({ layers: [4, 3] }, { engine: 'wasm', simd: 'standard', readWasm: flaky });
  assert.equal(reads, 2);
  assert.equal(network.getParameters().length, 4 * 3 + 4);
});

/** Trains mini-batches until one throws; returns the error and how many batches ran. */
function trainUntilFailure(network: Network): { error: unknown; batches: number } {
  const handle = network.upload(data);
  for (let b = 0; b < 2000; b++) {
    try {
      network.trainBatch(handle, new Uint32Array(10).map((_, i) => (b * 10 + i) % data.count), { eta: 0.5 });
    } catch (error) {
      return { error, batches: b };
    }
  }
  return { error: undefined, batches: 2000 };
}

for (const [mode, message] of [
  ['throw', /worker thread 1: injected kernel failure; the thread pool is stopped/],
  ['exit', /worker thread 1: exited with code 3/],
  ['hang', /^a worker thread finished no slice for \d+ ms \(hung, or killed\); the thread pool is stopped$/],
] as const) {
  test(`a worker that ${mode === 'hang' ? 'hangs' : mode === 'exit' ? 'exits' : 'throws'} in the middle of a job becomes an error on the main thread, and the pool stays stopped`, async (t) => {
    const network = await Network.create(CANONICAL_SPEC, { engine: 'wasm', simd: 'standard', threads: 2, spawnWorker: nodeWorkerSpawner(FAILING_WORKER, { mode }) });
    const started = performance.now();
    const { error, batches } = trainUntilFailure(network);
    const seconds = (performance.now() - started) / 1000;
    assert.ok(error instanceof MnistWasmError, `expected a thread error after ${batches} batches, got ${String(error)}`);
    assert.match(error.message, message);
    t.diagnostic(`after ${batches} batches and ${seconds.toFixed(2)} s: ${error.message}`);
    // A generous bound: the point is that it does not spin forever.
    assert.ok(seconds < 20, `took ${seconds.toFixed(1)} s`);
    // Every later use of the network reports the same failure instead of waiting on the dead pool.
    assert.throws(() => network.trainBatch(network.upload(data), new Uint32Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), { eta: 0.5 }), (later: unknown) => later === error);
    network.dispose();
  });
}

test('a worker that fails to start rejects Network.create, and the workers that did start are ended', async () => {
  const ended: number[] = [];
  const spawn: WorkerSpawner = async (init) => {
    if (init.thread === 2) throw new Error('no room for another thread');
    return { terminate: () => void ended.push(init.thread) };
  };
  await assert.rejects(Network.create(CANONICAL_SPEC, { engine: 'wasm', simd: 'standard', threads: 3, spawnWorker: spawn }), /a worker thread failed to start: no room for another thread/);
  assert.deepEqual(ended, [1]);
});

test('a worker that fails after it started (an error event between jobs) stops the next job with its message', async () => {
  let report: ((message: string) => void) | undefined;
  const spawn: WorkerSpawner = async (_init, events) => {
    report = events.failed;
    return { terminate: () => undefined };
  };
  const network = await Network.create(CANONICAL_SPEC, { engine: 'wasm', simd: 'standard', threads: 2, spawnWorker: spawn });
  const handle = network.upload(data);
  const rows = new Uint32Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  network.trainBatch(handle, rows, { eta: 0.5 });
  report?.('out of memory');
  assert.throws(() => {
    network.trainBatch(handle, rows, { eta: 0.5 });
    network.getParameters();
  }, /worker thread 1: out of memory/);
});

test('a worker that keeps falling behind (the main thread sleeps while it waits, then works alone for a while) changes no bit of training', async () => {
  const slow = await Network.create(CANONICAL_SPEC, { engine: 'wasm', simd: 'standard', threads: 2, init: { seed: 5 }, spawnWorker: nodeWorkerSpawner(FAILING_WORKER, { mode: 'slow' }) });
  const alone = await Network.create(CANONICAL_SPEC, { engine: 'wasm', simd: 'standard', init: { seed: 5 } });
  for (const network of [slow, alone]) {
    const handle = network.upload(data);
    // 300 batches: several windows of 64 jobs, alone and with the worker.
    for (let b = 0; b < 300; b++) network.trainBatch(handle, new Uint32Array(10).map((_, i) => (b * 10 + i) % data.count), { eta: 0.5 });
  }
  assert.deepEqual(slow.getParameters(), alone.getParameters());
  slow.dispose();
  alone.dispose();
});
