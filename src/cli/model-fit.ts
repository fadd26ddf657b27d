// Does a network fit the task? Checked by every command before any work, with the model (or flag) named.
import type { Dataset } from '../data/dataset.js';
import type { MnistSplit } from '../data/split.js';
import { ConfigError, ModelFormatError } from '../errors.js';
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
  const fail = (message: string): never => {
    if ('modelFile' in origin) throw new ModelFormatError(origin.modelFile, message);
    throw new ConfigError(`--layers ${origin.layersFlag.join(',')}: ${message}`);
  };
  const inputs = spec.layers[0];
  const pixels = sets[0]?.inputSize;
  if (pixels !== undefined && pixels !== inputs) fail(`the network takes ${inputs} inputs but the images in ${dataDir} have ${pixels} pixels`);
  const classes = spec.layers[spec.layers.length - 1];
  const needed = largestLabel(sets) + 1;
  if (needed > classes) fail(`the network has ${classes} output classes but the labels in ${dataDir} go up to ${needed - 1} (${needed} classes)`);
}

/** Refuses a resumable state that points past the end of an epoch of this training set. */
export function checkStateFitsData(state: TrainerState, trainCount: number, batchSize: number, modelFile: string): void {
  const batches = Math.ceil(trainCount / batchSize);
  if (state.batchesDone >= batches) {
    throw new ModelFormatError(modelFile, `the training state has ${state.batchesDone} mini-batches of epoch ${state.epochsDone + 1} done, but an epoch of ${trainCount} examples in batches of ${batchSize} has ${batches}`);
  }
}
