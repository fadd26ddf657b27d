// resolveTrainConfig: flags plus a resumed model to the run's settings, with no files, clock or printing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultModelPath, resolveTrainConfig, trainingRecord } from '../src/cli/train-config.js';
import { AUTO_THREADS_MAX, resolveThreads, threadsArgument } from '../src/cli/options.js';
import type { FlagSource, TrainFlags } from '../src/cli/train-config.js';
import { ConfigError } from '../src/errors.js';
import type { SavedModel } from '../src/model/file.js';
import { parameterLayout } from '../src/model/spec.js';
import { DEFAULT_OPTIMIZER, DEFAULT_REGULARIZATION, DEFAULT_SCHEDULE, validateSchedule } from '../src/model/learning.js';
import { DEFAULT_AUGMENT } from '../src/model/augment.js';
import { spec } from './helpers.js';

const DEFAULTS: TrainFlags = {
  layers: [784, 192, 30, 10], activation: 'sigmoid', outputActivation: 'sigmoid', cost: 'cross-entropy', init: 'scaled', biasInit: 'normal',
  epochs: 20, batch: 10, eta: 0.5, lambda: 0, seed: 1, engine: 'wasm', simd: 'auto', threads: 1, dataset: 'mnist',
  monitorTrain: true, monitorValidation: true, monitorTest: true, progress: true,
  optimizer: 'sgd', momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, schedule: 'constant', stepSize: 10, etaMin: 0, warmup: 0,
  dropout: 0, maxNorm: 0,
};
const PLAIN = { optimizer: DEFAULT_OPTIMIZER, schedule: validateSchedule(), regularization: DEFAULT_REGULARIZATION };
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
    trainSize: 20000, engine: 'ts', simd: 'auto', threads: 2, earlyStopping: 4, keepBest: false, monitor: { train: false, validation: true, test: false },
    resume: saved.state, ...PLAIN, augment: DEFAULT_AUGMENT,
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
  const adamSettings = resolveTrainConfig(...parse({ optimizer: 'adam' }));
  assert.equal(defaultModelPath(adamSettings, new Date(Date.UTC(2026, 11, 1, 19, 44, 13))), 'models/mnist_784-192-30-10_sigmoid_adam_scaled_lambda0_seed1_20261201-194413.json', 'an optimizer other than sgd is named');
});

// A version 2 file of an Adam run with a step schedule, dropout and best weights, interrupted with its moments.
const adam: SavedModel = {
  ...saved,
  training: {
    ...(saved.training as NonNullable<SavedModel['training']>), keepBest: true,
    optimizer: { ...DEFAULT_OPTIMIZER, name: 'adam', beta1: 0.8 },
    schedule: { ...DEFAULT_SCHEDULE, name: 'step', stepSize: 2, gamma: 0.5, warmup: 1 },
    regularization: { dropout: 0.2, inputDropout: 0, maxNorm: 3 },
  },
  state: { ...(saved.state as NonNullable<SavedModel['state']>), optimizer: { step: 70, moments: [new Float64Array(3), new Float64Array(3)] } },
};

test('resuming takes the optimizer, schedule, regularisation and keep-best from the file; a given flag overrides one value', () => {
  const settings = resolveTrainConfig(...parse({ resume: 'a.json' }), { file: 'a.json', model: adam });
  assert.deepEqual(settings.optimizer, adam.training?.optimizer);
  assert.deepEqual(settings.schedule, adam.training?.schedule);
  assert.deepEqual(settings.regularization, adam.training?.regularization);
  assert.equal(settings.keepBest, true);
  const changed = resolveTrainConfig(...parse({ resume: 'a.json', beta2: 0.99, gamma: 0.25, dropout: 0 }), { file: 'a.json', model: adam });
  assert.deepEqual([changed.optimizer.beta1, changed.optimizer.beta2, changed.schedule.gamma, changed.schedule.stepSize, changed.regularization.dropout], [0.8, 0.99, 0.25, 2, 0]);
});

test('a file with input dropout resumes with it, unless --input-dropout says otherwise', () => {
  const inputDropout: SavedModel = { ...adam, training: { ...(adam.training as NonNullable<SavedModel['training']>), regularization: { dropout: 0, inputDropout: 0.1, maxNorm: 0 } } };
  assert.equal(resolveTrainConfig(...parse({ resume: 'i.json' }), { file: 'i.json', model: inputDropout }).regularization.inputDropout, 0.1);
  assert.equal(resolveTrainConfig(...parse({ resume: 'i.json', inputDropout: 0.3 }), { file: 'i.json', model: inputDropout }).regularization.inputDropout, 0.3);
});

