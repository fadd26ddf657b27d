// The model file: one JSON document, portable between Node and browsers.
// {
//   "format": "mnist-wasm-model", "version": 1,
//   "spec": { layers, activation, outputActivation, cost },
//   "layout": { size, layers: [{ inputs, outputs, weights, biases }] },   offsets in f64 elements
//   "training": { epochs, batchSize, eta, lambda, seed, init, dataset, trainSize, engine, simd } | null,
//   "state": { epochsDone, batchesDone, rngState } | null,                  what --resume continues from
//   "metrics": [ per-epoch EpochMetrics ],
//   "parameters": { "encoding": "base64-f64le", "count": N, "crc32": C, "data": "..." }
// }
import { ModelFormatError } from '../errors.js';
import type { EpochMetrics, TrainerState } from './state.js';
import { crc32, fromBase64, toBase64 } from '../util/bytes.js';
import { BIAS_INITS, parameterLayout, validateSpec, WEIGHT_INITS } from './spec.js';
import type { BiasInit, NetworkSpec, ParameterLayout, WeightInit } from './spec.js';

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
  dataset: string;
  trainSize: number;
  engine: string;
  simd?: string;
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses and checks a model file's text: format, version, spec, layout, parameter count, checksum, finiteness. */
export function parseModel(text: string, file: string): SavedModel {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new ModelFormatError(file, `not a model file: invalid JSON (${(error as Error).message})`);
  }
  if (!isRecord(doc) || doc.format !== MODEL_FORMAT) throw new ModelFormatError(file, `not a model file: "format" is not "${MODEL_FORMAT}"`);
  if (doc.version !== MODEL_VERSION) {
    throw new ModelFormatError(file, `model format version ${JSON.stringify(doc.version)} is not supported (this build reads version ${MODEL_VERSION})`);
  }
  let spec: NetworkSpec;
  try {
    if (!isRecord(doc.spec)) throw new Error('missing "spec"');
    spec = validateSpec(doc.spec as Partial<NetworkSpec>);
  } catch (error) {
    throw new ModelFormatError(file, `invalid network spec: ${(error as Error).message}`);
  }
  const layout = parameterLayout(spec.layers);
  if (!sameLayout(doc.layout, layout)) {
    throw new ModelFormatError(file, `the parameter layout does not match layers ${spec.layers.join(',')}`);
  }
  const p = doc.parameters;
  if (!isRecord(p) || p.encoding !== 'base64-f64le' || typeof p.data !== 'string') {
    throw new ModelFormatError(file, 'parameters must be {"encoding": "base64-f64le", "data": "..."}');
  }
  if (p.count !== layout.size) throw new ModelFormatError(file, `has ${String(p.count)} parameters; layers ${spec.layers.join(',')} need ${layout.size}`);
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
    metrics: Array.isArray(doc.metrics) ? (doc.metrics.filter(isRecord) as unknown as EpochMetrics[]) : [],
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

function parseTraining(value: unknown, file: string): TrainingConfig | undefined {
  if (value === null || value === undefined) return undefined;
  const bad = (what: string): never => {
    throw new ModelFormatError(file, `invalid training settings: ${what}`);
  };
  if (!isRecord(value)) return bad('not an object');
  for (const key of ['epochs', 'batchSize', 'eta', 'lambda', 'seed', 'trainSize'] as const) {
    if (typeof value[key] !== 'number' || !Number.isFinite(value[key])) bad(`${key} must be a number`);
  }
  const init = value.init;
  if (!isRecord(init) || !WEIGHT_INITS.includes(init.weights as WeightInit) || !BIAS_INITS.includes(init.biases as BiasInit)) bad('init');
  if (typeof value.dataset !== 'string' || typeof value.engine !== 'string') bad('dataset and engine must be strings');
  return value as unknown as TrainingConfig;
}

function parseState(value: unknown, file: string): TrainerState | undefined {
  if (value === null || value === undefined) return undefined;
  const ok =
    isRecord(value) &&
    Number.isInteger(value.epochsDone) && (value.epochsDone as number) >= 0 &&
    Number.isInteger(value.batchesDone) && (value.batchesDone as number) >= 0 &&
    Array.isArray(value.rngState) && value.rngState.length === 4 &&
    value.rngState.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32);
  if (!ok) throw new ModelFormatError(file, 'invalid training state (epochsDone, batchesDone, rngState)');
  return value as unknown as TrainerState;
}
