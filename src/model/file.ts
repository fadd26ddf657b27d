// The model file: one JSON document, portable between Node and browsers.
// {
//   "format": "mnist-wasm-model", "version": 2,
//   "spec": { layers, activation, outputActivation, cost },
//   "layout": { size, layers: [{ inputs, outputs, weights, biases }] },   offsets in f64 elements
//   "training": { epochs, batchSize, eta, lambda, seed, init, dataset, trainSize, engine, simd?, threads?,
//                 earlyStopping?, keepBest?, monitor?, optimizer?, schedule?, regularization?, augment?,
//                 recipe?: { name, flags: [the train flags --recipe expanded to] } } | null,
//                                                                 checked field by field; unknown keys are dropped
//   "state": { epochsDone, batchesDone, rngState, optimizer?: { step, moments: [f64 block] }, generators?,
//              best?: { epoch, accuracy, kept?: { parameters: f64 block, state } } } | null,
//                                                                 what --resume continues from
//   "metrics": [ per-epoch EpochMetrics ],
//   "parameters": f64 block = { "encoding": "base64-f64le", "count": N, "crc32": C, "data": "..." }
// }
// Version 1 (no learning fields: plain SGD, constant eta, no dropout) is still read.
import { ModelFormatError } from '../errors.js';
import { parseEpochMetrics } from './state.js';
import type { BestSoFar, EpochMetrics, TrainerState } from './state.js';
import { decodeF64, encodeF64, fieldReader, isRecord, printable } from './file-fields.js';
import { encodeOptimizerState, parseGenerators, parseOptimizer, parseOptimizerState, parseRegularization, parseSchedule } from './file-learning.js';
import { MOMENT_COUNT } from './learning.js';
import type { OptimizerName, OptimizerSettings, RegularizationSettings, ScheduleSettings } from './learning.js';
import { BIAS_INITS, parameterLayout, validateSpec, WEIGHT_INITS } from './spec.js';
import type { BiasInit, NetworkSpec, ParameterLayout, WeightInit } from './spec.js';
import { validateAugment } from './augment.js';
import type { AugmentSettings } from './augment.js';

export const MODEL_FORMAT = 'mnist-wasm-model';
export const MODEL_VERSION = 2;
/** Versions this build reads: 1 had no learning settings (read as plain SGD at a constant eta). */
const READABLE_VERSIONS = [1, 2];

/** How the parameters were produced, so a run can be repeated or continued. */
export interface TrainingConfig {
  epochs: number;
  batchSize: number;
  eta: number;
  lambda: number;
  seed: number;
  init: { weights: WeightInit; biases: BiasInit };
  dataset: (typeof SAVED_DATASETS)[number];
  trainSize: number;
  engine: (typeof SAVED_ENGINES)[number];
  simd?: (typeof SAVED_SIMD_BUILDS)[number];
  /** Worker threads (results do not depend on them). */
  threads?: number;
  /** Stop after this many epochs without a better validation accuracy (the best epoch's parameters restored). */
  earlyStopping?: number;
  /** End with the best validation epoch's parameters even without early stopping. */
  keepBest?: boolean;
  /** The update rule, learning-rate schedule and regularisers (version 2; absent: sgd, constant, none). */
  optimizer?: OptimizerSettings;
  schedule?: ScheduleSettings;
  regularization?: RegularizationSettings;
  /** Which sets were evaluated after each epoch. */
  monitor?: { train: boolean; validation: boolean; test: boolean };
  /** Distortions of the training inputs (version 2; absent: none). Input dropout is in regularization. */
  augment?: AugmentSettings;
  /** The --recipe the run started from and the flags it expanded to (version 2; the settings above are what ran). */
  recipe?: RecipeRecord;
}

/** A recipe as a model file records it: its name and its flags, as words of a command line. */
export interface RecipeRecord {
  name: string;
  flags: string[];
}

export interface SavedModel {
  spec: NetworkSpec;
  layout: ParameterLayout;
  parameters: Float64Array;
  training?: TrainingConfig;
  state?: TrainerState;
  metrics: EpochMetrics[];
}

