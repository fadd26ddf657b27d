import { availableParallelism } from 'node:os';
import { InvalidArgumentError, Option } from 'commander';
import { BIAS_INITS, COSTS, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS, WEIGHT_INITS } from '../model/spec.js';
import { ENGINE_NAMES } from '../engine/network.js';
import type { EngineName } from '../engine/network.js';
import { DATASET_NAMES } from '../data/mnist.js';
import { DATA_RULE } from '../data/locate.js';

export function positiveInteger(what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`${what} must be a positive integer.`);
    return n;
  };
}

/** `--threads auto` trains with at most this many: two threads were measured to pay here (2 cores); more are opt-in. */
export const AUTO_THREADS_MAX = 2;

/** --threads: a positive integer, or auto. */
export function threadsArgument(value: string): number | 'auto' {
  return value.trim() === 'auto' ? 'auto' : positiveInteger('threads')(value);
}

/** The thread count a run uses: auto is one for the ts engine (it has no threads), else the cores up to AUTO_THREADS_MAX. */
export function resolveThreads(threads: number | 'auto', engine: EngineName, cores = availableParallelism()): number {
  if (threads !== 'auto') return threads;
  return engine === 'wasm' ? Math.max(1, Math.min(AUTO_THREADS_MAX, cores)) : 1;
}

export function nonNegativeInteger(what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`${what} must be an integer >= 0.`);
    return n;
  };
}

export function positiveNumber(what: string, allowZero = false) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
      throw new InvalidArgumentError(`${what} must be a ${allowZero ? 'number >= 0' : 'positive number'}.`);
    }
    return n;
  };
}

export function layerList(value: string): number[] {
  const sizes = value.split(',').map((s) => s.trim());
  if (sizes.length < 2 || sizes.some((s) => !/^\d+$/.test(s) || Number(s) < 1)) {
    throw new InvalidArgumentError('layers must be a comma-separated list of at least two positive integers, e.g. 784,192,30,10.');
  }
  return sizes.map(Number);
}

/** Options shared by every command that builds or runs a network. */
export const engineOption = (): Option => new Option('--engine <name>', 'wasm (SIMD core) or ts (TypeScript twin)').choices(ENGINE_NAMES as string[]).default('wasm');
export const simdOption = (): Option =>
  new Option('--simd <build>', 'wasm build: auto picks relaxed SIMD (FMA) when the runtime supports it').choices(['auto', 'standard', 'relaxed']).default('auto');
export const dataOption = (): Option => new Option('--data <dir>', `folder with the four IDX files (.gz or raw) or mnist_train.csv + mnist_test.csv (default: ${DATA_RULE})`);
export const datasetOption = (): Option => new Option('--dataset <name>', 'which dataset').choices(DATASET_NAMES as string[]).default('mnist');

export const specOptions = (): Option[] => [
  new Option('--layers <sizes>', 'layer sizes, input first').argParser(layerList).default([784, 192, 30, 10], '784,192,30,10'),
  new Option('--activation <name>', 'hidden-layer activation').choices(HIDDEN_ACTIVATIONS as string[]).default('sigmoid'),
  new Option('--output-activation <name>', 'output activation').choices(OUTPUT_ACTIVATIONS as string[]).default('sigmoid'),
  new Option('--cost <name>', 'cost function').choices(COSTS as string[]).default('cross-entropy'),
  new Option('--init <name>', 'weights: normal N(0,1), scaled N(0,1/n_in), small N(0,0.01)').choices(WEIGHT_INITS as string[]).default('scaled'),
  new Option('--bias-init <name>', 'biases: normal N(0,1) or zero').choices(BIAS_INITS as string[]).default('normal'),
];

/**
 * A number flag checked by the settings' own rule (learning.ts: validateOptimizer, validateSchedule, ...), so the
 * command line and a model file are held to the same bounds.
 */
export function checkedNumber(what: string, validate: (value: number) => unknown, integer = false) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new InvalidArgumentError(`${what} must be ${integer ? 'a whole number' : 'a number'}.`);
    try {
      validate(n);
    } catch (error) {
      throw new InvalidArgumentError(`${(error as Error).message}.`);
    }
    return n;
  };
}
