import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError, DataFormatError } from '../errors.js';
import { parseCsv } from './csv.js';
import { downloadDataset } from './download.js';
import type { DownloadOptions } from './download.js';
import { candidateDirs, hasIdxFiles, loadMnist, standardSplit } from './mnist.js';
import type { DatasetName, MnistSplit } from './mnist.js';

/** The CSV names used by the common MNIST-in-CSV distributions. */
export const CSV_FILES = { train: 'mnist_train.csv', test: 'mnist_test.csv' } as const;

export interface LocateOptions {
  /** --data DIR: the only place looked at when given. */
  data?: string;
  dataset?: DatasetName;
  trainSize?: number;
  /** Download into the default folder when nothing is found (default true). */
  download?: boolean;
  downloadOptions?: DownloadOptions;
  env?: NodeJS.ProcessEnv;
  /** Told what happens (downloading...), for the CLI to print. */
  log?(message: string): void;
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

async function hasCsvFiles(dir: string): Promise<boolean> {
  const present = await Promise.all(Object.values(CSV_FILES).map((f) => stat(join(dir, f)).then(() => true, () => false)));
  return present.every(Boolean);
}

/** Loads the standard split from one folder of IDX files (gzip or raw) or of mnist_train.csv + mnist_test.csv. */
export async function loadFromDir(dir: string, trainSize?: number): Promise<MnistSplit> {
  if (await hasIdxFiles(dir)) return loadMnist(dir, { trainSize });
  if (await hasCsvFiles(dir)) {
    const read = async (name: string) => {
      const file = join(dir, name);
      return parseCsv(await readFile(file, 'utf8'), file);
    };
    return standardSplit(await read(CSV_FILES.train), await read(CSV_FILES.test), { trainSize });
  }
  if (!(await isDir(dir))) throw new DataFormatError(dir, 'data folder not found');
  // Let the IDX loader name the first missing file.
  return loadMnist(dir, { trainSize });
}

/** Finds the data (--data, else the environment variable, else the default folder), downloading it when absent. */
export async function locateAndLoad(options: LocateOptions = {}): Promise<{ dir: string; split: MnistSplit }> {
  const dataset = options.dataset ?? 'mnist';
  if (options.data) {
    const dir = resolve(options.data);
    return { dir, split: await loadFromDir(dir, options.trainSize) };
  }
  const candidates = candidateDirs(dataset, options.env);
  for (const dir of candidates) {
    if ((await hasIdxFiles(dir)) || (await hasCsvFiles(dir))) return { dir, split: await loadFromDir(dir, options.trainSize) };
  }
  const envName = dataset === 'mnist' ? 'MNIST_DIR' : 'FASHION_MNIST_DIR';
  const hint = `pass --data DIR or set ${envName} to a folder with the four *-idx?-ubyte[.gz] files`;
  const target = candidates[candidates.length - 1];
  if (options.download === false) throw new ConfigError(`${dataset} not found (looked in ${candidates.join(', ')}): ${hint}`);
  options.log?.(`${dataset} not found in ${candidates.join(', ')}; downloading it into ${target}`);
  try {
    await downloadDataset(dataset, target, options.downloadOptions);
  } catch (error) {
    throw new ConfigError(`${dataset} not found (looked in ${candidates.join(', ')}) and the download failed (${(error as Error).message}): ${hint}`);
  }
  return { dir: target, split: await loadFromDir(target, options.trainSize) };
}
