// mnist-wasm core: dense-layer kernels over pointers into one linear memory.
// The host (src/engine/) owns every buffer; these functions never allocate.
// Shapes are given in comments as (rows, cols) of row-major f64 unless noted.
// Weights are stored [out][in], so a forward output is a dot product of two
// contiguous rows, and the mini-batch is processed as one small GEMM.

export { AUGMENT_AFFINE, AUGMENT_DROPOUT, AUGMENT_ELASTIC, AUGMENT_TAPS, CROSS_ENTROPY, LIST_HEADER, MASK_EXAMPLES, QUADRATIC, RELU, SIGMOID, SOFTMAX } from './constants';
export { gatherBatch, denseLists } from './ink';
export { denseForward, forwardExamples } from './forward';
export { denseBackwardInput } from './backward';
export { accumulateColumns, denseAccumulate, scaleAdd } from './update';
export { outputDelta, scoreGroups, scoreOutputs, sumSquares } from './cost';
export { fillUniform } from './random';
export { adamRows, maxNormRows, momentumRows } from './optim';
export { applyMask, dropoutMask } from './dropout';

/** First free byte after the module's static data: the host allocates from here. */
export function heapBase(): usize {
  return __heap_base;
}
