// Data-parallel kernels: worker threads share the engine's WebAssembly.Memory and each computes a slice of
// the output rows of a big GEMM. They synchronise by spinning on Atomics (a wait/notify round trip costs
// tens of microseconds, as much as the work), and fall asleep with Atomics.wait after a few idle milliseconds.
import type { Arena } from './arena.js';
import type { Kernels } from './kernels.js';

/** The kernels a worker can run, by number. */
export const THREAD_OPS = { denseForward: 1, denseAccumulate: 2 } as const;
export type ThreadOp = keyof typeof THREAD_OPS;

/** Control block per worker (Int32 slots), then its arguments (f64) at +ARGS_OFFSET bytes. */
export const SLOT = { seq: 0, done: 1, sleeping: 2, op: 3 } as const;
export const ARGS_OFFSET = 64;
export const CONTROL_BYTES = 256;
export const STOP = -1;

/** Starts a worker that runs the core over the shared memory and serves the control block at `control`. */
export type WorkerSpawner = (init: { module: WebAssembly.Module; memory: WebAssembly.Memory; control: number }) => Promise<{ terminate(): void }>;

export class ThreadPool {
  readonly threads: number;
  private readonly controls: number[];
  private readonly workers: { terminate(): void }[];
  private readonly kernels: Kernels;
  private seq = 0;
  // Views over the shared memory: a growing SharedArrayBuffer keeps its old bytes where they are, and the
  // control blocks sit low, so views made at the start stay valid.
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;

  private constructor(arena: Arena, kernels: Kernels, controls: number[], workers: { terminate(): void }[]) {
    this.kernels = kernels;
    this.controls = controls;
    this.workers = workers;
    this.threads = workers.length + 1;
    this.i32 = new Int32Array(arena.buffer);
    this.f64 = new Float64Array(arena.buffer);
  }

  static async start(threads: number, arena: Arena, kernels: Kernels, module: WebAssembly.Module, memory: WebAssembly.Memory, spawn: WorkerSpawner): Promise<ThreadPool> {
    const controls = Array.from({ length: threads - 1 }, () => arena.alloc(CONTROL_BYTES));
    const workers = await Promise.all(controls.map((control) => spawn({ module, memory, control })));
    return new ThreadPool(arena, kernels, controls, workers);
  }

  /** Runs a row-splittable kernel over rows [0, rows): slices go to the workers, the first to this thread. */
  run(op: ThreadOp, args: number[], rows: number): void {
    const parts = this.threads;
    // Slices of whole 4-row blocks keep every thread on the fast register-blocked path.
    const per = Math.ceil(rows / parts / 4) * 4;
    const { i32, f64 } = this;
    const seq = ++this.seq;
    let busy = 0;
    for (let w = 0; w < this.controls.length; w++) {
      const start = Math.min(rows, (w + 1) * per), end = Math.min(rows, (w + 2) * per);
      if (start >= end) continue;
      const c = this.controls[w];
      f64.set([...args, start, end], (c + ARGS_OFFSET) >> 3);
      i32[(c >> 2) + SLOT.op] = THREAD_OPS[op];
      Atomics.store(i32, (c >> 2) + SLOT.seq, seq);
      if (Atomics.load(i32, (c >> 2) + SLOT.sleeping)) Atomics.notify(i32, (c >> 2) + SLOT.seq);
      busy++;
    }
    (this.kernels[op] as (...a: number[]) => void)(...args, 0, Math.min(rows, per));
    if (!busy) return;
    for (let w = 0; w < this.controls.length; w++) {
      if (Math.min(rows, (w + 1) * per) >= Math.min(rows, (w + 2) * per)) continue;
      const done = (this.controls[w] >> 2) + SLOT.done;
      while (Atomics.load(i32, done) !== seq) {
        // spin: the other half takes microseconds
      }
    }
  }

  stop(): void {
    const { i32 } = this;
    for (const c of this.controls) {
      Atomics.store(i32, (c >> 2) + SLOT.seq, STOP);
      Atomics.notify(i32, (c >> 2) + SLOT.seq);
    }
    for (const worker of this.workers) worker.terminate();
  }
}
