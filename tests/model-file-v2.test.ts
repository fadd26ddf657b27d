// Model file version 2: the learning settings in "training", the optimizer's moments and the core generators in
// "state", each field checked as untrusted input; version 1 files still read as plain SGD.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GENERATOR_NAMES } from '../src/engine/pointers.js';
import { ModelFormatError } from '../src/errors.js';
import { MODEL_VERSION, parseModel, serializeModel } from '../src/model/file.js';
import type { SavedModel } from '../src/model/file.js';
import { SAVED_GENERATORS } from '../src/model/file-learning.js';
import { DEFAULT_OPTIMIZER } from '../src/model/learning.js';
import { initParameters } from '../src/model/init.js';
import { parameterLayout } from '../src/model/spec.js';
import { spec } from './helpers.js';

const layout = parameterLayout([6, 5, 3]);
const moment = (seed: number): Float64Array => initParameters(layout, { seed });
const model: SavedModel = {
  spec: spec([6, 5, 3]),
  layout,
  parameters: initParameters(layout, { seed: 1 }),
  training: {
    epochs: 4, batchSize: 10, eta: 0.001, lambda: 1, seed: 3, init: { weights: 'scaled', biases: 'normal' }, dataset: 'mnist', trainSize: 100, engine: 'wasm',
    earlyStopping: 2, keepBest: true, monitor: { train: false, validation: true, test: true },
    optimizer: { ...DEFAULT_OPTIMIZER, name: 'adam', beta2: 0.99 },
    schedule: { name: 'cosine', stepSize: 10, gamma: 1, etaMin: 0.0001, warmup: 1 },
    regularization: { dropout: 0.5, inputDropout: 0.2, maxNorm: 3 },
  },
  state: {
    epochsDone: 1, batchesDone: 4, rngState: [5, 6, 7, 8],
    optimizer: { step: 14, moments: [moment(2), moment(3).map(Math.abs)] },
    generators: { dropout: [1, 2, 3, 4], inputDropout: [9, 9, 9, 9], augment: [0, 0, 0, 1] },
  },
  metrics: [{ epoch: 1, seconds: 0.5, evalSeconds: 0.1, validationAccuracy: 0.5, eta: 0.0005 }],
};
const text = serializeModel(model);

function reject(patch: (d: Record<string, any>) => void, pattern: RegExp): void {
  const doc = JSON.parse(text);
  patch(doc);
  assert.throws(() => parseModel(JSON.stringify(doc), 'm.json'), (e: unknown) => e instanceof ModelFormatError && /^m\.json: [^\n]+$/.test(e.message) && pattern.test(e.message), pattern.source);
}

test('version 2 keeps the learning settings, the moments bit for bit, the generators and the per-epoch eta', () => {
  assert.equal(MODEL_VERSION, 2);
  assert.equal(JSON.parse(text).version, 2);
  const loaded = parseModel(text, 'm.json');
  assert.deepEqual(loaded.training, model.training);
  assert.deepEqual(loaded.state, model.state);
  assert.deepEqual(loaded.metrics, model.metrics);
  const stored = JSON.parse(text).state.optimizer.moments[1];
  assert.deepEqual(Object.keys(stored), ['encoding', 'count', 'crc32', 'data'], 'a moment is stored like the parameters');
  assert.equal(stored.count, layout.size);
});

test('a version 1 file reads as plain SGD at a constant eta; learning fields in it are not version 1 and are dropped', () => {
  const doc = JSON.parse(text);
  doc.version = 1;
  const loaded = parseModel(JSON.stringify(doc), 'old.json');
  const { keepBest, optimizer, schedule, regularization, ...plain } = model.training as NonNullable<SavedModel['training']>;
  assert.deepEqual(loaded.training, plain);
  assert.deepEqual(loaded.state, { epochsDone: 1, batchesDone: 4, rngState: [5, 6, 7, 8] });
  assert.ok(keepBest && optimizer && schedule && regularization);
});

