/**
 * mnist-wasm for Node: build or load a network, train it with hooks, evaluate, predict, save and load,
 * and read MNIST (IDX or CSV). The wasm core is found beside this package (build/*.wasm).
 */
export { Network, ENGINE_NAMES, setEngineDefaults } from './engine/network.js';
export type { EngineName, EngineOptions, DatasetHandle, StepOptions, Score } from './engine/network.js';
export type { SimdBuild, SimdChoice } from './engine/wasm.js';
export { CANONICAL_SPEC, parameterLayout, validateSpec } from './model/spec.js';
export type { NetworkSpec, ParameterLayout, LayerLayout, HiddenActivation, OutputActivation, CostName, WeightInit, BiasInit } from './model/spec.js';
export { initParameters } from './model/init.js';
export type { InitOptions } from './model/init.js';
export { Random } from './model/random.js';
export { parseModel, serializeModel, MODEL_FORMAT, MODEL_VERSION } from './model/file.js';
export type { SavedModel, TrainingConfig } from './model/file.js';
export { loadModel, saveModel } from './model/file-node.js';
export { train } from './train/trainer.js';
export type { TrainOptions, TrainHooks, TrainResult, TrainerState, TrainingData, BatchEvent } from './train/trainer.js';
export type { EpochMetrics } from './train/metrics.js';
export type { Dataset } from './data/dataset.js';
export { parseIdx, idxToDataset } from './data/idx.js';
export { readIdxFile, readIdxDataset } from './data/files.js';
export { parseCsv } from './data/csv.js';
export { loadMnist, standardSplit, VALIDATION_SIZE } from './data/mnist.js';
export type { MnistSplit, DatasetName } from './data/mnist.js';
export { locateAndLoad, loadFromDir } from './data/locate.js';
export { downloadDataset, DownloadError, MIRRORS } from './data/download.js';
export type { DownloadOptions } from './data/download.js';
export type { LocateOptions } from './data/locate.js';
export { learningCurvesSpec, curveRows } from './plot/curves.js';
export type { RunCurves, CurvesOptions } from './plot/curves.js';
export { rgbaToGray, extractInk, frameDigit, preprocessDigit } from './image/preprocess.js';
export type { GrayImage, Box } from './image/preprocess.js';
export { segmentDigits } from './image/segment.js';
export { readGrayImage } from './image/read-node.js';
export { MnistWasmError, DataFormatError, ModelFormatError, ConfigError, DivergenceError } from './errors.js';
