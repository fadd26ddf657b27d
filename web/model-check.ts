// What the demo accepts, checked in the page before anything reaches the worker: a model file's size and
// contents (the library's parseModel), and that a network fits the task (28x28 inputs, 10 digits) and the tab.
import { ConfigError, ModelFormatError, modelFitProblem, parameterLayout, parseModel } from 'mnist-wasm';
import type { SavedModel } from 'mnist-wasm';

export const MODEL_FILE_LIMIT = 64 * 1024 * 1024;
export const INPUTS = 784;
export const CLASSES = 10;
/** A tab's engine memory holds parameters and gradients (16 bytes each) and 500-row buffers per unit. */
export const MAX_PARAMETERS = 10_000_000;
export const MAX_UNITS = 10_000;

/** Why `layers` cannot be used here, or undefined when it can. */
export function networkProblem(layers: readonly number[]): string | undefined {
  const unfit = modelFitProblem(layers, { inputs: INPUTS, classes: CLASSES });
  if (unfit) return unfit;
  const widest = layers.reduce((a, b) => Math.max(a, b), 0);
  if (widest > MAX_UNITS) return `a layer of ${widest} units is more than this demo's ${MAX_UNITS}`;
  const size = parameterLayout([...layers]).size;
  if (size > MAX_PARAMETERS) return `${size} parameters are more than this demo's ${MAX_PARAMETERS}`;
  return undefined;
}

export function checkNetwork(layers: readonly number[]): void {
  const problem = networkProblem(layers);
  if (problem) throw new ConfigError(problem);
}

/** Reads a picked model file: at most 64 MB, a valid model file (checksum, finite numbers), fit for MNIST. */
export async function readModelFile(file: File): Promise<SavedModel> {
  if (file.size > MODEL_FILE_LIMIT) {
    throw new ModelFormatError(file.name, `is ${(file.size / 2 ** 20).toFixed(1)} MB; model files over ${MODEL_FILE_LIMIT / 2 ** 20} MB are refused`);
  }
  const model = parseModel(await file.text(), file.name);
  const problem = networkProblem(model.spec.layers);
  if (problem) throw new ModelFormatError(file.name, problem);
  return model;
}