test('the training block\'s learning settings are checked field by field, by the rules of the flags', () => {
  reject((d) => (d.training.optimizer.name = 'rmsprop'), /invalid training settings: "optimizer\.name" must be one of sgd, momentum, nesterov, adam$/);
  reject((d) => (d.training.optimizer.momentum = 1), /invalid training settings: momentum must be at least 0 and below 1 \(got 1\)$/);
  reject((d) => (d.training.optimizer.epsilon = '1e-8'), /"optimizer\.epsilon" must be a finite number >= 0$/);
  reject((d) => (d.training.optimizer = 'adam'), /"optimizer\.name" must be one of/);
  reject((d) => (d.training.schedule.name = 'cyclic'), /"schedule\.name" must be one of constant, step, cosine, exponential$/);
  reject((d) => (d.training.schedule.gamma = 2), /gamma must be above 0 and at most 1 \(got 2\)$/);
  reject((d) => (d.training.schedule.stepSize = 1e300), /"schedule\.stepSize" must be an integer from 1 to 1000000$/);
  reject((d) => (d.training.schedule.warmup = -1), /"schedule\.warmup" must be an integer from 0 to/);
  reject((d) => (d.training.regularization.dropout = 1), /dropout must be at least 0 and below 1 \(got 1\)$/);
  reject((d) => (d.training.regularization.maxNorm = 1e999), /"regularization\.maxNorm" must be a finite number >= 0$/);
  reject((d) => (d.training.keepBest = 'yes'), /"keepBest" must be true or false$/);
});

test('the moments must be as many as the optimizer keeps, each the size of the parameters, intact and finite', () => {
  reject((d) => d.state.optimizer.moments.pop(), /invalid training state: "optimizer\.moments" must be a list of 2 moment buffers for the adam optimizer$/);
  reject((d) => (d.training.optimizer.name = 'momentum'), /must be a list of 1 moment buffers for the momentum optimizer$/);
  reject((d) => (d.state.optimizer.moments[0].count = 1e9), new RegExp(`has 1000000000 optimizer moment 0 values; the parameters number ${layout.size}$`));
  reject((d) => (d.state.optimizer.moments[1].data = d.state.optimizer.moments[1].data.repeat(1000)), new RegExp(`optimizer moment 1 values: the data is longer than ${layout.size} numbers$`));
  reject((d) => (d.state.optimizer.moments[0].data = d.state.optimizer.moments[1].data), /optimizer moment 0 values: checksum mismatch/);
  reject((d) => (d.state.optimizer.step = -1), /"optimizer\.step" must be an integer from 0 to/);
  reject((d) => delete d.state.optimizer, /the adam optimizer's moments \("optimizer"\) are missing$/);
  const bad = { ...model, state: { ...(model.state as NonNullable<SavedModel['state']>), optimizer: { step: 1, moments: [moment(2), moment(3).fill(Number.NaN, 7, 8)] } } };
  assert.throws(() => parseModel(serializeModel(bad), 'm.json'), /m\.json: invalid training state: optimizer moment 1 value 7 is NaN: a model must hold finite numbers$/);
  // Plain SGD keeps no moments: a stray optimizer block is dropped like any unknown key.
  const doc = JSON.parse(text);
  doc.training.optimizer.name = 'sgd';
  assert.equal(parseModel(JSON.stringify(doc), 'm.json').state?.optimizer, undefined);
});

test('generator states: four words, not all zero, names from the engine\'s list (others dropped)', () => {
  assert.deepEqual([...SAVED_GENERATORS], [...GENERATOR_NAMES]);
  reject((d) => (d.state.generators.dropout = [0, 0, 0, 0]), /invalid training state: "generators\.dropout" must be four integers from 0 to 2\^32 - 1, not all zero$/);
  reject((d) => (d.state.generators.augment = [1, 2, 3, 2 ** 32]), /"generators\.augment" must be four integers/);
  reject((d) => (d.state.generators = [1, 2, 3, 4]), /"generators" must be an object of generator states$/);
  const doc = JSON.parse(text);
  doc.state.generators.shuffle = [1, 1, 1, 1];
  const withProto = JSON.stringify(doc).replace('"generators":{', '"generators":{"__proto__":[1,2,3,4],');
  assert.deepEqual(Object.keys(parseModel(withProto, 'm.json').state?.generators ?? {}), ['dropout', 'inputDropout', 'augment']);
});
