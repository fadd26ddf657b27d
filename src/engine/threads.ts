// Data-parallel kernels: worker threads share the engine's WebAssembly.Memory and split each job's rows (the
// first layer's output rows) into slices. They synchronise by spinning on Atomics (a wait/notify round trip
// costs tens of microseconds, as much as the work), but only briefly: a thread that has waited longer than a
// mini-batch's gap sleeps in Atomics.wait. Both threads share one CPU budget when the machine is busy (Linux
// groups a session's threads), so a spinning thread would take its time from the very thread it waits for.
//
// Each thread owns some slices, so on a quiet machine it keeps touching the same weight rows (which stay in its
// core's cache); a thread that has finished its own slices takes any slice nobody has started, so a worker
// whose core is busy elsewhere delays a job by at most the slice it is in. Every slice is computed whole by one
// thread, so the results do not depend on who computed what.
import type { Arena } from './arena.js';
import { MnistWasmError } from '../errors.js';
import { SLICE_ARG_COUNTS, SLICED_KERNELS } from './kernels.js';
import type { Kernels, SliceArgs, SlicedKernel } from './kernels.js';

/** One kernel call of a job, its arguments typed from the Kernels interface; every slice runs all the steps, in order. */
export type ThreadStep = { [K in SlicedKernel]: { op: K; args: SliceArgs<K> } }[SlicedKernel];

/** Steps from `from` on wait until the main thread has run `open()`, which overlaps the workers' first steps. */
export interface JobGate {
  from: number;
  open(): void;
}

/** Runs one step on the slice [start, end) in this thread. */
export function runStep(kernels: Kernels, step: ThreadStep, start: number, end: number): void {
  const { args } = step;
  for (let k = 0; k < args.length; k++) callArgs[k] = args[k];
  callArgs[args.length] = start;
  callArgs[args.length + 1] = end;
  callKernel(kernels[step.op]);
}

/** A thread's kernel table for steps read back from the control block, by op number (the index in SLICED_KERNELS). */
export function kernelsByOp(kernels: Kernels): Kernel[] {
  return SLICED_KERNELS.map((name): Kernel => kernels[name]);
}

/**
 * Int32 slots of the pool's control block. failed: 0, or -1 while a failure is being written, then the failing
 * thread's number + 1; failureLength: the UTF-16 length of its message at FAILURE_TEXT.
 */
export const SLOT = { seq: 0, sleepers: 1, done: 2, steps: 3, slices: 4, sliceRows: 5, rows: 6, gatedFrom: 7, gate: 8, failed: 9, failureLength: 10, mainSleeps: 11, gateSleepers: 12 } as const;
/** Int32 index of the first slice's claim: the seq of the job that claimed it. */
export const CLAIMS = 16;
export const MAX_THREADS = 64;
/** Slices per thread: a thread that starts late (the main thread gathers first) or is busy elsewhere hands its last slices to the others. */
export const SLICES_PER_THREAD = 4;
/** Int32 index and length of the first failure's message, one UTF-16 code per slot. */
const FAILURE_TEXT = CLAIMS + MAX_THREADS * SLICES_PER_THREAD;
const FAILURE_CHARS = 256;
/** Byte offset of the steps, STEP_SLOTS f64 each: op, argument count, arguments. */
export const ARGS_OFFSET = 4 * (FAILURE_TEXT + FAILURE_CHARS);
/** Room for the op, the count and the longest argument list of any sliced kernel. */
export const STEP_SLOTS = 2 + Math.max(...Object.values(SLICE_ARG_COUNTS));
/** Room for the longest argument list of a sliced kernel and its slice bounds (callKernel passes this many). */
const CALL_SLOTS = 16;
if (STEP_SLOTS > CALL_SLOTS) throw new Error(`a sliced kernel takes ${STEP_SLOTS} arguments with its slice; callKernel passes ${CALL_SLOTS}`);
export const MAX_STEPS = 4;
export const CONTROL_BYTES = ARGS_OFFSET + MAX_STEPS * STEP_SLOTS * 8;
export const STOP = -1;
/** Slices start at multiples of this: whole register blocks, and the same sums whatever the thread count. */
export const SLICE_ALIGN = 8;

/** What a worker is started with: the compiled core, the shared memory, and its place in the pool at `control`. */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
  thread: number;
  threads: number;
}

