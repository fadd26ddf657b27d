// Data-parallel kernels: worker threads share the engine's WebAssembly.Memory and each computes a slice of
// the output rows of a big GEMM. They synchronise by spinning on Atomics (a wait/notify round trip costs
// tens of microseconds, as much as the work), and fall asleep with Atomics.wait after a few idle milliseconds.
import type { Arena } from './arena.js';
import type { Kernels } from './kernels.js';

/** The kernels a worker can run, by number; each takes the slice [start, end) of its rows or columns last. */
export const THREAD_OPS = { denseForward: 1, denseAccumulate: 2, denseBackwardInput: 3, accumulateColumns: 4 } as const;
export type ThreadOp = keyof typeof THREAD_OPS;

/** One kernel call of a job; every thread runs its slice of each step in order. */
export interface ThreadStep {
  op: ThreadOp;
  /** The kernel's arguments before the slice bounds. */
  args: number[];
}

/** Control block per worker (Int32 slots), then its steps at +ARGS_OFFSET bytes, STEP_SLOTS f64 each: op, argument count, arguments. */
export const SLOT = { seq: 0, done: 1, sleeping: 2, steps: 3 } as const;
export const ARGS_OFFSET = 64;
export const STEP_SLOTS = 16;
export const MAX_STEPS = 4;
export const CONTROL_BYTES = ARGS_OFFSET + MAX_STEPS * STEP_SLOTS * 8;
export const STOP = -1;
/** Slices start at multiples of this: whole register blocks, and the same sums whatever the thread count. */
export const SLICE_ALIGN = 8;

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

  /**
   * Runs a job over rows (or columns) [0, rows): each thread takes one slice and runs every step on it, in
   * order, so a step may read what an earlier step wrote in the same slice. The first slice is this thread's.
   */
  run(steps: ThreadStep[], rows: number): void {
    if (steps.length > MAX_STEPS) throw new Error(`a thread job holds at most ${MAX_STEPS} steps`);
    const per = Math.ceil(rows / this.threads / SLICE_ALIGN) * SLICE_ALIGN;
    const { i32, f64 } = this;
    const seq = ++this.seq;
    const busy: number[] = [];
    for (let w = 0; w < this.controls.length; w++) {
      const start = Math.min(rows, (w + 1) * per), end = Math.min(rows, (w + 2) * per);
      if (start >= end) continue;
      const c = this.controls[w];
      steps.forEach((step, i) => f64.set([THREAD_OPS[step.op], step.args.length + 2, ...step.args, start, end], ((c + ARGS_OFFSET) >> 3) + i * STEP_SLOTS));
      i32[(c >> 2) + SLOT.steps] = steps.length;
      Atomics.store(i32, (c >> 2) + SLOT.seq, seq);
      if (Atomics.load(i32, (c >> 2) + SLOT.sleeping)) Atomics.notify(i32, (c >> 2) + SLOT.seq);
      busy.push((c >> 2) + SLOT.done);
    }
    const mine = Math.min(rows, per);
    for (const step of steps) (this.kernels[step.op] as (...a: number[]) => void)(...step.args, 0, mine);
    for (const done of busy) {
      while (Atomics.load(i32, done) !== seq) {
        // spin: the other slices take microseconds
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
