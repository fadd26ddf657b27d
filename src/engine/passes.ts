// The forward and backward passes over one network's buffers, and how each kernel call is dispatched: on this
// thread, or in slices of its rows across the worker threads when the call is big enough.
import { ConfigError } from '../errors.js';
import { ACTIVATION_CODE, CORE_CONSTANTS } from './contract.js';
import type { Arena } from './arena.js';
import { SLICE_ARG_COUNTS } from './kernels.js';
import type { Kernels, SliceArgs, SlicedKernel } from './kernels.js';
import { layerInput } from './pointers.js';
import type { BatchInput, DatasetHandle, DropoutPointers, LayerPointers, NetworkPointers } from './pointers.js';
import { runStep } from './threads.js';
import type { JobGate, ThreadPool, ThreadStep } from './threads.js';

/** A gather waiting to run (prepareGather's arguments), so that the job gate that runs it is made once. */
interface PreparedGather {
  data: DatasetHandle;
  indices: number;
  first: number;
  count: number;
  slot: 0 | 1;
  augment: number;
}

/** Multiply-adds below which a kernel call is not worth splitting across threads. */
export const PARALLEL_MIN_WORK = 100_000;

/** Where backward accumulates: into the parameters (fused SGD: the deltas carry -eta/m) or the gradient buffer. */
export type UpdateTarget = 'parameters' | 'gradient';

type ForwardStep = { op: 'denseForward'; args: SliceArgs<'denseForward'> };
type AccumulateStep = { op: 'denseAccumulate'; args: SliceArgs<'denseAccumulate'> };

/** A layer's forward pass over `input`, written into `step` in place: a mini-batch allocates no steps. */
export function forwardStep(step: ForwardStep, layer: LayerPointers, input: BatchInput, m: number): ForwardStep {
  const { args } = step;
  args[0] = input.inputs;
  args[1] = m;
  args[2] = layer.inputs;
  args[3] = layer.weights;
  args[4] = layer.biases;
  args[5] = layer.outputs;
  args[6] = layer.output;
  args[7] = layer.activation;
  args[8] = input.forwardLists;
  args[9] = input.listStride;
  return step;
}

/** A layer's update (its delta times `input`) into `weights` and `biases`, written into `step` in place. */
export function accumulateStep(step: AccumulateStep, layer: LayerPointers, input: BatchInput, m: number, weights: number, biases: number, decay: number): AccumulateStep {
  const { args } = step;
  args[0] = layer.delta;
  args[1] = input.inputs;
  args[2] = m;
  args[3] = layer.outputs;
  args[4] = layer.inputs;
  args[5] = weights;
  args[6] = biases;
  args[7] = decay;
  args[8] = input.accumulateList;
  args[9] = input.masked;
  return step;
}

/** A step whose arguments are all to be written (by forwardStep, accumulateStep, ...). */
export function blankStep<K extends SlicedKernel>(op: K): { op: K; args: SliceArgs<K> } {
  return { op, args: new Array<number>(SLICE_ARG_COUNTS[op]).fill(0) as SliceArgs<K> };
}

/** Hidden-layer dropout while training: the probability and the buffers the masks go to. */
export interface Dropout {
  p: number;
  buffers: DropoutPointers;
}

export class Passes {
  readonly kernels: Kernels;
  readonly arena: Arena;
  readonly pointers: NetworkPointers;
  private readonly pool: ThreadPool | undefined;
  readonly sparseInputs: boolean;
  /** Dropout of the training passes (undefined: off); evaluation and prediction never drop. */
  dropout: Dropout | undefined;
  /** The gradient buffer holds zeros (an optimizer's step leaves it so), so clearing it can be skipped. */
  private gradientClear = false;
  /** The augment record training gathers apply (src/engine/augment-record.ts), or 0: the inputs as they are. */
  private augmentRecord = 0;
  /** Each slot's first-layer input, unmasked and masked (index: masked), made once. */
  private readonly batchInputs: readonly (readonly [BatchInput, BatchInput])[];
  /** The gather prepareRows set up, run by gatherPrepared. */
  private prepared: PreparedGather | undefined;
  /** Per layer: its forward and update steps, each in a one-step job, rewritten by every call. */
  private readonly forwardJobs: [ForwardStep][];
  private readonly accumulateJobs: [AccumulateStep][];

