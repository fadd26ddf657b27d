// Where the time of one thread goes, kernel by kernel: the canonical network trained and evaluated through the
// same Schedule and evaluation code as Network, over a kernel table whose every call is timed. A kernel's time is
// the median call of each call site (kernel and first pointer: a layer) times its calls, so that on a shared
// machine the few calls another process interrupts do not count.
import type { MnistSplit } from '../data/mnist.js';
import { KERNEL_ARITY } from '../engine/contract.js';
import { scoreRows } from '../engine/evaluate.js';
import type { Kernels } from '../engine/kernels.js';
import { Passes } from '../engine/passes.js';
import { allocatePointers } from '../engine/pointers.js';
import type { DatasetHandle } from '../engine/pointers.js';
import { Schedule } from '../engine/schedule.js';
import { loadWasmCore } from '../engine/wasm.js';
import { readWasmFromDisk } from '../engine/wasm-node.js';
import { initParameters } from '../model/init.js';
import { CANONICAL_SPEC, parameterLayout } from '../model/spec.js';
import type { Dataset } from '../data/dataset.js';

export interface KernelTime {
  kernel: string;
  /** Microseconds per mini-batch (training) or per as many examples evaluated (evaluation). */
  trainUs: number;
  evalUs: number;
}

type KernelName = keyof Kernels;

/** Kernel times per mini-batch over `batches` mini-batches of `order` and as many evaluated examples; one thread. */
export async function kernelTimes(split: MnistSplit, order: Uint32Array, batches: number, batch: number): Promise<KernelTime[]> {
  const core = await loadWasmCore(readWasmFromDisk, 'auto');
  // Call durations (ms) by call site.
  const calls = new Map<string, { kernel: KernelName; ms: number[] }>();
  const timed = { ...core.kernels };
  for (const name of Object.keys(KERNEL_ARITY) as KernelName[]) {
    const kernel = core.kernels[name] as (...args: number[]) => number | undefined;
    (timed as Record<KernelName, unknown>)[name] = (...args: number[]): number | undefined => {
      const started = performance.now();
      const result = kernel(...args);
      const ms = performance.now() - started;
      const site = `${name} ${args[0]}`;
      const seen = calls.get(site);
      if (seen) seen.ms.push(ms);
      else calls.set(site, { kernel: name, ms: [ms] });
      return result;
    };
  }
  const { arena } = core;
  const layout = parameterLayout(CANONICAL_SPEC.layers);
  const pointers = allocatePointers(arena, timed, CANONICAL_SPEC, layout, 500);
  arena.f64.set(initParameters(layout, { seed: 1 }), pointers.parameters >> 3);
  const passes = new Passes(timed, arena, pointers, undefined, true);
  const schedule = new Schedule(passes, true);
  const upload = (data: Dataset): DatasetHandle => {
    const images = arena.alloc(data.count * data.inputSize), labels = arena.alloc(data.count);
    arena.u8.set(data.images.subarray(0, data.count * data.inputSize), images);
    arena.u8.set(data.labels.subarray(0, data.count), labels);
    return { images, labels, count: data.count, inputSize: data.inputSize };
  };
  const train = upload(split.train);
  const phase = (run: () => void): Map<KernelName, number> => {
    calls.clear();
    run();
    const spent = new Map<KernelName, number>();
    for (const { kernel, ms } of calls.values()) spent.set(kernel, (spent.get(kernel) ?? 0) + median(ms) * ms.length);
    return spent;
  };
  const trainPhase = () => {
    for (let b = 0; b < batches; b++) schedule.step(train, order.subarray(b * batch, (b + 1) * batch), -0.5 / batch, 1);
    schedule.settled();
  };
  const evalPhase = () => void scoreRows(schedule.settled(), undefined, train, 0, batches * batch);
  phase(trainPhase); // warm-up
  phase(evalPhase);
  const training = phase(trainPhase), evaluation = phase(evalPhase);
  const names = [...new Set([...training.keys(), ...evaluation.keys()])];
  const perBatch = (ms = 0): number => +((1000 * ms) / batches).toFixed(2);
  return names
    .map((kernel) => ({ kernel, trainUs: perBatch(training.get(kernel)), evalUs: perBatch(evaluation.get(kernel)) }))
    .sort((a, b) => b.trainUs + b.evalUs - (a.trainUs + a.evalUs));
}

function median(values: number[]): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[sorted.length >> 1];
}
