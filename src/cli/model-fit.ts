// Does a network fit the task? Checked by every command before any work, with the model (or flag) named.
import type { Dataset } from '../data/dataset.js';
import type { MnistSplit } from '../data/split.js';
import { ConfigError, ModelFormatError } from '../errors.js';
import { modelFitProblem } from '../model/fit.js';
import type { NetworkSpec } from '../model/spec.js';
import type { TrainerState } from '../train/trainer.js';

/** Where the network came from: a model file, or the --layers flag of a fresh run. */
export type NetworkOrigin = { modelFile: string } | { layersFlag: number[] };

function largestLabel(sets: Dataset[]): number {
  let largest = 0;
  for (const set of sets) for (let i = 0; i < set.count; i++) if (set.labels[i] > largest) largest = set.labels[i];
  return largest;
}

/** Refuses a network whose input size differs from the images' or with fewer output classes than the labels need. */
export function checkNetworkFitsData(spec: NetworkSpec, split: Partial<MnistSplit>, dataDir: string, origin: NetworkOrigin): void {
  const sets = [split.train, split.validation, split.test].filter((set): set is Dataset => set !== undefined);
  const problem = modelFitProblem(spec.layers, { inputs: sets[0]?.inputSize ?? spec.layers[0], classes: largestLabel(sets) + 1, data: dataDir });
  if (problem === undefined) return;
  if ('modelFile' in origin) throw new ModelFormatError(origin.modelFile, problem);
  throw new ConfigError(`--layers ${origin.layersFlag.join(',')}: ${problem}`);
}

/** Refuses a resumable state that points past the end of an epoch of this training set. */
export function checkStateFitsData(state: TrainerState, trainCount: number, batchSize: number, modelFile: string): void {
  const batches = Math.ceil(trainCount / batchSize);
  if (state.batchesDone >= batches) {
    throw new ModelFormatError(modelFile, `the training state has ${state.batchesDone} mini-batches of epoch ${state.epochsDone + 1} done, but an epoch of ${trainCount} examples in batches of ${batchSize} has ${batches}`);
  }
}