  constructor(kernels: Kernels, arena: Arena, pointers: NetworkPointers, pool: ThreadPool | undefined, sparseInputs: boolean) {
    this.kernels = kernels;
    this.arena = arena;
    this.pointers = pointers;
    this.pool = pool;
    this.sparseInputs = sparseInputs;
    const layer = pointers.layers[0];
    const slotInput = (slot: 0 | 1, masked: 0 | 1): BatchInput => {
      const buffers = pointers.batches[slot];
      return sparseInputs
        ? { slot, inputs: buffers.inputs, forwardLists: buffers.pairLists, listStride: pointers.pairStride, accumulateList: buffers.list, masked }
        : { slot, inputs: buffers.inputs, forwardLists: layer.forwardList, listStride: 0, accumulateList: layer.accumulateList, masked: 0 };
    };
    this.batchInputs = [0, 1].map((slot) => [slotInput(slot as 0 | 1, 0), slotInput(slot as 0 | 1, 1)] as const);
    this.forwardJobs = pointers.layers.map(() => [blankStep('denseForward')]);
    this.accumulateJobs = pointers.layers.map(() => [blankStep('denseAccumulate')]);
  }

  /** From now on, training gathers (gatherRows, prepareRows) distort and drop inputs as this record says (0: none). */
  useAugmentRecord(record: number): void {
    this.augmentRecord = record;
  }

  /** Gathers the given training rows into a slot's buffers. */
  gatherRows(data: DatasetHandle, rows: Uint32Array, slot: 0 | 1): BatchInput {
    const batch = this.prepareRows(data, rows, slot);
    this.gatherPrepared();
    return batch;
  }

  /** Checks the rows and copies their indices in; gatherPrepared then fills the slot (run it while threads start). */
  prepareRows(data: DatasetHandle, rows: Uint32Array, slot: 0 | 1): BatchInput {
    for (let i = 0; i < rows.length; i++) {
      if (rows[i] >= data.count) throw new ConfigError(`row ${rows[i]} is outside the dataset (${data.count} rows)`);
    }
    this.arena.u32.set(rows, this.pointers.indices >> 2);
    return this.prepareGather(data, this.pointers.indices, 0, rows.length, slot, this.augmentRecord);
  }

  /** Gathers the contiguous rows first..first+count as they are (evaluation, gradient). */
  gatherRange(data: DatasetHandle, first: number, count: number): BatchInput {
    const batch = this.prepareGather(data, 0, first, count, 0, 0);
    this.gatherPrepared();
    return batch;
  }

  /** The batch a gather will fill (through an augment record, or 0): with sparse inputs, the lists of where its examples have ink. */
  private prepareGather(data: DatasetHandle, indices: number, first: number, count: number, slot: 0 | 1, augment: number): BatchInput {
    const prepared = (this.prepared ??= { data, indices, first, count, slot, augment });
    prepared.data = data;
    prepared.indices = indices;
    prepared.first = first;
    prepared.count = count;
    prepared.slot = slot;
    prepared.augment = augment;
    return this.batchInputs[slot][count <= CORE_CONSTANTS.MASK_EXAMPLES ? 1 : 0];
  }

  /** Runs the gather the last prepareRows (or gatherRange) set up: rows as f64 and, with sparse inputs, their block lists. */
  gatherPrepared(): void {
    const { pointers, kernels, prepared } = this;
    if (!prepared) throw new Error('gatherPrepared before any prepareRows');
    const { data, indices, first, count, slot, augment } = prepared;
    const buffers = pointers.batches[slot];
    if (this.sparseInputs) {
      kernels.gatherBatch(data.images, data.labels, indices, first, count, data.inputSize, buffers.inputs, pointers.targets, buffers.pairLists, pointers.pairStride, buffers.list, pointers.gatherScratch, augment);
    } else {
      kernels.gatherBatch(data.images, data.labels, indices, first, count, data.inputSize, buffers.inputs, pointers.targets, 0, 0, 0, 0, augment);
    }
  }

  /** The input of layer i: with dropout while training, the layer below's outputs with the dropped units zeroed. */
  private input(batch: BatchInput, i: number, training: boolean): BatchInput {
    return training && this.dropout && i > 0 ? this.dropout.buffers.inputs[i] : layerInput(this.pointers, batch, i);
  }