/** How a running worker reports that it failed (an error or exit event after it started). */
export interface WorkerEvents {
  failed(message: string): void;
}

/**
 * Starts a worker that runs the core over the shared memory, as thread number `init.thread`; resolves once it
 * serves, rejects if it cannot start, and calls `events.failed` if it errors or exits later.
 */
export type WorkerSpawner = (init: WorkerInit, events: WorkerEvents) => Promise<{ terminate(): void }>;

/** Records the first failure of any thread in the control block, where a spinning thread sees it. */
export function recordFailure(i32: Int32Array, control: number, thread: number, message: string): void {
  const base = control >> 2;
  if (Atomics.compareExchange(i32, base + SLOT.failed, 0, -1) !== 0) return;
  const text = message.slice(0, FAILURE_CHARS);
  for (let i = 0; i < text.length; i++) i32[base + FAILURE_TEXT + i] = text.charCodeAt(i);
  Atomics.store(i32, base + SLOT.failureLength, text.length);
  Atomics.store(i32, base + SLOT.failed, thread + 1);
}

/** The recorded failure as "worker thread N: message", or undefined while there is none. */
function readFailure(i32: Int32Array, control: number): string | undefined {
  const base = control >> 2;
  const failed = Atomics.load(i32, base + SLOT.failed);
  if (failed <= 0) return undefined;
  const codes = i32.subarray(base + FAILURE_TEXT, base + FAILURE_TEXT + Atomics.load(i32, base + SLOT.failureLength));
  return `${failed === 1 ? 'the main thread' : `worker thread ${failed - 1}`}: ${String.fromCharCode(...codes)}`;
}

