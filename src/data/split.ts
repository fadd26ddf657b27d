import { ConfigError, DataFormatError } from '../errors.js';
import { sliceDataset } from './dataset.js';
import type { Dataset } from './dataset.js';

/** The standard split: the last 10,000 official training images are the validation set. */
export const VALIDATION_SIZE = 10_000;

export interface MnistSplit {
  train: Dataset;
  validation: Dataset;
  test: Dataset;
}

/** The standard split of an official training set and a test set; trainSize keeps the first N training images. */
export function standardSplit(official: Dataset, test: Dataset, options: { trainSize?: number } = {}): MnistSplit {
  const file = official.source ?? 'training data';
  if (official.count <= VALIDATION_SIZE) {
    throw new DataFormatError(file, `has ${official.count} images; the standard split needs more than ${VALIDATION_SIZE}`);
  }
  const trainCount = official.count - VALIDATION_SIZE;
  const trainSize = options.trainSize ?? trainCount;
  if (!Number.isInteger(trainSize) || trainSize < 1 || trainSize > trainCount) {
    throw new ConfigError(`--train-size must be from 1 to ${trainCount} (got ${trainSize})`);
  }
  return {
    train: sliceDataset(official, 0, trainSize, `${file} [0, ${trainSize})`),
    validation: sliceDataset(official, trainCount, VALIDATION_SIZE, `${file} [${trainCount}, ${official.count})`),
    test,
  };
}
