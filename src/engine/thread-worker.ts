// A worker thread of the wasm engine: instantiates the core over the shared memory and runs the kernel
// slices the main thread posts in its control block (see threads.ts). Node (worker_threads) and browsers.
import { instantiateCore } from './wasm.js';
import { ARGS_OFFSET, SLOT, STOP, THREAD_OPS } from './threads.js';

interface Init {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
}

/** How long to spin for the next job before sleeping in Atomics.wait. */
const SPIN_MS = 5;

export async function serve(init: Init, ready: () => void): Promise<void> {
  const core = await instantiateCore(init.module, init.memory);
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
    const a = Array.from(f64.subarray(argsAt, argsAt + 14));
    const op = i32[base + SLOT.op];
    if (op === THREAD_OPS.denseForward) core.denseForward(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);
    else if (op === THREAD_OPS.denseAccumulate) core.denseAccumulate(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);
    Atomics.store(i32, base + SLOT.done, seq);
  }
}
