// The model file: one JSON document, portable between Node and browsers.
// {
//   "format": "mnist-wasm-model", "version": 1,
//   "spec": { layers, activation, outputActivation, cost },
//   "layout": { size, layers: [{ inputs, outputs, weights, biases }] },   offsets in f64 elements
//   "training": { epochs, batchSize, eta, lambda, seed, init, dataset, trainSize, engine, simd?, threads?,
//                 earlyStopping?, monitor? } | null,            checked field by field; unknown keys are dropped
//   "state": { epochsDone, batchesDone, rngState } | null,                  what --resume continues from
//   "metrics": [ per-epoch EpochMetrics ],
//   "parameters": { "encoding": "base64-f64le", "count": N, "crc32": C, "data": "..." }
// }
import { ModelFormatError } from '../errors.js';
import { parseEpochMetrics } from './state.js';
import type { EpochMetrics, TrainerState } from './state.js';
import { crc32, fromBase64, toBase64 } from '../util/bytes.js';
import { BIAS_INITS, parameterLayout, validateSpec, WEIGHT_INITS } from './spec.js';
import type { BiasInit, NetworkSpec, ParameterLayout, WeightInit } from './spec.js';
import { validateAugment } from './augment.js';
import type { AugmentSettings } from './augment.js';

export const MODEL_FORMAT = 'mnist-wasm-model';
export const MODEL_VERSION = 1;

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
  /** Stop after this many epochs without a better validation accuracy. */
  earlyStopping?: number;
  /** Which sets were evaluated after each epoch. */
  monitor?: { train: boolean; validation: boolean; test: boolean };
  /** Distortions of the training inputs (absent: none) and the input dropout probability (absent: 0). */
  augment?: AugmentSettings;
  inputDropout?: number;
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
  const bytes = new Uint8Array(model.parameters.buffer, model.parameters.byteOffset, model.parameters.byteLength);
  return JSON.stringify({
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    spec: model.spec,
    layout: model.layout,
    training: model.training ?? null,
    state: model.state ?? null,
    metrics: model.metrics,
    parameters: { encoding: 'base64-f64le', count: model.parameters.length, crc32: crc32(bytes), data: toBase64(bytes) },
  });
}

/** At most 120 printable ASCII characters of a message that may quote the file. */
function printable(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 120 ? `${clean.slice(0, 120)}...` : clean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
  if (doc.version !== MODEL_VERSION) {
    throw new ModelFormatError(file, `model format version ${printable(JSON.stringify(doc.version) ?? 'undefined')} is not supported (this build reads version ${MODEL_VERSION})`);
  }
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
  const p = doc.parameters;
  if (!isRecord(p) || p.encoding !== 'base64-f64le' || typeof p.data !== 'string') {
    throw new ModelFormatError(file, 'parameters must be {"encoding": "base64-f64le", "data": "..."}');
  }
  if (p.count !== layout.size) throw new ModelFormatError(file, `has ${printable(String(p.count))} parameters; layers ${spec.layers.join(',')} need ${layout.size}`);
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(p.data);
  } catch {
    throw new ModelFormatError(file, 'parameter data is not valid base64');
  }
  if (bytes.length !== layout.size * 8) throw new ModelFormatError(file, `parameter data holds ${bytes.length} bytes, expected ${layout.size * 8}`);
  if (p.crc32 !== crc32(bytes)) throw new ModelFormatError(file, 'parameter checksum mismatch: the file is corrupted');
  const parameters = new Float64Array(bytes.buffer, bytes.byteOffset, layout.size);
  const bad = parameters.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new ModelFormatError(file, `parameter ${bad} is ${parameters[bad]}: a model must hold finite numbers`);
  return {
    spec,
    layout,
    parameters,
    training: parseTraining(doc.training, file),
    state: parseState(doc.state, file),
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

/** Reads fields of an untrusted object by our own key names; the first bad one throws with the reason. */
function fieldReader(record: Record<string, unknown>, fail: (reason: string) => never) {
  const get = (key: string): unknown => (Object.hasOwn(record, key) ? record[key] : undefined);
  return {
    oneOf<T extends string>(key: string, allowed: readonly T[], shown = key): T {
      const value = get(key);
      return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fail(`"${shown}" must be one of ${allowed.join(', ')}`);
    },
    integer(key: string, min: number, max: number): number {
      const value = get(key);
      return Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max ? (value as number) : fail(`"${key}" must be an integer from ${min} to ${max}`);
    },
    number(key: string, positive: boolean): number {
      const value = get(key);
      const ok = typeof value === 'number' && Number.isFinite(value) && (positive ? value > 0 : value >= 0);
      return ok ? (value as number) : fail(`"${key}" must be a finite number ${positive ? '> 0' : '>= 0'}`);
    },
    has: (key: string): boolean => get(key) !== undefined && get(key) !== null,
    get,
  };
}

/** The training block, field by field: enumerations by name, numbers finite and in range, unknown keys dropped. */
function parseTraining(value: unknown, file: string): TrainingConfig | undefined {
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
    ...(field.has('augment') ? { augment: parseAugment(field.get('augment'), fail) } : {}),
    ...(field.has('inputDropout') ? { inputDropout: field.number('inputDropout', false) < 1 ? field.number('inputDropout', false) : fail('"inputDropout" must be below 1') } : {}),
  };
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
  const flags = isRecord(value) ? value : {};
  const flag = (key: string): boolean => {
    const v = Object.hasOwn(flags, key) ? flags[key] : undefined;
    return typeof v === 'boolean' ? v : fail(`"monitor.${key}" must be true or false`);
  };
  return { train: flag('train'), validation: flag('validation'), test: flag('test') };
}

/** The resumable state: counts in range and the four 32-bit words of the shuffle generator. */
function parseState(value: unknown, file: string): TrainerState | undefined {
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
  return { epochsDone: field.integer('epochsDone', 0, MAX_EPOCHS), batchesDone: field.integer('batchesDone', 0, MAX_EXAMPLES), rngState: [...(words as number[])] };
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
