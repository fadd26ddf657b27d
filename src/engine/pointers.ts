// Every buffer a network uses in its engine's memory, allocated once, as byte pointers per layer (llm.c's
// per-layer pointers): kernel calls read them by name instead of doing offset arithmetic.
import { ACTIVATION_CODE, COST_CODE, CORE_CONSTANTS } from './contract.js';
import type { NetworkSpec, ParameterLayout } from '../model/spec.js';
import type { Arena } from './arena.js';
import type { Kernels } from './kernels.js';

/** A dataset copied into the engine's memory (bytes, as stored on disk). */
export interface DatasetHandle {
  readonly images: number;
  readonly labels: number;
  readonly count: number;
  readonly inputSize: number;
}

/** Block lists: a header, then 4 bytes per 2-column block (forward) or 8 per 2-column block below columns & ~3 (accumulate). */
const forwardListBytes = (columns: number): number => CORE_CONSTANTS.LIST_HEADER + 4 * (columns >> 1);
const accumulateListBytes = (columns: number): number => CORE_CONSTANTS.LIST_HEADER + 16 * (columns >> 2);
/** gatherBatch's scratch: a u32 mask per 2-column block, then per example a bit row of ink and the pairs' union sizes. */
const gatherScratchBytes = (columns: number): number => {
  const examples = CORE_CONSTANTS.MASK_EXAMPLES;
  return 8 * (columns >> 2) + examples * 8 * Math.ceil((columns >> 1) / 64) + 2 * examples * examples;
};

/** One weight layer (inputs -> outputs): its parameters, gradient, outputs and errors, as byte pointers. */
export interface LayerPointers {
  readonly inputs: number;
  readonly outputs: number;
  readonly weights: number;
  readonly biases: number;
  readonly weightGradient: number;
  readonly biasGradient: number;
  /** Activation code of this layer's outputs. */
  readonly activation: number;
  /** chunkRows x outputs: the layer's activations and its errors (deltas). */
  readonly output: number;
  readonly delta: number;
  /** The dense block lists of the layer's input row: every 2-column block (forward), every 4-column block (update). */
  readonly forwardList: number;
  readonly accumulateList: number;
}

/** One of the two places a mini-batch's first-layer inputs and their sparse block lists are gathered to. */
export interface BatchBuffers {
  readonly inputs: number;
  /** Per pair of examples, pairStride bytes apart: the 2-column blocks with ink (forward). */
  readonly pairLists: number;
  /** Every 4-column block with a mask of the examples that have ink there (update). */
  readonly list: number;
}

/** The first layer's input for one gathered batch: where it is and which block lists its kernels skip zeros by. */
export interface BatchInput {
  readonly slot: 0 | 1;
  readonly inputs: number;
  readonly forwardLists: number;
  readonly listStride: number;
  readonly accumulateList: number;
  /** 1 when the update list's example masks apply (at most CORE_CONSTANTS.MASK_EXAMPLES examples), else 0. */
  readonly masked: 0 | 1;
}

export interface NetworkPointers {
  readonly parameters: number;
  readonly gradient: number;
  /** Parameters in the flat layout (f64 count). */
  readonly size: number;
  /** Weight layers, the first (input -> first hidden) at index 0. */
  readonly layers: readonly LayerPointers[];
  readonly cost: number;
  /** Labels (u8) of the gathered rows, row indices (u32) to gather, and the f64 pair [cost, correct] of scoring. */
  readonly targets: number;
  readonly indices: number;
  readonly score: number;
  readonly batches: readonly [BatchBuffers, BatchBuffers];
  readonly pairStride: number;
  readonly gatherScratch: number;
  readonly chunkRows: number;
  /** The input of every layer above the first (index i: layer i's), dense: built once, not per call. */
  readonly hiddenInputs: readonly BatchInput[];
  /** The core generators' 16-byte states (assembly/random.ts), one stream per use. */
  readonly generators: Readonly<Record<GeneratorName, number>>;
}

/**
 * The core's random streams: hidden-layer dropout masks, input dropout, distortions. Separate streams, so that
 * turning one on leaves the others' draws (and results) as they were.
 */
export const GENERATOR_NAMES = ['dropout', 'inputDropout', 'augment'] as const;
export type GeneratorName = (typeof GENERATOR_NAMES)[number];

