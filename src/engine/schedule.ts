// How SGD steps are ordered. A mini-batch's update of the two lowest layers is deferred: it runs in one thread job
// with the next batch's first-layer forward pass, each thread on its own rows of the first layer (which are the
// second layer's columns, so no thread reads what another writes). The sums are the ones an immediate update
// makes. Reading the parameters must apply what is pending first: `settled()` is the only way to the passes.
import { accumulateStep, blankStep, forwardStep, PARALLEL_MIN_WORK } from './passes.js';
import type { Passes } from './passes.js';
import type { SliceArgs } from './kernels.js';
import type { BatchInput, DatasetHandle, LayerPointers } from './pointers.js';
import type { JobGate, ThreadStep } from './threads.js';

/**
 * The layers (from the first) whose update waits for the next batch: the first layer's rows split across the
 * threads, and the second layer's columns with them, whose old weights carry the error down to the first.
 */
export const DEFERRED_LAYERS = 2;
/** The first layer; the deferred job computes its forward pass for the next batch. */
const FIRST = 0;

/** A batch's update of the lowest DEFERRED_LAYERS layers, not yet applied; its deltas wait in the layers' buffers. */
interface PendingUpdate {
  batch: BatchInput;
  m: number;
  decay: number;
}

/** The deferred job's steps, made once and rewritten for every mini-batch (a step allocates nothing). */
interface DeferredSteps {
  backwardInput: { op: 'denseBackwardInput'; args: SliceArgs<'denseBackwardInput'> };
  secondUpdate: { op: 'accumulateColumns'; args: SliceArgs<'accumulateColumns'> };
  firstUpdate: { op: 'denseAccumulate'; args: SliceArgs<'denseAccumulate'> };
  nextForward: { op: 'denseForward'; args: SliceArgs<'denseForward'> };
  /** The update alone (settling), and the update with the next batch's forward pass. */
  update: ThreadStep[];
  withForward: ThreadStep[];
  /** Opens the next batch's forward pass once its gather is done. */
  gate: JobGate;
}

export class Schedule {
  private readonly passes: Passes;
  private defers = false;
  private pending: PendingUpdate | undefined;
  private readonly steps: DeferredSteps;
  /** The record `pending` points to, reused from batch to batch. */
  private record: PendingUpdate | undefined;

  /** defer: false applies every step at once (an optimizer that needs all gradients before any update). */
  constructor(passes: Passes, defer: boolean) {
    this.passes = passes;
    const backwardInput = blankStep('denseBackwardInput');
    const secondUpdate = blankStep('accumulateColumns');
    const firstUpdate = blankStep('denseAccumulate');
    const nextForward = blankStep('denseForward');
    const update = [backwardInput, secondUpdate, firstUpdate];
    this.steps = { backwardInput, secondUpdate, firstUpdate, nextForward, update, withForward: [...update, nextForward], gate: { from: update.length, open: () => passes.gatherPrepared() } };
    this.setDeferral(defer);
  }

  /** Turns the deferral on or off from the next step (off for dropout, max-norm and the optimizers beyond SGD). */
  setDeferral(defer: boolean): void {
    this.settled();
    this.defers = defer && this.passes.pointers.layers.length >= DEFERRED_LAYERS;
  }

  /** The gate every reader and writer of the parameters passes: applies a pending update, then hands out the passes. */
  settled(): Passes {
    if (this.pending) {
      this.deferredJob(this.pending);
      this.pending = undefined;
    }
    return this.passes;
  }

  /** Drops a pending update (the parameters are about to be replaced) and hands out the passes. */
  discard(): Passes {
    this.pending = undefined;
    return this.passes;
  }

  /** One SGD step on the rows: deltas carry scale = -eta/m, so the weight-gradient products land in the weights. */
  step(data: DatasetHandle, rows: Uint32Array, scale: number, decay: number): void {
    const m = rows.length;
    const { chunkRows } = this.passes.pointers;
    if (m <= chunkRows && this.defers) {
      this.deferredStep(data, rows, scale, decay);
      return;
    }
    const passes = this.settled();
    if (m <= chunkRows) {
      const batch = passes.gatherRows(data, rows, 0);
      passes.forward(batch, m, 0, true);
      passes.backward(batch, m, scale, decay, 'parameters', 0, true);
      return;
    }
    // Larger than a chunk (full-batch GD): accumulate the gradient chunk by chunk, then apply it.
    this.accumulate(data, rows, scale);
    passes.applyGradient(decay);
  }

