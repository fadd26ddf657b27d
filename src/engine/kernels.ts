import { KERNEL_ARITY } from './contract.js';

/**
 * The kernel set an engine runs: the exports of assembly/index.ts, or their plain TypeScript twin.
 * Every pointer is a byte offset into the engine's arena; shapes are (rows, cols) of row-major f64.
 */
export interface Kernels {
  /**
   * Mini-batch rows as f64 in [0,1] and their labels; indices 0 means rows first..first+count. Optionally
   * (pointer 0: not wanted) the block lists the sparse kernels skip by, each a header (u32 count, u32
   * zeroCount) and entries: per example pair, pairStride bytes apart, the u32 byte offsets of the 2-column
   * blocks with ink in either example (the header's second word says which examples: batches of at most 32
   * rows by indices, with scratch and no augment record, are paired by similar ink); and every 2-column block below inputSize & ~3 as (u32 offset,
   * u32 mask of the examples with ink, count <= 32), the zeroCount blocks without ink first. scratch holds
   * gatherScratchBytes (src/engine/pointers.ts). augment:
   * an augment record (src/engine/augment-record.ts) or 0; with one, each row is distorted and its inputs
   * dropped as the record says, drawing from its generator streams, and the lists are made from those values.
   */
  gatherBatch(images: number, labels: number, indices: number, first: number, count: number, inputSize: number, inputs: number, targets: number, pairLists: number, pairStride: number, accumulateList: number, scratch: number, augment: number): void;
  /** Writes the dense block lists of an nIn-wide row: every 2-column block (forward), every 4-column block (accumulate). */
  denseLists(forwardList: number, accumulateList: number, nIn: number): void;
  /** output (m, nOut) = activation(input (m, nIn) . weights (nOut, nIn)^T + biases), each example pair over its list of 2-column blocks (lists + pair * listStride; other columns are zero), for output rows jStart..jEnd (softmax: all). */
  denseForward(input: number, m: number, nIn: number, weights: number, biases: number, nOut: number, output: number, activation: number, lists: number, listStride: number, jStart: number, jEnd: number): void;
  /** denseForward of examples eStart..eEnd (eStart even), every output row; lists and listStride as denseForward's, counted from example 0. */
  forwardExamples(input: number, nIn: number, weights: number, biases: number, nOut: number, output: number, activation: number, lists: number, listStride: number, eStart: number, eEnd: number): void;
  /** delta (m, n) = scale * dC/dz of the output layer (BP1). */
  outputDelta(output: number, targets: number, m: number, n: number, cost: number, activation: number, scale: number, delta: number): void;
  /** deltaIn (m, nIn) = (deltaOut (m, nOut) . weights (nOut, nIn)) * sigma'(inputs) (BP2), for the columns kStart..kEnd. */
  denseBackwardInput(deltaOut: number, m: number, nOut: number, weights: number, nIn: number, inputs: number, activationIn: number, deltaIn: number, kStart: number, kEnd: number): void;
  /** target (nOut, nIn) = decay * target + delta^T . inputs (BP4); targetBiases += column sums of delta (BP3); over a list of 2-column blocks and, when masked is 1, only the examples with ink in each block; decay elsewhere; target rows jStart..jEnd. */
  denseAccumulate(delta: number, inputs: number, m: number, nOut: number, nIn: number, target: number, targetBiases: number, decay: number, list: number, masked: number, jStart: number, jEnd: number): void;
  /** denseAccumulate's update restricted to the target columns kStart..kEnd of every row, without lists; biases (BP3) only in the slice with kStart 0. */
  accumulateColumns(delta: number, inputs: number, m: number, nOut: number, nIn: number, target: number, targetBiases: number, decay: number, kStart: number, kEnd: number): void;
  /** dst = decay * dst + src over n values. */
  scaleAdd(dst: number, src: number, n: number, decay: number): void;
  /** result[0] += summed cost, result[1] += correct argmax count, over m output rows. */
  scoreOutputs(output: number, targets: number, m: number, n: number, cost: number, activation: number, result: number): void;
  /** scoreOutputs over examples eStart..eEnd in groups of `group` counted from example 0: group g's cost and correct count to partials[2g], partials[2g + 1]. */
  scoreGroups(output: number, targets: number, n: number, cost: number, activation: number, group: number, partials: number, eStart: number, eEnd: number): void;
  /** Sum of squares of n values. */
  sumSquares(values: number, n: number): number;
  /** out (n) = uniforms in [0, 1) from the xoshiro128** generator whose 16-byte state is at `state` (advanced). */
  fillUniform(state: number, out: number, n: number): void;
  /** Rows jStart..jEnd of weights (nOut, nIn) scaled to L2 norm maxNorm where longer (max-norm after a fused SGD step). */
  maxNormRows(weights: number, nIn: number, maxNorm: number, jStart: number, jEnd: number): void;
  /**
   * Momentum (nesterov 0) or Nesterov (1) on a layer's rows jStart..jEnd from the mean gradient, which sits
   * gradientOffset bytes after each parameter (the velocity velocityOffset bytes after): g = gradient + weightDecay * w
   * (weights only), v = mu * v - eta * g, w += v, or w += mu * v - eta * g; then max-norm (0: off) on each row.
   * Leaves the gradient it read zero.
   */
  momentumRows(weights: number, biases: number, gradientOffset: number, velocityOffset: number, nIn: number, eta: number, mu: number, weightDecay: number, nesterov: number, maxNorm: number, jStart: number, jEnd: number): void;
  /**
   * Adam on a layer's rows jStart..jEnd, moments firstOffset and secondOffset bytes after each parameter:
   * m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, w = decay w - stepSize m / (sqrt(v) * rootCorrection + epsilon),
   * with AdamW's decay on the weights only; then max-norm (0: off) on each row. Leaves the gradient it read zero.
   */
  adamRows(weights: number, biases: number, gradientOffset: number, firstOffset: number, secondOffset: number, nIn: number, stepSize: number, beta1: number, beta2: number, epsilon: number, rootCorrection: number, decay: number, maxNorm: number, jStart: number, jEnd: number): void;
  /** Inverted dropout of count values: mask = 0 with probability p (one uniform each from the generator at `state`), else 1 / (1 - p); dropped = values * mask. */
  dropoutMask(state: number, values: number, dropped: number, mask: number, count: number, p: number): void;
  /** values *= mask over count values. */
  applyMask(values: number, mask: number, count: number): void;
}

