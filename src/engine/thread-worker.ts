// A worker thread of the wasm engine: instantiates the core over the shared memory and runs the kernel
// slices the main thread posts in its control block (see threads.ts). Node (worker_threads) and browsers.
import { instantiateCore } from './wasm.js';
import { ARGS_OFFSET, SLOT, STEP_SLOTS, STOP, THREAD_OPS } from './threads.js';

interface Init {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
}

/** How long to spin for the next job before sleeping in Atomics.wait. */
const SPIN_MS = 5;

export async function serve(init: Init, ready: () => void): Promise<void> {
  const core = await instantiateCore(init.module, init.memory);
  const kernels: Record<number, (...args: number[]) => void> = {};
  for (const [name, op] of Object.entries(THREAD_OPS)) kernels[op] = core[name as keyof typeof THREAD_OPS] as (...args: number[]) => void;
  const i32 = new Int32Array(init.memory.buffer);
  const f64 = new Float64Array(init.memory.buffer);
  const base = init.control >> 2;
  const argsAt = (init.control + ARGS_OFFSET) >> 3;
  let seq = Atomics.load(i32, base + SLOT.seq);
  ready();
  for (;;) {
    let idleSince = performance.now();
    let spins = 0;
    while (Atomics.load(i32, base + SLOT.seq) === seq) {
      if (++spins % 1024 === 0 && performance.now() - idleSince > SPIN_MS) {
        Atomics.store(i32, base + SLOT.sleeping, 1);
        Atomics.wait(i32, base + SLOT.seq, seq, 1000);
        Atomics.store(i32, base + SLOT.sleeping, 0);
        idleSince = performance.now();
      }
    }
    seq = Atomics.load(i32, base + SLOT.seq);
    if (seq === STOP) return;
    const steps = i32[base + SLOT.steps];
    for (let i = 0; i < steps; i++) {
      const at = argsAt + i * STEP_SLOTS;
      const kernel = kernels[f64[at]];
      kernel(...f64.subarray(at + 2, at + 2 + f64[at + 1]));
    }
    Atomics.store(i32, base + SLOT.done, seq);
  }
}