/** Allocates a network's buffers for batches of up to chunkRows examples and writes the dense block lists. */
export function allocatePointers(arena: Arena, kernels: Kernels, spec: NetworkSpec, layout: ParameterLayout, chunkRows: number): NetworkPointers {
  const parameters = arena.alloc(layout.size * 8);
  const gradient = arena.alloc(layout.size * 8);
  const last = layout.layers.length - 1;
  const outputs = layout.layers.map((layer) => arena.alloc(chunkRows * layer.outputs * 8));
  const deltas = layout.layers.map((layer) => arena.alloc(chunkRows * layer.outputs * 8));
  const targets = arena.alloc(chunkRows);
  const indices = arena.alloc(chunkRows * 4);
  const score = arena.alloc(16);
  const forwardLists = layout.layers.map((layer) => arena.alloc(forwardListBytes(layer.inputs)));
  const accumulateLists = layout.layers.map((layer) => arena.alloc(accumulateListBytes(layer.inputs)));
  layout.layers.forEach((layer, i) => kernels.denseLists(forwardLists[i], accumulateLists[i], layer.inputs));
  const nIn = spec.layers[0];
  const pairStride = Math.ceil(forwardListBytes(nIn) / 8) * 8;
  const buffers = (): BatchBuffers => ({
    inputs: arena.alloc(chunkRows * nIn * 8),
    pairLists: arena.alloc(pairStride * Math.ceil(chunkRows / 2)),
    list: arena.alloc(accumulateListBytes(nIn)),
  });
  const batches: [BatchBuffers, BatchBuffers] = [buffers(), buffers()];
  const gatherScratch = arena.alloc(gatherScratchBytes(nIn));
  const generators = Object.fromEntries(GENERATOR_NAMES.map((name) => [name, arena.alloc(16)])) as Record<GeneratorName, number>;
  const layers = layout.layers.map((layer, i): LayerPointers => ({
    inputs: layer.inputs,
    outputs: layer.outputs,
    weights: parameters + layer.weights * 8,
    biases: parameters + layer.biases * 8,
    weightGradient: gradient + layer.weights * 8,
    biasGradient: gradient + layer.biases * 8,
    activation: ACTIVATION_CODE[i === last ? spec.outputActivation : spec.activation],
    output: outputs[i],
    delta: deltas[i],
    forwardList: forwardLists[i],
    accumulateList: accumulateLists[i],
  }));
  const hiddenInputs = layers.map((layer, i): BatchInput => {
    const input = i === 0 ? 0 : layers[i - 1].output;
    return { slot: 0, inputs: input, forwardLists: layer.forwardList, listStride: 0, accumulateList: layer.accumulateList, masked: 0 };
  });
  return { parameters, gradient, size: layout.size, layers, cost: COST_CODE[spec.cost], targets, indices, score, batches, pairStride, gatherScratch, chunkRows, hiddenInputs, generators };
}

/** The input of layer i (0: the batch's first-layer inputs): where it is, and the lists its kernels skip zeros by. */
export function layerInput(pointers: NetworkPointers, batch: BatchInput, i: number): BatchInput {
  return i === 0 ? batch : pointers.hiddenInputs[i];
}

/** A hidden layer's dropout buffers (chunkRows x outputs): its activations with the dropped units zeroed (what the
 *  layer above reads while training) and the mask, 0 or 1 / (1 - p) per unit (what its errors are scaled by). */
export interface DropoutBuffers {
  readonly dropped: number;
  readonly mask: number;
}

export interface DropoutPointers {
  /** Per hidden layer (index i: layer i's outputs; the output layer has none). */
  readonly layers: readonly DropoutBuffers[];
  /** The input of every layer above the first while training with dropout (index 0 unused, as in hiddenInputs). */
  readonly inputs: readonly BatchInput[];
}

/** Allocates the dropout buffers, when dropout is first turned on. */
export function allocateDropout(arena: Arena, pointers: NetworkPointers): DropoutPointers {
  const hidden = pointers.layers.slice(0, -1);
  const layers = hidden.map((layer): DropoutBuffers => ({ dropped: arena.alloc(pointers.chunkRows * layer.outputs * 8), mask: arena.alloc(pointers.chunkRows * layer.outputs * 8) }));
  const inputs = pointers.hiddenInputs.map((input, i): BatchInput => (i === 0 ? input : { ...input, inputs: layers[i - 1].dropped }));
  return { layers, inputs };
}

/** Dense first-layer inputs in a slot's buffers (predict): every block listed. */
export function denseBatch(pointers: NetworkPointers, slot: 0 | 1): BatchInput {
  const first = pointers.layers[0];
  return { slot, inputs: pointers.batches[slot].inputs, forwardLists: first.forwardList, listStride: 0, accumulateList: first.accumulateList, masked: 0 };
}