export function serializeModel(model: SavedModel): string {
  const { state } = model;
  return JSON.stringify({
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    spec: model.spec,
    layout: model.layout,
    training: model.training ?? null,
    state: state ? encodeState(state) : null,
    metrics: model.metrics,
    parameters: encodeF64(model.parameters),
  });
}

/** Parses and checks a model file's text: format, version, spec, layout, parameter count, checksum, finiteness. */
export function parseModel(text: string, file: string): SavedModel {
  // A PNG or a zip decoded as UTF-8 has NULs or replacement characters; saying so beats echoing the bytes.
  const head = text.slice(0, 4096);
  if (head.includes('\u0000') || head.includes('\ufffd')) throw new ModelFormatError(file, 'not a model file: binary data, expected JSON');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new ModelFormatError(file, `not a model file: invalid JSON (${printable((error as Error).message)})`);
  }
  if (!isRecord(doc) || doc.format !== MODEL_FORMAT) throw new ModelFormatError(file, `not a model file: "format" is not "${MODEL_FORMAT}"`);
  if (!READABLE_VERSIONS.includes(doc.version as number)) {
    throw new ModelFormatError(file, `model format version ${printable(JSON.stringify(doc.version) ?? 'undefined')} is not supported (this build reads versions ${READABLE_VERSIONS.join(' and ')})`);
  }
  const version = doc.version as number;
  let spec: NetworkSpec;
  try {
    if (!isRecord(doc.spec)) throw new Error('missing "spec"');
    spec = validateSpec(doc.spec as Partial<NetworkSpec>);
  } catch (error) {
    throw new ModelFormatError(file, `invalid network spec: ${printable((error as Error).message)}`);
  }
  const layout = parameterLayout(spec.layers);
  if (!sameLayout(doc.layout, layout)) {
    throw new ModelFormatError(file, `the parameter layout does not match layers ${spec.layers.join(',')}`);
  }
  const fail = (reason: string): never => {
    throw new ModelFormatError(file, reason);
  };
  const parameters = decodeF64(doc.parameters, layout.size, { plural: 'parameters', singular: 'parameter', need: `layers ${spec.layers.join(',')} need` }, fail);
  const training = parseTraining(doc.training, file, version);
  return {
    spec,
    layout,
    parameters,
    training,
    state: parseState(doc.state, file, version, { optimizer: training?.optimizer?.name ?? 'sgd', size: layout.size }),
    metrics: parseMetrics(doc.metrics, file),
  };
}

function sameLayout(stored: unknown, expected: ParameterLayout): boolean {
  if (!isRecord(stored) || stored.size !== expected.size) return false;
  const layers = stored.layers;
  if (!Array.isArray(layers) || layers.length !== expected.layers.length) return false;
  return expected.layers.every((layer, i) => {
    const s = layers[i] as unknown;
    return isRecord(s) && s.inputs === layer.inputs && s.outputs === layer.outputs && s.weights === layer.weights && s.biases === layer.biases;
  });
}

/** Enumerations of the training block; the engine and data rooms list the same names (a test keeps them equal). */
export const SAVED_ENGINES = ['wasm', 'ts'] as const;
export const SAVED_SIMD_BUILDS = ['standard', 'relaxed'] as const;
export const SAVED_DATASETS = ['mnist', 'fashion-mnist'] as const;
/** Bounds that keep a hostile file from asking for years of training or a loop that never ends. */
const MAX_EPOCHS = 1_000_000;
const MAX_EXAMPLES = 1 << 30;