  /** The forward pass of m examples from layer `from` (0: the first) up; training draws the dropout masks. */
  forward(batch: BatchInput, m: number, from = 0, training = false): void {
    const { layers } = this.pointers;
    const { dropout } = this;
    for (let i = from; i < layers.length; i++) {
      const layer = layers[i];
      const job = this.forwardJobs[i];
      forwardStep(job[0], layer, this.input(batch, i, training), m);
      // Softmax normalises whole rows, so its layer is not split.
      this.job(job, layer.outputs, layer.activation !== ACTIVATION_CODE.softmax && m * layer.inputs * layer.outputs >= PARALLEL_MIN_WORK);
      // Drawn here, after the whole layer, so the masks do not depend on how threads split it.
      if (training && dropout && i < layers.length - 1) {
        const buffers = dropout.buffers.layers[i];
        this.kernels.dropoutMask(this.pointers.generators.dropout, layer.output, buffers.dropped, buffers.mask, m * layer.outputs, dropout.p);
      }
    }
  }

  /**
   * Backpropagation from the output error (times scale) down to layer `lowest`, each layer's update into `into`;
   * training: through the dropout masks of the last forward pass.
   */
  backward(batch: BatchInput, m: number, scale: number, decay: number, into: UpdateTarget, lowest = 0, training = false): void {
    const { kernels, pointers } = this;
    const { layers } = pointers;
    const top = layers[layers.length - 1];
    kernels.outputDelta(top.output, pointers.targets, m, top.outputs, pointers.cost, top.activation, scale, top.delta);
    for (let i = layers.length - 1; i >= lowest; i--) {
      const layer = layers[i];
      // Propagate with the old weights before this layer's weights change.
      if (i > 0) {
        const below = layers[i - 1];
        kernels.denseBackwardInput(layer.delta, m, layer.outputs, layer.weights, layer.inputs, below.output, below.activation, below.delta, 0, layer.inputs);
        if (training && this.dropout) kernels.applyMask(below.delta, this.dropout.buffers.layers[i - 1].mask, m * below.outputs);
      }
      const fused = into === 'parameters';
      if (!fused) this.gradientClear = false;
      const job = this.accumulateJobs[i];
      accumulateStep(job[0], layer, this.input(batch, i, training), m, fused ? layer.weights : layer.weightGradient, fused ? layer.biases : layer.biasGradient, decay);
      this.job(job, layer.outputs, m * layer.inputs * layer.outputs >= PARALLEL_MIN_WORK);
    }
  }

  /** Zeroes the gradient buffer (unless it is known to hold zeros). */
  clearGradient(): void {
    if (this.gradientClear) return;
    const at = this.pointers.gradient >> 3;
    this.arena.f64.fill(0, at, at + this.pointers.size);
    this.gradientClear = true;
  }

  /** One step per layer of an optimizer that zeroes the gradient it reads (see layerJobs); the gradient is clear after. */
  consumeGradient(step: (layer: LayerPointers) => ThreadStep): void {
    this.layerJobs(step);
    this.gradientClear = true;
  }

  /** parameters = decay * parameters + gradient (weights), biases + gradient (biases). */
  applyGradient(decay: number): void {
    for (const layer of this.pointers.layers) {
      this.kernels.scaleAdd(layer.weights, layer.weightGradient, layer.inputs * layer.outputs, decay);
      this.kernels.scaleAdd(layer.biases, layer.biasGradient, layer.outputs, 1);
    }
  }

  /** One step per layer, each over the layer's output rows (an optimizer's update, max-norm): split when the layer is big. */
  layerJobs(step: (layer: LayerPointers) => ThreadStep): void {
    for (const layer of this.pointers.layers) this.job([step(layer)], layer.outputs, layer.inputs * layer.outputs >= PARALLEL_MIN_WORK);
  }

  /** Kernel steps over rows [0, rows): in slices across the threads when worth it, else here (after `gate`). */
  job(steps: ThreadStep[], rows: number, worthSplitting: boolean, gate?: JobGate): void {
    if (this.pool && worthSplitting) {
      this.pool.run(steps, rows, gate);
      return;
    }
    gate?.open();
    for (const step of steps) runStep(this.kernels, step, 0, rows);
  }
}
