/**
 * mnist-wasm for Node: build or load a network, train it with hooks, evaluate, predict, save and load,
 * read MNIST (IDX or CSV) and images. The wasm core is read from beside this package (build/*.wasm).
 */
export * from './common.js';
export { loadModel, saveModel } from './model/file-node.js';
export { readIdxFile, readIdxDataset } from './data/files.js';
export { loadMnist } from './data/mnist.js';
export type { DatasetName } from './data/mnist.js';
export { locateAndLoad, loadFromDir } from './data/locate.js';
export type { LocateOptions } from './data/locate.js';
export { downloadDataset, DownloadError, MIRRORS } from './data/download.js';
export type { DownloadOptions } from './data/download.js';
export { readGrayImage, DEFAULT_MAX_PIXELS, type ReadImageOptions } from './image/read-node.js';
export { exportOnnx, importOnnx } from './interop/onnx.js';
export type { OnnxExportOptions } from './interop/onnx.js';
export { saveTfjs, loadTfjs, saveOnnx, loadOnnx } from './interop/files-node.js';
export type { Learning, LearningOptions, GeneratorStates, GeneratorName } from './engine/network.js';
export { GENERATOR_NAMES } from './engine/network.js';
export { DEFAULT_OPTIMIZER, DEFAULT_REGULARIZATION, DEFAULT_SCHEDULE, MOMENT_COUNT, OPTIMIZER_NAMES, SCHEDULE_NAMES, etaForEpoch, validateOptimizer, validateRegularization, validateSchedule } from './model/learning.js';
export type { OptimizerName, OptimizerSettings, OptimizerState, RegularizationSettings, ScheduleName, ScheduleSettings } from './model/learning.js';
