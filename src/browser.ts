/**
 * mnist-wasm for browsers (and bundlers): the same engine, trainer, model format and preprocessing as the
 * Node entry, with the .wasm builds fetched from beside this module. Nothing here touches node: modules.
 */
import { setEngineDefaults } from './engine/network.js';
import type { WasmBytesReader } from './engine/wasm.js';
import { spawnWebWorker } from './engine/threads-browser.js';

// Literal `new URL(..., import.meta.url)` so bundlers (Vite, webpack 5, esbuild with a loader) copy the files.
const WASM_URLS: Record<string, URL> = {
  'mnist.wasm': new URL('../build/mnist.wasm', import.meta.url),
  'mnist-relaxed.wasm': new URL('../build/mnist-relaxed.wasm', import.meta.url),
  'mnist-shared.wasm': new URL('../build/mnist-shared.wasm', import.meta.url),
  'mnist-relaxed-shared.wasm': new URL('../build/mnist-relaxed-shared.wasm', import.meta.url),
};

/** Fetches a build of the core from beside this module. */
export const readWasmByFetch: WasmBytesReader = async (file) => {
  const url = WASM_URLS[file];
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.href}: HTTP ${response.status}`);
  return response.arrayBuffer();
};

setEngineDefaults({ readWasm: readWasmByFetch, spawnWorker: spawnWebWorker });

export { Network, ENGINE_NAMES, setEngineDefaults } from './engine/network.js';
export type { EngineName, EngineOptions, DatasetHandle, StepOptions, Score } from './engine/network.js';
export type { SimdBuild, SimdChoice, WasmBytesReader } from './engine/wasm.js';
export type { WorkerSpawner } from './engine/threads.js';
export { CANONICAL_SPEC, parameterLayout, validateSpec } from './model/spec.js';
export type { NetworkSpec, ParameterLayout, LayerLayout, HiddenActivation, OutputActivation, CostName, WeightInit, BiasInit } from './model/spec.js';
export { initParameters } from './model/init.js';
export type { InitOptions } from './model/init.js';
export { Random } from './model/random.js';
export { parseModel, serializeModel, MODEL_FORMAT, MODEL_VERSION } from './model/file.js';
export type { SavedModel, TrainingConfig } from './model/file.js';
export { train } from './train/trainer.js';
export type { TrainOptions, TrainHooks, TrainResult, TrainerState, TrainingData, BatchEvent } from './train/trainer.js';
export type { EpochMetrics } from './train/metrics.js';
export type { Dataset } from './data/dataset.js';
export { sliceDataset } from './data/dataset.js';
export { standardSplit, VALIDATION_SIZE } from './data/split.js';
export type { MnistSplit } from './data/split.js';
export { parseIdx, idxToDataset, isGzip } from './data/idx.js';
export { parseCsv } from './data/csv.js';
export { learningCurvesSpec, curveRows } from './plot/curves.js';
export type { RunCurves, CurvesOptions } from './plot/curves.js';
export { rgbaToGray, extractInk, frameDigit, preprocessDigit } from './image/preprocess.js';
export type { GrayImage, Box } from './image/preprocess.js';
export { segmentDigits } from './image/segment.js';
export { MnistWasmError, DataFormatError, ModelFormatError, ConfigError, DivergenceError } from './errors.js';
