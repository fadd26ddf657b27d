import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { DataFormatError } from '../errors.js';
import { standardSplit } from './split.js';
import type { MnistSplit } from './split.js';
import { readIdxDataset } from './files.js';
import type { ByteStore } from './dataset.js';

export type DatasetName = 'mnist' | 'fashion-mnist';
export const DATASET_NAMES: readonly DatasetName[] = ['mnist', 'fashion-mnist'];

/** The four standard files, by their uncompressed names; a .gz beside each is preferred. */
export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export { standardSplit, VALIDATION_SIZE } from './split.js';
export type { MnistSplit } from './split.js';

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** The path of one standard file in dir (name.gz, else name), or undefined. */
export async function findIdxFile(dir: string, name: string): Promise<string | undefined> {
  for (const candidate of [join(dir, `${name}.gz`), join(dir, name)]) {
    if (await exists(candidate)) return candidate;
  }
  return undefined;
}

async function requireFile(dir: string, name: string): Promise<string> {
  const found = await findIdxFile(dir, name);
  if (!found) throw new DataFormatError(join(dir, `${name}.gz`), `file not found (nor ${name} uncompressed)`);
  return found;
}

/** Loads the standard split from a folder holding the four IDX files (gzip or raw); with a store, the bytes go there. */
export async function loadMnist(dir: string, options: { trainSize?: number; store?: ByteStore } = {}): Promise<MnistSplit> {
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    [IDX_FILES.trainImages, IDX_FILES.trainLabels, IDX_FILES.testImages, IDX_FILES.testLabels].map((name) => requireFile(dir, name)),
  );
  // One file at a time: each holds only its own chunks in flight, and a store's views stay valid (files.ts).
  const official = await readIdxDataset(trainImages, trainLabels, options.store);
  const test = await readIdxDataset(testImages, testLabels, options.store);
  return standardSplit(official, test, options);
}
