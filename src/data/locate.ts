import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, DataFormatError } from '../errors.js';
import { parseCsv } from './csv.js';
import { downloadDataset } from './download.js';
import type { DownloadOptions } from './download.js';
import { IDX_FILES, loadMnist, standardSplit } from './mnist.js';
import type { DatasetName, MnistSplit } from './mnist.js';
import type { ByteStore } from './dataset.js';

/** The CSV names used by the common MNIST-in-CSV distributions. */
export const CSV_FILES = { train: 'mnist_train.csv', test: 'mnist_test.csv' } as const;

/** The package's own folder: src/data/ and dist/data/ both sit two levels below it. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const ENV_NAMES: Record<DatasetName, string> = { mnist: 'MNIST_DIR', 'fashion-mnist': 'FASHION_MNIST_DIR' };

/** Where the data comes from without --data, in one line for --help (dataPlaces is the code). */
export const DATA_RULE = "MNIST_DIR, else the package's data/mnist, else ../shared/data/mnist beside the package; downloaded into MNIST_DIR or data/mnist when absent";

/** Where a dataset is looked for when --data is not given, and where it is downloaded to when it is nowhere. */
export interface DataPlaces {
  /** Searched in order; the first that holds the four IDX files (or the two CSV files) is used. */
  dirs: string[];
  downloadTo: string;
  /** The environment variable that overrides the search (MNIST_DIR or FASHION_MNIST_DIR). */
  envName: string;
}

/** The data rule: the environment variable when set (the only place then), else the package's data folder, then the shared copy. */
export function dataPlaces(dataset: DatasetName = 'mnist', env: NodeJS.ProcessEnv = process.env): DataPlaces {
  const envName = ENV_NAMES[dataset];
  const fromEnv = env[envName];
  if (fromEnv) return { dirs: [resolve(fromEnv)], downloadTo: resolve(fromEnv), envName };
  const own = join(PACKAGE_ROOT, 'data', dataset);
  const shared = join(PACKAGE_ROOT, '..', 'shared', 'data', dataset);
  const debian = '/usr/share/datasets/fashion-mnist'; // apt-get install dataset-fashion-mnist
  return { dirs: dataset === 'mnist' ? [own, shared] : [own, debian, shared], downloadTo: own, envName };
}

const isFile = (path: string): boolean => statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
const holdsIdx = (dir: string): boolean => Object.values(IDX_FILES).every((name) => isFile(join(dir, `${name}.gz`)) || isFile(join(dir, name)));
const holdsCsv = (dir: string): boolean => Object.values(CSV_FILES).every((name) => isFile(join(dir, name)));

/** True when dir holds the four standard IDX files (each .gz or raw) or the two CSV files. */
export function holdsDataset(dir: string): boolean {
  return holdsIdx(dir) || holdsCsv(dir);
}

/** The first folder of the data rule that holds the dataset, or undefined (no download). */
export function findDataDir(dataset: DatasetName = 'mnist', env: NodeJS.ProcessEnv = process.env): string | undefined {
  return dataPlaces(dataset, env).dirs.find(holdsDataset);
}

export interface LocateOptions {
  /** --data DIR: the only place looked at when given (never downloaded into). */
  data?: string;
  dataset?: DatasetName;
  trainSize?: number;
  /** Download into the rule's download folder when nothing is found (default true). */
  download?: boolean;
  downloadOptions?: DownloadOptions;
  env?: NodeJS.ProcessEnv;
  /** Memory to read IDX files straight into (Network.byteStore: the network then holds the only copy). */
  store?: ByteStore;
  /** Told what happens (downloading...), for the CLI to print. */
  log?(message: string): void;
}

/** The folder the data rule picks, downloading the dataset into it when no folder of the rule holds it. */
export async function locateData(options: LocateOptions = {}): Promise<string> {
  if (options.data) return resolve(options.data);
  const dataset = options.dataset ?? 'mnist';
  const places = dataPlaces(dataset, options.env);
  const found = places.dirs.find(holdsDataset);
  if (found) return found;
  const where = `${dataset} not found in ${places.dirs.join(' or ')}`;
  if (options.download === false) throw new ConfigError(`${where}: pass --data DIR or set ${places.envName} to a folder with the four *-idx?-ubyte[.gz] files`);
  options.log?.(`${where}; downloading it into ${places.downloadTo}`);
  try {
    await downloadDataset(dataset, places.downloadTo, options.downloadOptions);
  } catch (error) {
    throw new ConfigError(`${where}, and ${(error as Error).message}`);
  }
  return places.downloadTo;
}

/** Loads the standard split from one folder of IDX files (gzip or raw) or of mnist_train.csv + mnist_test.csv. */
export async function loadFromDir(dir: string, trainSize?: number, store?: ByteStore): Promise<MnistSplit> {
  if (!existsSync(dir)) throw new DataFormatError(dir, 'data folder not found');
  if (holdsIdx(dir) || !holdsCsv(dir)) return loadMnist(dir, { trainSize, store }); // names the first missing IDX file, if any
  const read = async (name: string) => {
    const file = join(dir, name);
    return parseCsv(await readFile(file, 'utf8'), file);
  };
  return standardSplit(await read(CSV_FILES.train), await read(CSV_FILES.test), { trainSize });
}

/** Finds the data by the rule (see DATA_RULE), downloading it when absent, and loads the standard split. */
export async function locateAndLoad(options: LocateOptions = {}): Promise<{ dir: string; split: MnistSplit }> {
  const dir = await locateData(options);
  return { dir, split: await loadFromDir(dir, options.trainSize, options.store) };
}
