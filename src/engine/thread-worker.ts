// A worker thread of the wasm engine: instantiates the core over the shared memory and runs slices of the jobs
// the main thread posts in the pool's control block (see threads.ts). Node (worker_threads) and browsers.
import { instantiateCore } from './wasm.js';
import { kernelsByOp, runSlices, SLOT, STOP } from './threads.js';

interface Init {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
  thread: number;
  threads: number;
}

/** How long to spin for the next job before sleeping in Atomics.wait. */
const SPIN_MS = 5;

export async function serve(init: Init, ready: () => void): Promise<void> {
  const core = await instantiateCore(init.module, init.memory);
  const kernels = kernelsByOp(core);
  const i32 = new Int32Array(init.memory.buffer);
  const f64 = new Float64Array(init.memory.buffer);
  const base = init.control >> 2;
  let seq = Atomics.load(i32, base + SLOT.seq);
  ready();
  for (;;) {
    let idleSince = performance.now();
    let spins = 0;
    while (Atomics.load(i32, base + SLOT.seq) === seq) {
      if (++spins % 1024 === 0 && performance.now() - idleSince > SPIN_MS) {
        Atomics.add(i32, base + SLOT.sleepers, 1);
        Atomics.wait(i32, base + SLOT.seq, seq, 1000);
        Atomics.sub(i32, base + SLOT.sleepers, 1);
        idleSince = performance.now();
      }
    }
    seq = Atomics.load(i32, base + SLOT.seq);
    if (seq === STOP) return;
    const ran = runSlices(i32, f64, init.control, seq, init.thread, init.threads, kernels);
    if (ran) Atomics.add(i32, base + SLOT.done, ran);
  }
}