/** The training block, field by field: enumerations by name, numbers finite and in range, unknown keys dropped. */
function parseTraining(value: unknown, file: string, version: number): TrainingConfig | undefined {
  if (value === null || value === undefined) return undefined;
  const fail = (reason: string): never => {
    throw new ModelFormatError(file, `invalid training settings: ${reason}`);
  };
  if (!isRecord(value)) return fail('not an object');
  const field = fieldReader(value, fail);
  const initValue = field.get('init');
  const init = fieldReader(isRecord(initValue) ? initValue : {}, fail);
  return {
    epochs: field.integer('epochs', 1, MAX_EPOCHS),
    batchSize: field.integer('batchSize', 1, MAX_EXAMPLES),
    eta: field.number('eta', true),
    lambda: field.number('lambda', false),
    seed: field.integer('seed', 0, Number.MAX_SAFE_INTEGER),
    init: { weights: init.oneOf('weights', WEIGHT_INITS, 'init.weights'), biases: init.oneOf('biases', BIAS_INITS, 'init.biases') },
    dataset: field.oneOf('dataset', SAVED_DATASETS),
    trainSize: field.integer('trainSize', 1, MAX_EXAMPLES),
    engine: field.oneOf('engine', SAVED_ENGINES),
    ...(field.has('simd') ? { simd: field.oneOf('simd', SAVED_SIMD_BUILDS) } : {}),
    ...(field.has('threads') ? { threads: field.integer('threads', 1, 64) } : {}),
    ...(field.has('earlyStopping') ? { earlyStopping: field.integer('earlyStopping', 1, MAX_EPOCHS) } : {}),
    ...(field.has('monitor') ? { monitor: parseMonitor(field.get('monitor'), fail) } : {}),
    ...(version >= 2 ? parseLearning(field, fail) : {}),
  };
}

/** Version 2's learning settings, each block checked by the settings' own rules. */
function parseLearning(field: ReturnType<typeof fieldReader>, fail: (reason: string) => never): Partial<TrainingConfig> {
  return {
    ...(field.has('keepBest') ? { keepBest: field.boolean('keepBest') } : {}),
    ...(field.has('optimizer') ? { optimizer: parseOptimizer(field.get('optimizer'), fail) } : {}),
    ...(field.has('schedule') ? { schedule: parseSchedule(field.get('schedule'), fail) } : {}),
    ...(field.has('regularization') ? { regularization: parseRegularization(field.get('regularization'), fail) } : {}),
    ...(field.has('augment') ? { augment: parseAugment(field.get('augment'), fail) } : {}),
    ...(field.has('recipe') ? { recipe: parseRecipe(field.get('recipe'), fail) } : {}),
  };
}

/** Bounds of a recorded recipe: a name like the built-in ones and a command line of printable words. */
const RECIPE_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const MAX_RECIPE_FLAGS = 256;
const RECIPE_FLAG = /^[\x20-\x7e]{1,200}$/;

/** training.recipe: checked as a record only (a newer build's recipe name is kept, not refused). */
function parseRecipe(value: unknown, fail: (reason: string) => never): RecipeRecord {
  if (!isRecord(value)) return fail('"recipe" must be an object');
  const { name, flags } = value;
  if (typeof name !== 'string' || !RECIPE_NAME.test(name)) return fail('"recipe.name" must be 1 to 64 lower-case letters, digits and dashes');
  if (!Array.isArray(flags) || flags.length > MAX_RECIPE_FLAGS || !flags.every((f) => typeof f === 'string' && RECIPE_FLAG.test(f))) {
    return fail(`"recipe.flags" must be a list of at most ${MAX_RECIPE_FLAGS} words of printable characters`);
  }
  return { name, flags: [...(flags as string[])] };
}

function parseAugment(value: unknown, fail: (reason: string) => never): AugmentSettings {
  if (!isRecord(value)) return fail('"augment" must be an object');
  const { mode, rotate, scale, shear, shift, elasticAlpha, elasticSigma } = value;
  try {
    return validateAugment({ mode, rotate, scale, shear, shift, elasticAlpha, elasticSigma } as Partial<AugmentSettings>);
  } catch (error) {
    return fail(`"augment": ${(error as Error).message}`);
  }
}

function parseMonitor(value: unknown, fail: (reason: string) => never): { train: boolean; validation: boolean; test: boolean } {
  const flag = fieldReader(isRecord(value) ? value : {}, fail);
  return { train: flag.boolean('train', 'monitor.train'), validation: flag.boolean('validation', 'monitor.validation'), test: flag.boolean('test', 'monitor.test') };
}

/**
 * The resumable state: counts in range, the four 32-bit words of the shuffle generator, and (version 2) the
 * optimizer's moments, as many as the training block's optimizer keeps and each the size of the parameters.
 */
