// resolveTrainConfig: flags plus a resumed model to the run's settings, with no files, clock or printing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultModelPath, resolveTrainConfig, trainingRecord } from '../src/cli/train-config.js';
import type { FlagSource, TrainFlags } from '../src/cli/train-config.js';
import { ConfigError } from '../src/errors.js';
import type { SavedModel } from '../src/model/file.js';
import { parameterLayout } from '../src/model/spec.js';
import { DEFAULT_AUGMENT } from '../src/model/augment.js';
import { spec } from './helpers.js';

const DEFAULTS: TrainFlags = {
  layers: [784, 192, 30, 10], activation: 'sigmoid', outputActivation: 'sigmoid', cost: 'cross-entropy', init: 'scaled', biasInit: 'normal',
  epochs: 20, batch: 10, eta: 0.5, lambda: 0, seed: 1, engine: 'wasm', simd: 'auto', threads: 1, dataset: 'mnist',
  monitorTrain: true, monitorValidation: true, monitorTest: true, progress: true,
};
/** Flags as commander gives them: `given` from the command line, the rest at their defaults. */
function parse(given: Partial<TrainFlags>): [TrainFlags, FlagSource] {
  return [{ ...DEFAULTS, ...given }, (flag) => (flag in given ? 'cli' : flag in DEFAULTS ? 'default' : undefined)];
}

const savedSpec = spec([784, 30, 10], { activation: 'relu' });
const saved: SavedModel = {
  spec: savedSpec,
  layout: parameterLayout(savedSpec.layers),
  parameters: new Float64Array(parameterLayout(savedSpec.layers).size),
  training: {
    epochs: 3, batchSize: 20, eta: 0.1, lambda: 5, seed: 11, init: { weights: 'normal', biases: 'zero' }, dataset: 'fashion-mnist', trainSize: 20000,
    engine: 'ts', threads: 2, earlyStopping: 4, monitor: { train: false, validation: true, test: false },
  },
  state: { epochsDone: 1, batchesDone: 7, rngState: [1, 2, 3, 4] },
  metrics: [],
};

test('a fresh run takes every flag, defaults included, and checks the spec', () => {
  const settings = resolveTrainConfig(...parse({ epochs: 2, lambda: 5 }));
  assert.equal(settings.epochs, 2);
  assert.equal(settings.lambda, 5);
  assert.equal(settings.batchSize, 10);
  assert.deepEqual(settings.spec, spec([784, 192, 30, 10]));
  assert.equal(settings.trainSize, undefined);
  assert.equal(settings.resume, undefined);
  assert.throws(() => resolveTrainConfig(...parse({ layers: [784, 1] })), ConfigError);
});

test('resuming with only --resume takes every setting from the file, none from the flag defaults', () => {
  const settings = resolveTrainConfig(...parse({ resume: 'c.json' }), { file: 'c.json', model: saved });
  assert.deepEqual(settings, {
    spec: savedSpec, epochs: 3, batchSize: 20, eta: 0.1, lambda: 5, seed: 11, init: { weights: 'normal', biases: 'zero' }, dataset: 'fashion-mnist',
    trainSize: 20000, engine: 'ts', simd: 'auto', threads: 2, earlyStopping: 4, monitor: { train: false, validation: true, test: false },
    resume: saved.state, augment: DEFAULT_AUGMENT, inputDropout: 0,
  });
});

test('a flag given on the command line overrides the saved value, even when it equals the default', () => {
  const settings = resolveTrainConfig(...parse({ resume: 'c.json', epochs: 20, eta: 0.5, monitorTest: true }), { file: 'c.json', model: saved });
  assert.equal(settings.epochs, 20);
  assert.equal(settings.eta, 0.5);
  assert.equal(settings.monitor.test, true);
  assert.equal(settings.batchSize, 20, 'not given: from the file');
});

test('a spec flag that contradicts the resumed model is refused, naming both', () => {
  assert.throws(() => resolveTrainConfig(...parse({ resume: 'c.json', layers: [784, 64, 10] }), { file: 'c.json', model: saved }), /--layers 784,64,10 differs from the resumed model's 784,30,10 \(c\.json\)/);
  assert.throws(() => resolveTrainConfig(...parse({ resume: 'c.json', activation: 'sigmoid' }), { file: 'c.json', model: saved }), /--activation sigmoid differs from the resumed model's relu/);
  assert.doesNotThrow(() => resolveTrainConfig(...parse({ resume: 'c.json', activation: 'relu' }), { file: 'c.json', model: saved }));
});

test('a model without training state cannot be resumed', () => {
  assert.throws(() => resolveTrainConfig(...parse({ resume: 'm.json' }), { file: 'm.json', model: { ...saved, state: undefined } }), /m\.json: this model has no training state to resume from/);
});

test('a model without a training block resumes with the flags', () => {
  const settings = resolveTrainConfig(...parse({ resume: 'm.json' }), { file: 'm.json', model: { ...saved, training: undefined } });
  assert.equal(settings.epochs, 20);
  assert.equal(settings.engine, 'wasm');
  assert.deepEqual(settings.spec, savedSpec);
});

test('the training record round-trips through resolveTrainConfig', () => {
  const first = resolveTrainConfig(...parse({ epochs: 3, batch: 20, earlyStop: 2, monitorTrain: false }));
  const record = trainingRecord(first, 50000, 'relaxed');
  assert.equal(record.simd, 'relaxed');
  const again = resolveTrainConfig(...parse({ resume: 'c.json' }), { file: 'c.json', model: { ...saved, spec: first.spec, training: record } });
  assert.deepEqual({ ...again, simd: 'auto', trainSize: undefined, resume: undefined }, first);
  assert.equal(again.simd, 'relaxed');
});

test('the default model path names the settings and the time', () => {
  const settings = resolveTrainConfig(...parse({ lambda: 5, seed: 3 }));
  assert.equal(defaultModelPath(settings, new Date(Date.UTC(2026, 11, 1, 19, 44, 13))), 'models/mnist_784-192-30-10_sigmoid_scaled_lambda5_seed3_20261201-194413.json');
});
