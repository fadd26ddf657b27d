// The forward and backward passes over one network's buffers, and how each kernel call is dispatched: on this
// thread, or in slices of its rows across the worker threads when the call is big enough.
import { ConfigError } from '../errors.js';
import { ACTIVATION_CODE, CORE_CONSTANTS } from './contract.js';
import type { Arena } from './arena.js';
import type { Kernels } from './kernels.js';
import { layerInput } from './pointers.js';
import type { BatchInput, DatasetHandle, DropoutPointers, LayerPointers, NetworkPointers } from './pointers.js';
import { runStep } from './threads.js';
import type { JobGate, ThreadPool, ThreadStep } from './threads.js';

/** Multiply-adds below which a kernel call is not worth splitting across threads. */
export const PARALLEL_MIN_WORK = 100_000;

/** Where backward accumulates: into the parameters (fused SGD: the deltas carry -eta/m) or the gradient buffer. */
export type UpdateTarget = 'parameters' | 'gradient';

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

  constructor(kernels: Kernels, arena: Arena, pointers: NetworkPointers, pool: ThreadPool | undefined, sparseInputs: boolean) {
    this.kernels = kernels;
    this.arena = arena;
    this.pointers = pointers;
    this.pool = pool;
    this.sparseInputs = sparseInputs;
  }

  /** From now on, training gathers (gatherRows, prepareRows) distort and drop inputs as this record says (0: none). */
  useAugmentRecord(record: number): void {
    this.augmentRecord = record;
  }

  /** Gathers the given training rows into a slot's buffers. */
  gatherRows(data: DatasetHandle, rows: Uint32Array, slot: 0 | 1): BatchInput {
    const { batch, gather } = this.prepareRows(data, rows, slot);
    gather();
    return batch;
  }

  /** Checks the rows and copies their indices in; the returned gather fills the slot (run it while threads start). */
  prepareRows(data: DatasetHandle, rows: Uint32Array, slot: 0 | 1): { batch: BatchInput; gather: () => void } {
    for (let i = 0; i < rows.length; i++) {
      if (rows[i] >= data.count) throw new ConfigError(`row ${rows[i]} is outside the dataset (${data.count} rows)`);
    }
    this.arena.u32.set(rows, this.pointers.indices >> 2);
    return this.prepareGather(data, this.pointers.indices, 0, rows.length, slot, this.augmentRecord);
  }

  /** Gathers the contiguous rows first..first+count as they are (evaluation, gradient). */
  gatherRange(data: DatasetHandle, first: number, count: number): BatchInput {
    const { batch, gather } = this.prepareGather(data, 0, first, count, 0, 0);
    gather();
    return batch;
  }

  /** The batch a gather will fill (through an augment record, or 0): with sparse inputs, the lists of where its examples have ink. */
  private prepareGather(data: DatasetHandle, indices: number, first: number, count: number, slot: 0 | 1, augment: number): { batch: BatchInput; gather: () => void } {
    const { pointers, kernels } = this;
    const buffers = pointers.batches[slot];
    const layer = pointers.layers[0];
    const sparse = this.sparseInputs;
    const batch: BatchInput = sparse
      ? { slot, inputs: buffers.inputs, forwardLists: buffers.pairLists, listStride: pointers.pairStride, accumulateList: buffers.list, masked: count <= CORE_CONSTANTS.MASK_EXAMPLES ? 1 : 0 }
      : { slot, inputs: buffers.inputs, forwardLists: layer.forwardList, listStride: 0, accumulateList: layer.accumulateList, masked: 0 };
    const gather = sparse
      ? () => kernels.gatherBatch(data.images, data.labels, indices, first, count, data.inputSize, buffers.inputs, pointers.targets, buffers.pairLists, pointers.pairStride, buffers.list, pointers.gatherScratch, augment)
      : () => kernels.gatherBatch(data.images, data.labels, indices, first, count, data.inputSize, buffers.inputs, pointers.targets, 0, 0, 0, 0, augment);
    return { batch, gather };
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
      const input = this.input(batch, i, training);
      const step: ThreadStep = {
        op: 'denseForward',
        args: [input.inputs, m, layer.inputs, layer.weights, layer.biases, layer.outputs, layer.output, layer.activation, input.forwardLists, input.listStride],
      };
      // Softmax normalises whole rows, so its layer is not split.
      this.job([step], layer.outputs, layer.activation !== ACTIVATION_CODE.softmax && m * layer.inputs * layer.outputs >= PARALLEL_MIN_WORK);
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
      const input = this.input(batch, i, training);
      const fused = into === 'parameters';
      if (!fused) this.gradientClear = false;
      const step: ThreadStep = {
        op: 'denseAccumulate',
        args: [layer.delta, input.inputs, m, layer.outputs, layer.inputs, fused ? layer.weights : layer.weightGradient, fused ? layer.biases : layer.biasGradient, decay, input.accumulateList, input.masked],
      };
      this.job([step], layer.outputs, m * layer.inputs * layer.outputs >= PARALLEL_MIN_WORK);
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