/** Whether this thread may block in Atomics.wait: asked with a value that returns at once ("not-equal"), or throws. */
function mayBlock(i32: Int32Array, index: number): boolean {
  try {
    Atomics.wait(i32, index, Atomics.load(i32, index) + 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** An error's message, whatever was thrown. */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

/** Waiting longer than this (or 20 of the slowest slice the main thread ran) for a claimed slice is a failure. */
const STALL_MS = 1000;
/** A pause this long between two checks means this thread was not running, so nobody else is to blame for it. */
const PAUSED_MS = 100;
/**
 * How long a thread spins for the other before it sleeps: longer than the gaps of a quiet machine (the main
 * thread's serial part between jobs, a worker's last slice), far shorter than a time slice the OS gives away.
 */
export const SPIN_MS = 0.2;
/** Jobs over which the pool weighs what the workers saved against the time spent waiting for them (see weigh). */
const WEIGHED_JOBS = 64;
/** The longest stretch of jobs the main thread then runs alone (about a second of mini-batches). */
const MAX_SOLO_JOBS = 4096;
/** A sleeping main thread wakes this often to check for failures and stalls. */
const SLEEP_MS = 2;

/**
 * Waits while i32[index] holds `value` (a worker's wait for the next job or the gate): spins SPIN_MS, then
 * sleeps, counted in i32[sleepers] so that the thread that changes the value knows to notify.
 */
export function waitWhile(i32: Int32Array, index: number, value: number, sleepers: number): void {
  const sleepAfter = performance.now() + SPIN_MS;
  let spins = 0;
  while (Atomics.load(i32, index) === value) {
    if ((++spins & 63) !== 0 || performance.now() < sleepAfter) continue;
    Atomics.add(i32, sleepers, 1);
    Atomics.wait(i32, index, value, 1000);
    Atomics.sub(i32, sleepers, 1);
  }
}

type Kernel = (...args: number[]) => void;

/** This thread's arguments for the next callKernel. */
const callArgs = new Float64Array(CALL_SLOTS);

/**
 * kernel(...callArgs): a call of fixed length allocates nothing, where a spread or apply boxes every number
 * (and takes 10-20 times as long); the zeros after a kernel's slice bounds are extra arguments it ignores.
 */
function callKernel(kernel: Kernel): void {
  const a = callArgs;
  kernel(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15]);
}

/** Calls the step stored at f64 index `at` (op, argument count, arguments) on the slice [start, end). */
function callStep(kernels: Kernel[], f64: Float64Array, at: number, start: number, end: number): void {
  const count = f64[at + 1];
  for (let k = 0; k < count; k++) callArgs[k] = f64[at + 2 + k];
  callArgs[count] = start;
  callArgs[count + 1] = end;
  callKernel(kernels[f64[at]]);
}

/** Slices this thread has claimed whose gated steps wait for the gate (runSlices). */
const awaitingGate = new Int32Array(MAX_THREADS * SLICES_PER_THREAD);

/** Runs steps [from, to) of the job's slice s on this thread. */
function runSlice(i32: Int32Array, f64: Float64Array, control: number, s: number, from: number, to: number, kernels: Kernel[]): void {
  const base = control >> 2;
  const sliceRows = i32[base + SLOT.sliceRows];
  const start = s * sliceRows, end = Math.min(i32[base + SLOT.rows], start + sliceRows);
  const argsAt = (control + ARGS_OFFSET) >> 3;
  for (let i = from; i < to; i++) callStep(kernels, f64, argsAt + i * STEP_SLOTS, start, end);
}

/**
 * Runs the slices of the current job this thread owns, then steals unclaimed ones; returns how many it ran.
 * The same code serves the main thread (thread 0) and the workers. While the gate is shut, a thread runs the
 * first steps of further slices and their gated steps once it opens, instead of waiting.
 */
export function runSlices(i32: Int32Array, f64: Float64Array, control: number, seq: number, thread: number, threads: number, kernels: Kernel[]): number {
  const base = control >> 2;
  const slices = i32[base + SLOT.slices], steps = i32[base + SLOT.steps], gatedFrom = i32[base + SLOT.gatedFrom];
  const owned = Math.ceil(slices / threads);
  let ran = 0, awaiting = 0;
  // Own slices first, in order; then the other threads' shares, each from its far end.
  for (let j = 0; j < threads; j++) {
    const first = ((thread + j) % threads) * owned;
    for (let k = 0; k < owned; k++) {
      const s = j === 0 ? first + k : first + owned - 1 - k;
      if (s >= slices) continue;
      const claim = base + CLAIMS + s;
      // Claims only move forward: a worker still on an older job never takes a slice of a newer one.
      const previous = Atomics.load(i32, claim);
      if (((previous - seq) | 0) >= 0 || Atomics.compareExchange(i32, claim, previous, seq) !== previous) continue;
      ran++;
      if (gatedFrom >= steps || Atomics.load(i32, base + SLOT.gate) === seq) {
        for (; awaiting > 0; awaiting--) runSlice(i32, f64, control, awaitingGate[awaiting - 1], gatedFrom, steps, kernels);
        runSlice(i32, f64, control, s, 0, steps, kernels);
      } else {
        // Gated steps need what the main thread prepares while the first steps run.
        runSlice(i32, f64, control, s, 0, gatedFrom, kernels);
        awaitingGate[awaiting++] = s;
      }
    }
  }
  if (awaiting > 0) {
    const gate = Atomics.load(i32, base + SLOT.gate);
    if (gate !== seq) waitWhile(i32, base + SLOT.gate, gate, base + SLOT.gateSleepers);
    for (; awaiting > 0; awaiting--) runSlice(i32, f64, control, awaitingGate[awaiting - 1], gatedFrom, steps, kernels);
  }
  return ran;
}

export class ThreadPool {
  readonly threads: number;
  private readonly control: number;
  private readonly workers: { terminate(): void }[];
  private readonly kernels: Kernel[];
  private seq = 0;
  private done = 0;
  /** The slowest slice the main thread has run, in ms: slices are alike, so it scales the stall deadline. */
  private slowestSliceMs = 0;
  private failure: Error | undefined;
  private stopped = false;
  /** Over the current window of jobs (see weigh): this thread's fastest slice, the workers' slices, the waits. */
  private fastestSliceMs = Infinity;
  private theirSlices = 0;
  private lossMs = 0;
  private weighed = 0;
  /** Jobs this thread still runs alone, and how many the next such stretch will be. */
  private soloJobs = 0;
  private soloLength = WEIGHED_JOBS;
  private readonly kernelSet: Kernels;
  /** Whether this thread may block in Atomics.wait (a browser's main thread may not: it spins). */
  private readonly canSleep: boolean;
  // Views over the shared memory: a growing SharedArrayBuffer keeps its old bytes where they are, and the
  // control block sits low, so views made at the start stay valid.
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;

  private constructor(arena: Arena, kernels: Kernels, control: number, workers: { terminate(): void }[]) {
    this.kernels = kernelsByOp(kernels);
    this.kernelSet = kernels;
    this.control = control;
    this.workers = workers;
    this.threads = workers.length + 1;
    this.i32 = new Int32Array(arena.buffer);
    this.f64 = new Float64Array(arena.buffer);
    this.canSleep = mayBlock(this.i32, (control >> 2) + SLOT.mainSleeps);
  }

  /** Starts threads - 1 workers; if any fails to start, the others are stopped and the first error is thrown. */
  static async start(threads: number, arena: Arena, kernels: Kernels, module: WebAssembly.Module, memory: WebAssembly.Memory, spawn: WorkerSpawner): Promise<ThreadPool> {
    if (threads > MAX_THREADS) throw new Error(`at most ${MAX_THREADS} threads`);
    const control = arena.alloc(CONTROL_BYTES);
    const i32 = new Int32Array(arena.buffer);
    let pool: ThreadPool | undefined;
    // A worker that fails after starting marks the control block; the pool throws at its next check.
    const events = (thread: number): WorkerEvents => ({ failed: (message) => pool?.stopped || recordFailure(i32, control, thread, message) });
    const started = await Promise.allSettled(Array.from({ length: threads - 1 }, (_, i) => spawn({ module, memory, control, thread: i + 1, threads }, events(i + 1))));
    const workers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const refused = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    pool = new ThreadPool(arena, kernels, control, workers);
    if (refused) {
      pool.stop();
      throw new MnistWasmError('THREAD', `a worker thread failed to start: ${describe(refused.reason)}`);
    }
    return pool;
  }

  /**
   * Runs a job over rows (or columns) [0, rows): every slice runs all the steps in order, so a step may read
   * what an earlier step wrote in the same slice. With `gate`, the steps from `gate.from` on wait until this
   * thread has run `gate.open()`, which overlaps the workers' first steps. Slices start at multiples of `align`.
   * Returns when every slice is done; throws (and stops the pool) when a thread fails or a claimed slice stalls.
   */
  run(steps: ThreadStep[], rows: number, gate?: JobGate, align = SLICE_ALIGN): void {
    if (steps.length > MAX_STEPS) throw new Error(`a thread job holds at most ${MAX_STEPS} steps`);
    this.checkFailure();
    if (this.soloJobs > 0) {
      // The same sums as in slices (slices start at whole register blocks), with nobody to wait for.
      this.soloJobs--;
      gate?.open();
      for (const step of steps) runStep(this.kernelSet, step, 0, rows);
      return;
    }
    const { i32, f64, control } = this;
    const base = control >> 2;
    const sliceRows = Math.ceil(rows / (this.threads * SLICES_PER_THREAD) / align) * align;
    const slices = Math.ceil(rows / sliceRows);
    const argsAt = (control + ARGS_OFFSET) >> 3;
    // Element by element: a job per mini-batch allocates nothing.
    for (let i = 0; i < steps.length; i++) {
      const { op, args } = steps[i];
      if (args.length !== SLICE_ARG_COUNTS[op]) throw new Error(`${op} takes ${SLICE_ARG_COUNTS[op]} arguments before its slice, got ${args.length}`);
      const at = argsAt + i * STEP_SLOTS;
      f64[at] = SLICED_KERNELS.indexOf(op);
      f64[at + 1] = args.length;
      for (let k = 0; k < args.length; k++) f64[at + 2 + k] = args[k];
    }
    i32[base + SLOT.steps] = steps.length;
    i32[base + SLOT.slices] = slices;
    i32[base + SLOT.sliceRows] = sliceRows;
    i32[base + SLOT.rows] = rows;
    i32[base + SLOT.gatedFrom] = gate ? gate.from : steps.length;
    const seq = ++this.seq;
    // Slots this job does not use count as claimed by it, so no late worker can claim them.
    for (let s = slices; s < this.threads * SLICES_PER_THREAD; s++) Atomics.store(i32, base + CLAIMS + s, seq);
    // The seq store publishes the job (Atomics are sequentially consistent).
    Atomics.store(i32, base + SLOT.seq, seq);
    if (Atomics.load(i32, base + SLOT.sleepers) > 0) Atomics.notify(i32, base + SLOT.seq);
    let gateFailure: unknown;
    if (gate) {
      try {
        gate.open();
      } catch (error) {
        // Finish the job all the same, so that no worker waits forever and the counts stay right; then report.
        gateFailure = error ?? new Error('preparing a thread job failed');
      }
      Atomics.store(i32, base + SLOT.gate, seq);
      if (Atomics.load(i32, base + SLOT.gateSleepers) > 0) Atomics.notify(i32, base + SLOT.gate);
    }
    const started = performance.now();
    let mine: number;
    try {
      mine = runSlices(i32, f64, control, seq, 0, this.threads, this.kernels);
    } catch (error) {
      recordFailure(i32, control, 0, describe(error));
      this.stop();
      throw error;
    }
    const finished = performance.now();
    if (mine) {
      const sliceMs = (finished - started) / mine;
      this.slowestSliceMs = Math.max(this.slowestSliceMs, sliceMs);
      this.fastestSliceMs = Math.min(this.fastestSliceMs, sliceMs);
    }
    // Workers add to `done` for each slice they ran; it only grows.
    this.done += slices - mine;
    this.waitForWorkers();
    this.weigh(slices - mine, performance.now() - finished);
    if (gateFailure !== undefined) throw gateFailure;
  }

  /**
   * Counts a job's slices run by the workers and the time this thread waited for them. When a window of jobs
   * waited more than half what the workers saved (their slices at this thread's fastest pace: the workers keep
   * losing their cores), the next jobs run on this thread alone, twice as many each time in a row.
   */
  private weigh(theirs: number, waitedMs: number): void {
    this.theirSlices += theirs;
    this.lossMs += waitedMs;
    if (++this.weighed < WEIGHED_JOBS) return;
    if (2 * this.lossMs > this.theirSlices * this.fastestSliceMs) {
      this.soloJobs = this.soloLength;
      this.soloLength = Math.min(MAX_SOLO_JOBS, 2 * this.soloLength);
    } else {
      this.soloLength = WEIGHED_JOBS;
    }
    this.weighed = 0;
    this.theirSlices = 0;
    this.lossMs = 0;
    this.fastestSliceMs = Infinity;
  }

  /** Spins, then sleeps, until the workers' slices are done, watching for failures and stalls. */
  private waitForWorkers(): void {
    const { i32 } = this;
    const base = this.control >> 2;
    let spins = 0;
    let seen = -1, since = 0, checked = 0;
    const sleepAfter = performance.now() + SPIN_MS;
    for (let done; (done = Atomics.load(i32, base + SLOT.done)) < this.done; ) {
      if (Atomics.load(i32, base + SLOT.failed) > 0) this.checkFailure();
      if ((++spins & 63) !== 0) continue;
      const now = performance.now();
      if (done !== seen || now - checked > PAUSED_MS) {
        seen = done;
        since = now;
      } else if (now - since > Math.max(STALL_MS, 20 * this.slowestSliceMs)) {
        this.failure = new MnistWasmError('THREAD', `a worker thread finished no slice for ${Math.round(now - since)} ms (hung, or killed); the thread pool is stopped`);
        this.checkFailure();
      }
      checked = now;
      if (now > sleepAfter && this.canSleep) {
        // A worker adding to `done` wakes this thread when it sees the flag.
        Atomics.store(i32, base + SLOT.mainSleeps, 1);
        Atomics.wait(i32, base + SLOT.done, done, SLEEP_MS);
        Atomics.store(i32, base + SLOT.mainSleeps, 0);
      }
    }
  }

  /** Throws (once stopped) if any thread has failed. */
  private checkFailure(): void {
    if (!this.failure) {
      const message = readFailure(this.i32, this.control);
      if (message === undefined) return;
      this.failure = new MnistWasmError('THREAD', `${message}; the thread pool is stopped`);
    }
    this.stop();
    throw this.failure;
  }

  /** Ends every worker; idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    const { i32 } = this;
    Atomics.store(i32, (this.control >> 2) + SLOT.seq, STOP);
    Atomics.notify(i32, (this.control >> 2) + SLOT.seq);
    for (const worker of this.workers) worker.terminate();
  }
}