function parseState(value: unknown, file: string, version: number, optimizer: { optimizer: OptimizerName; size: number }, nested = false): TrainerState | undefined {
  if (value === null || value === undefined) return undefined;
  const fail = (reason: string): never => {
    throw new ModelFormatError(file, `invalid training state: ${reason}`);
  };
  if (!isRecord(value)) return fail('not an object');
  const field = fieldReader(value, fail);
  const words = field.get('rngState');
  if (!Array.isArray(words) || words.length !== 4 || !words.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32)) {
    fail('"rngState" must be four integers from 0 to 2^32 - 1');
  }
  const state: TrainerState = { epochsDone: field.integer('epochsDone', 0, MAX_EPOCHS), batchesDone: field.integer('batchesDone', 0, MAX_EXAMPLES), rngState: [...(words as number[])] };
  if (version < 2) return state;
  if (MOMENT_COUNT[optimizer.optimizer] > 0) {
    // Resuming without the moments would quietly restart them: a run that trained must have saved them.
    if (field.has('optimizer')) state.optimizer = parseOptimizerState(field.get('optimizer'), optimizer.optimizer, optimizer.size, fail);
    else if (state.epochsDone > 0 || state.batchesDone > 0) fail(`the ${optimizer.optimizer} optimizer's moments ("optimizer") are missing`);
  }
  if (field.has('generators')) state.generators = parseGenerators(field.get('generators'), fail);
  if (field.has('best')) {
    if (nested) fail('"best.kept.state" cannot hold a best of its own');
    if (state.epochsDone === 0) fail('"best" before any epoch is done');
    const parseNested = (inner: unknown): TrainerState => parseState(inner, file, version, optimizer, true) ?? fail('"best.kept.state" is missing');
    state.best = parseBest(field.get('best'), parseNested, optimizer.size, state.epochsDone, fail);
  }
  return state;
}

/** The state as stored: moments and the kept best epoch's parameters as checked f64 blocks. */
function encodeState(state: TrainerState): Record<string, unknown> {
  const { optimizer, best, ...rest } = state;
  return {
    ...rest,
    ...(optimizer ? { optimizer: encodeOptimizerState(optimizer) } : {}),
    ...(best ? { best: { epoch: best.epoch, accuracy: best.accuracy, ...(best.kept ? { kept: { parameters: encodeF64(best.kept.parameters), state: encodeState(best.kept.state) } } : {}) } } : {}),
  };
}

/** state.best: the best epoch's number and accuracy, and (kept) its parameters and the state after it, one level deep. */
function parseBest(value: unknown, parse: (state: unknown, nested: boolean) => TrainerState, size: number, epochsDone: number, fail: (reason: string) => never): BestSoFar {
  if (!isRecord(value)) return fail('"best" must be an object');
  const field = fieldReader(value, fail);
  const epoch = field.integer('epoch', 1, Math.max(1, epochsDone), 'best.epoch');
  const accuracy = field.number('accuracy', false, 'best.accuracy');
  if (accuracy > 1) fail('"best.accuracy" must be a fraction from 0 to 1');
  if (!field.has('kept')) return { epoch, accuracy };
  const kept = field.get('kept');
  if (!isRecord(kept)) return fail('"best.kept" must be an object');
  const parameters = decodeF64(kept.parameters, size, { plural: 'best.kept.parameters', singular: 'parameter', need: 'the layout needs' }, fail);
  const state = parse(kept.state, true);
  if (state.epochsDone !== epoch || state.batchesDone !== 0) fail(`"best.kept.state" must be the state after epoch ${epoch}`);
  return { epoch, accuracy, kept: { parameters, state } };
}

/** Per-epoch metrics, each copied field by field; a bad entry names its index. */
function parseMetrics(value: unknown, file: string): EpochMetrics[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value) || value.length > MAX_EPOCHS) throw new ModelFormatError(file, 'invalid metrics: not a list of epochs');
  return value.map((entry, i) => {
    const parsed = parseEpochMetrics(entry);
    if (typeof parsed === 'string') throw new ModelFormatError(file, `invalid metrics: entry ${i}: ${parsed}`);
    return parsed;
  });
}
