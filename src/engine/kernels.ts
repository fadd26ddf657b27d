/**
 * The kernel set an engine runs: the exports of assembly/index.ts, or their plain TypeScript twin.
 * Every pointer is a byte offset into the engine's arena; shapes are (rows, cols) of row-major f64.
 */
export interface Kernels {
  /**
   * Mini-batch rows as f64 in [0,1] and their labels; indices 0 means rows first..first+count. With blocks != 0,
   * lists the runs of 4-column blocks with ink in some example ([start, end) byte offsets, u32 pairs) and
   * returns how many runs.
   */
  gatherBatch(images: number, labels: number, indices: number, first: number, count: number, inputSize: number, inputs: number, targets: number, blocks: number): number;
  /** Writes the dense run list of an nIn-wide row (one run over every whole 4-column block); returns 1. */
  denseBlocks(blocks: number, nIn: number): number;
  /** output (m, nOut) = activation(input (m, nIn) . weights (nOut, nIn)^T + biases), over the listed input runs (other columns are zero), for output rows jStart..jEnd (softmax: all). */
  denseForward(input: number, m: number, nIn: number, weights: number, biases: number, nOut: number, output: number, activation: number, blocks: number, nRuns: number, jStart: number, jEnd: number): void;
  /** delta (m, n) = scale * dC/dz of the output layer (BP1). */
  outputDelta(output: number, targets: number, m: number, n: number, cost: number, activation: number, scale: number, delta: number): void;
  /** deltaIn (m, nIn) = (deltaOut (m, nOut) . weights (nOut, nIn)) * sigma'(inputs) (BP2). */
  denseBackwardInput(deltaOut: number, m: number, nOut: number, weights: number, nIn: number, inputs: number, activationIn: number, deltaIn: number): void;
  /** target (nOut, nIn) = decay * target + delta^T . inputs (BP4); targetBiases += column sums of delta (BP3); over the listed input runs, decay elsewhere; target rows jStart..jEnd. */
  denseAccumulate(delta: number, inputs: number, m: number, nOut: number, nIn: number, target: number, targetBiases: number, decay: number, blocks: number, nRuns: number, jStart: number, jEnd: number): void;
  /** dst = decay * dst + src over n values. */
  scaleAdd(dst: number, src: number, n: number, decay: number): void;
  /** result[0] += summed cost, result[1] += correct argmax count, over m output rows. */
  scoreOutputs(output: number, targets: number, m: number, n: number, cost: number, activation: number, result: number): void;
  /** Sum of squares of n values. */
  sumSquares(values: number, n: number): number;
}