/** The kernels worker threads run in slices: each takes the slice [start, end) of its rows or columns last. */
export const SLICED_KERNELS = ['denseForward', 'denseAccumulate', 'denseBackwardInput', 'accumulateColumns', 'maxNormRows', 'momentumRows', 'adamRows', 'forwardExamples', 'scoreGroups'] as const;
export type SlicedKernel = (typeof SLICED_KERNELS)[number];

/** A sliced kernel's arguments before the slice bounds, as the Kernels interface declares them. */
export type SliceArgs<K extends SlicedKernel> = Parameters<Kernels[K]> extends [...infer Args, number, number] ? Args : never;

/** How many arguments each sliced kernel takes before its slice bounds; the compiler checks them against Kernels. */
export const SLICE_ARG_COUNTS = {
  denseForward: KERNEL_ARITY.denseForward - 2,
  denseAccumulate: KERNEL_ARITY.denseAccumulate - 2,
  denseBackwardInput: KERNEL_ARITY.denseBackwardInput - 2,
  accumulateColumns: KERNEL_ARITY.accumulateColumns - 2,
  maxNormRows: KERNEL_ARITY.maxNormRows - 2,
  momentumRows: KERNEL_ARITY.momentumRows - 2,
  adamRows: KERNEL_ARITY.adamRows - 2,
  forwardExamples: KERNEL_ARITY.forwardExamples - 2,
  scoreGroups: KERNEL_ARITY.scoreGroups - 2,
} as const satisfies { [K in SlicedKernel]: number };
