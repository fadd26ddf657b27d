// A worker thread of the wasm engine: instantiates the core over the shared memory and runs slices of the jobs
// the main thread posts in the pool's control block (see threads.ts). Node (worker_threads) and browsers.
import type { Kernels } from './kernels.js';
import { instantiateCore } from './wasm.js';
import { describe, kernelsByOp, recordFailure, runSlices, SLOT, STOP, waitWhile } from './threads.js';
import type { WorkerInit } from './threads.js';

/**
 * Serves jobs until the pool stops. A kernel that throws is recorded in the control block (the main thread,
 * spinning on it, then throws) and ends the worker. `kernels` replaces the instantiated core (tests).
 */
export async function serve(init: WorkerInit, ready: () => void, kernels?: (core: Kernels) => Kernels): Promise<void> {
  const core = await instantiateCore(init.module, init.memory);
  const table = kernelsByOp(kernels ? kernels(core) : core);
  const i32 = new Int32Array(init.memory.buffer);
  const f64 = new Float64Array(init.memory.buffer);
  const base = init.control >> 2;
  let seq = Atomics.load(i32, base + SLOT.seq);
  ready();
  try {
    for (;;) {
      waitWhile(i32, base + SLOT.seq, seq, base + SLOT.sleepers);
      seq = Atomics.load(i32, base + SLOT.seq);
      if (seq === STOP) return;
      const ran = runSlices(i32, f64, init.control, seq, init.thread, init.threads, table);
      if (ran) {
        Atomics.add(i32, base + SLOT.done, ran);
        if (Atomics.load(i32, base + SLOT.mainSleeps)) Atomics.notify(i32, base + SLOT.done);
      }
    }
  } catch (error) {
    recordFailure(i32, init.control, init.thread, describe(error));
  }
}

/** Marks the worker failed if it ends while the pool still runs (Node: process.exit in the worker). */
export function recordExit(init: WorkerInit, how: string): void {
  const i32 = new Int32Array(init.memory.buffer);
  if (Atomics.load(i32, (init.control >> 2) + SLOT.seq) !== STOP) recordFailure(i32, init.control, init.thread, how);
}