test('a version 1 file (no learning settings) resumes as plain SGD at a constant eta, or with the optimizer given', () => {
  assert.deepEqual(resolveTrainConfig(...parse({ resume: 'c.json' }), { file: 'c.json', model: saved }).optimizer, DEFAULT_OPTIMIZER);
  const switched = resolveTrainConfig(...parse({ resume: 'c.json', optimizer: 'nesterov', momentum: 0.95 }), { file: 'c.json', model: saved });
  assert.deepEqual(switched.optimizer, { ...DEFAULT_OPTIMIZER, name: 'nesterov', momentum: 0.95 });
});

test("the optimizer of a state with moments cannot change; another schedule starts from that schedule's defaults", () => {
  assert.throws(() => resolveTrainConfig(...parse({ resume: 'a.json', optimizer: 'momentum' }), { file: 'a.json', model: adam }),
    /^ConfigError: --optimizer momentum differs from the resumed model's adam \(a\.json\), whose optimizer state cannot carry over$/);
  const exponential = resolveTrainConfig(...parse({ resume: 'a.json', schedule: 'exponential' }), { file: 'a.json', model: adam });
  assert.deepEqual(exponential.schedule, { ...DEFAULT_SCHEDULE, name: 'exponential', gamma: 0.9, warmup: 1 }, 'warm-up is any schedule\'s and stays');
});

test('a flag given to an optimizer or schedule it does not apply to is refused, naming where it applies', () => {
  const cases: [Partial<TrainFlags>, RegExp][] = [
    [{ momentum: 0.5 }, /^--momentum applies to --optimizer momentum or nesterov, not sgd$/],
    [{ optimizer: 'momentum', beta1: 0.5 }, /^--beta1 applies to --optimizer adam, not momentum$/],
    [{ optimizer: 'nesterov', epsilon: 1e-6 }, /^--epsilon applies to --optimizer adam, not nesterov$/],
    [{ stepSize: 3 }, /^--step-size applies to --schedule step, not constant$/],
    [{ schedule: 'cosine', gamma: 0.5 }, /^--gamma applies to --schedule step or exponential, not cosine$/],
    [{ schedule: 'exponential', etaMin: 0.01 }, /^--eta-min applies to --schedule cosine, not exponential$/],
  ];
  for (const [given, message] of cases) assert.throws(() => resolveTrainConfig(...parse(given)), (e: unknown) => e instanceof ConfigError && message.test(e.message));
  // Resumed, the optimizer in the file decides: --beta1 fits a resumed Adam run.
  assert.equal(resolveTrainConfig(...parse({ resume: 'a.json', beta1: 0.7 }), { file: 'a.json', model: adam }).optimizer.beta1, 0.7);
  assert.deepEqual(resolveTrainConfig(...parse({ optimizer: 'nesterov', momentum: 0.99, schedule: 'cosine', etaMin: 0.01, warmup: 2 })).schedule, { ...DEFAULT_SCHEDULE, name: 'cosine', etaMin: 0.01, warmup: 2, gamma: 1 });
});

test('the learning settings round-trip through the training record', () => {
  const first = resolveTrainConfig(...parse({ optimizer: 'adam', beta1: 0.85, schedule: 'step', stepSize: 3, dropout: 0.5, maxNorm: 2, keepBest: true }));
  const record = trainingRecord(first, 50000, 'standard');
  const again = resolveTrainConfig(...parse({ resume: 'c.json' }), { file: 'c.json', model: { ...saved, spec: first.spec, training: record } });
  for (const key of ['optimizer', 'schedule', 'regularization', 'keepBest'] as const) assert.deepEqual(again[key], first[key], key);
});

test('--threads auto is two threads on two cores or more with the wasm engine, one for the ts twin; a count stays as given', () => {
  assert.equal(resolveThreads('auto', 'wasm', 2), 2);
  assert.equal(resolveThreads('auto', 'wasm', 16), AUTO_THREADS_MAX);
  assert.equal(resolveThreads('auto', 'wasm', 1), 1);
  assert.equal(resolveThreads('auto', 'ts', 16), 1);
  assert.equal(resolveThreads(3, 'wasm', 1), 3);
  assert.equal(threadsArgument(' auto '), 'auto');
  assert.equal(threadsArgument('4'), 4);
  assert.throws(() => threadsArgument('0'), /threads must be a positive integer/);
  assert.throws(() => threadsArgument('two'), /threads must be a positive integer/);
  const twin = resolveTrainConfig(...parse({ engine: 'ts', threads: 'auto' }));
  assert.equal(twin.threads, 1, 'the twin has no threads');
  const resumed = resolveTrainConfig(...parse({ resume: 'c.json', threads: 'auto' }), { file: 'c.json', model: { ...saved, training: { ...saved.training, engine: 'wasm' } } });
  assert.equal(resumed.threads, resolveThreads('auto', 'wasm'), 'given on the command line, auto overrides the saved count');
});