  /** One step of an optimizer that needs the whole gradient first: the mean gradient of the rows, then `apply`. */
  accumulatedStep(data: DatasetHandle, rows: Uint32Array, apply: (passes: Passes) => void): void {
    this.accumulate(data, rows, 1 / rows.length);
    apply(this.passes);
  }

  /** scale * the summed gradient of the rows into the gradient buffer, chunk by chunk. */
  private accumulate(data: DatasetHandle, rows: Uint32Array, scale: number): void {
    const passes = this.settled();
    const { chunkRows } = passes.pointers;
    passes.clearGradient();
    for (let first = 0; first < rows.length; first += chunkRows) {
      const chunk = rows.subarray(first, Math.min(rows.length, first + chunkRows));
      const batch = passes.gatherRows(data, chunk, 0);
      passes.forward(batch, chunk.length, 0, true);
      passes.backward(batch, chunk.length, scale, 1, 'gradient', 0, true);
    }
  }

  /** The layers above DEFERRED_LAYERS now; the pending update (if any) with this batch's first layer; this batch's update pending. */
  private deferredStep(data: DatasetHandle, rows: Uint32Array, scale: number, decay: number): void {
    const { passes, pending } = this;
    const m = rows.length;
    let batch: BatchInput;
    if (pending) {
      // Gather into the other slot while the workers start on the pending update.
      batch = passes.prepareRows(data, rows, pending.batch.slot === 0 ? 1 : 0);
      this.deferredJob(pending, batch, m);
      passes.forward(batch, m, FIRST + 1);
    } else {
      batch = passes.gatherRows(data, rows, 0);
      passes.forward(batch, m);
    }
    passes.backward(batch, m, scale, decay, 'parameters', DEFERRED_LAYERS);
    // One record, reused: the job above has read the previous batch's.
    const record = (this.record ??= { batch, m, decay });
    record.batch = batch;
    record.m = m;
    record.decay = decay;
    this.pending = record;
  }

  /**
   * The pending batch's error at the first layer (BP2), the second layer's update (by columns) and the first layer's
   * (by rows), then (with `next`, of nextM examples) the next batch's first-layer forward pass, after its gather
   * (run by this thread while the others start). Thread slices are rows of the first layer.
   */
  private deferredJob(pending: PendingUpdate, next?: BatchInput, nextM = 0): void {
    const [first, second] = this.passes.pointers.layers;
    const { batch: done, m, decay } = pending;
    const { backwardInput, secondUpdate, firstUpdate, nextForward, gate } = this.steps;
    backwardInputStep(backwardInput, second, first, m);
    columnsStep(secondUpdate, second, first, m, decay);
    accumulateStep(firstUpdate, first, done, m, first.weights, first.biases, decay);
    if (next) forwardStep(nextForward, first, next, nextM);
    const work = Math.max(m, nextM) * first.inputs * first.outputs;
    this.passes.job(next ? this.steps.withForward : this.steps.update, first.outputs, work >= PARALLEL_MIN_WORK, next && gate);
  }
}

/** BP2 from `layer` down to `below`, with `layer`'s old weights, written into `step` in place. */
function backwardInputStep(step: DeferredSteps['backwardInput'], layer: LayerPointers, below: LayerPointers, m: number): void {
  const { args } = step;
  args[0] = layer.delta;
  args[1] = m;
  args[2] = layer.outputs;
  args[3] = layer.weights;
  args[4] = layer.inputs;
  args[5] = below.output;
  args[6] = below.activation;
  args[7] = below.delta;
}

/** `layer`'s update by columns (its inputs are `below`'s outputs), written into `step` in place. */
function columnsStep(step: DeferredSteps['secondUpdate'], layer: LayerPointers, below: LayerPointers, m: number, decay: number): void {
  const { args } = step;
  args[0] = layer.delta;
  args[1] = below.output;
  args[2] = m;
  args[3] = layer.outputs;
  args[4] = layer.inputs;
  args[5] = layer.weights;
  args[6] = layer.biases;
  args[7] = decay;
}
