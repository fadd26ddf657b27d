// The model file: exact round trip, atomic save, and rejection of anything that cannot be trusted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Network } from '../src/engine/network.js';
import { ModelFormatError } from '../src/errors.js';
import { loadModel, saveModel } from '../src/model/file-node.js';
import { parseModel, SAVED_DATASETS, SAVED_ENGINES, serializeModel } from '../src/model/file.js';
import { ENGINE_NAMES } from '../src/engine/network.js';
import { DATASET_NAMES } from '../src/data/mnist.js';
import type { SavedModel } from '../src/model/file.js';
import { fromBase64, toBase64, toBase64InPieces } from '../src/util/bytes.js';
import { maxAbsDiff, spec, syntheticData } from './helpers.js';

const dir = await mkdtemp(join(tmpdir(), 'mnist-model-'));
const network = await Network.create(spec([16, 8, 4], { activation: 'relu', outputActivation: 'softmax' }), { engine: 'wasm', init: { seed: 3 } });
const model: SavedModel = {
  spec: network.spec,
  layout: network.layout,
  parameters: network.getParameters(),
  training: { epochs: 3, batchSize: 10, eta: 0.1, lambda: 2, seed: 3, init: { weights: 'scaled', biases: 'normal' }, dataset: 'mnist', trainSize: 100, engine: 'wasm', simd: 'standard' },
  state: { epochsDone: 2, batchesDone: 0, rngState: [1, 2, 3, 4] },
  metrics: [{ epoch: 1, seconds: 0.5, evalSeconds: 0.1, testAccuracy: 0.5 }],
};

test('save then load gives back every parameter bit for bit, and the settings', async () => {
  const path = join(dir, 'model.json');
  await saveModel(path, model);
  const loaded = await loadModel(path);
  assert.deepEqual(loaded.spec, model.spec);
  assert.deepEqual(loaded.layout, model.layout);
  assert.deepEqual(loaded.training, model.training);
  assert.deepEqual(loaded.state, model.state);
  assert.deepEqual(loaded.metrics, model.metrics);
  assert.deepEqual(new Uint8Array(loaded.parameters.buffer, loaded.parameters.byteOffset, loaded.parameters.byteLength), new Uint8Array(model.parameters.buffer));
  const reloaded = await Network.create(loaded.spec, { engine: 'ts', parameters: loaded.parameters });
  const data = syntheticData(20, 16, 4);
  const inputs = new Float64Array(data.images).map((v) => v / 255);
  assert.ok(maxAbsDiff(reloaded.predict(inputs), network.predict(inputs)) < 1e-12, 'the reloaded network predicts the same');
  assert.deepEqual(await readdir(dir), ['model.json'], 'no temporary file is left behind');
});

test('saving over an existing model replaces it whole', async () => {
  const path = join(dir, 'replace.json');
  await saveModel(path, model);
  await saveModel(path, { ...model, metrics: [] });
  assert.deepEqual((await loadModel(path)).metrics, []);
});

const text = serializeModel(model);
const doc = JSON.parse(text);
function reject(mutated: string, pattern: RegExp): void {
  assert.throws(() => parseModel(mutated, 'm.json'), (e: unknown) => e instanceof ModelFormatError && /^m\.json: /.test(e.message) && pattern.test(e.message));
}
const variant = (patch: (d: typeof doc) => void): string => {
  const copy = JSON.parse(text);
  patch(copy);
  return JSON.stringify(copy);
};

test('rejects text that is not JSON, and JSON that is not a model', () => {
  reject(text.slice(0, text.length / 2), /invalid JSON/);
  reject('{"hello": 1}', /"format" is not "mnist-wasm-model"/);
});
test('rejects an unknown format version', () => reject(variant((d) => (d.version = 99)), /version 99 is not supported/));
test('rejects an invalid spec', () => reject(variant((d) => (d.spec.layers = [16, 0, 4])), /invalid network spec/));
test('rejects a layout that does not match the layers', () => reject(variant((d) => (d.layout.layers[1].weights += 2)), /layout does not match/));
test('rejects a parameter count that does not match', () => reject(variant((d) => (d.parameters.count -= 1)), /need \d+/));
test('rejects flipped bits in the parameters by checksum', () => {
  const bytes = Buffer.from(doc.parameters.data, 'base64');
  bytes[17] ^= 0x04;
  reject(variant((d) => (d.parameters.data = bytes.toString('base64'))), /checksum mismatch/);
});
test('rejects NaN or Infinity parameters even with a matching checksum', async () => {
  const bad = model.parameters.slice();
  bad[5] = Number.NaN;
  reject(serializeModel({ ...model, parameters: bad }), /parameter 5 is NaN/);
  bad[5] = Number.POSITIVE_INFINITY;
  reject(serializeModel({ ...model, parameters: bad }), /parameter 5 is Infinity/);
});
test('rejects a broken training state', () => reject(variant((d) => (d.state.rngState = [1, 2])), /invalid training state: "rngState" must be four integers/));

test('checks the training block field by field: enumerations by name, finite numbers in range', () => {
  const cases: [(t: Record<string, unknown>) => void, RegExp][] = [
    [(t) => (t.simd = '__proto__'), /invalid training settings: "simd" must be one of standard, relaxed$/],
    [(t) => (t.engine = 'constructor'), /"engine" must be one of wasm, ts$/],
    [(t) => (t.dataset = 'toString'), /"dataset" must be one of mnist, fashion-mnist$/],
    [(t) => ((t.init as Record<string, unknown>).weights = '__proto__'), /"init\.weights" must be one of normal, scaled, small$/],
    [(t) => (t.epochs = -3), /"epochs" must be an integer from 1 to 1000000$/],
    [(t) => (t.batchSize = 1e300), /"batchSize" must be an integer from 1 to/],
    [(t) => (t.eta = 0), /"eta" must be a finite number > 0$/],
    [(t) => (t.lambda = -1), /"lambda" must be a finite number >= 0$/],
    [(t) => (t.seed = 1.5), /"seed" must be an integer/],
    [(t) => (t.trainSize = '100'), /"trainSize" must be an integer/],
    [(t) => (t.threads = 1000), /"threads" must be an integer from 1 to 64$/],
    [(t) => (t.monitor = { train: 'yes', validation: true, test: true }), /"monitor\.train" must be true or false$/],
  ];
  for (const [patch, pattern] of cases) reject(variant((d) => patch(d.training)), pattern);
  reject(variant((d) => (d.training = [1, 2])), /invalid training settings: not an object/);
});

test('checks the state counts and the metrics; a hostile count is refused, not looped over', () => {
  reject(variant((d) => (d.state.epochsDone = 1e300)), /invalid training state: "epochsDone" must be an integer from 0 to/);
  reject(variant((d) => (d.state.batchesDone = -1)), /"batchesDone" must be an integer from 0 to/);
  reject(variant((d) => (d.metrics = [{ epoch: 1, testAccuracy: 7 }])), /invalid metrics: entry 0: "testAccuracy" must be a fraction from 0 to 1$/);
  reject(variant((d) => (d.metrics = [{ epoch: 'one' }])), /invalid metrics: entry 0: "epoch" must be a positive integer$/);
  reject(variant((d) => (d.metrics = { length: 1e9 })), /invalid metrics: not a list of epochs$/);
});

test('unknown keys are dropped, never copied into the settings', () => {
  const withExtras = variant((d) => {
    d.training.extra = 'x';
    d.state.more = 1;
    d.metrics[0].note = 'hi';
  });
  // JSON.parse makes "__proto__" an own key: it must not reach the settings either.
  const text = withExtras.replace('"training":{', '"training":{"__proto__":{"polluted":true},');
  assert.ok(text.includes('"__proto__"'));
  const loaded = parseModel(text, 'm.json');
  assert.deepEqual(loaded.training, model.training);
  assert.equal(Object.getPrototypeOf(loaded.training), Object.prototype);
  assert.equal((loaded.training as unknown as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(Object.keys(loaded.state ?? {}), ['epochsDone', 'batchesDone', 'rngState']);
  assert.deepEqual(loaded.metrics, model.metrics);
});

test('binary data is refused without echoing it', () => {
  const png = new TextDecoder().decode(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
  assert.throws(() => parseModel(png, 'digit.png'), (e: unknown) => e instanceof ModelFormatError && e.message === 'digit.png: not a model file: binary data, expected JSON');
});

test("the file's enumerations are the engine's and the data's names", () => {
  assert.deepEqual([...SAVED_ENGINES], [...ENGINE_NAMES]);
  assert.deepEqual([...SAVED_DATASETS], [...DATASET_NAMES]);
});
test('a missing model file is a ModelFormatError naming it', async () => {
  await assert.rejects(loadModel(join(dir, 'nope.json')), (e: unknown) => e instanceof ModelFormatError && /nope\.json: model file not found/.test(e.message));
  const truncated = join(dir, 'truncated.json');
  await writeFile(truncated, (await readFile(join(dir, 'model.json'), 'utf8')).slice(0, 300));
  await assert.rejects(loadModel(truncated), /truncated\.json: not a model file: invalid JSON/);
});

test("the parameters' base64 is the same from Node's Buffer and from the browsers' pieces, at every length and piece boundary", () => {
  for (const length of [0, 1, 2, 3, 4095, 4096, 4097, 3 * 4096 + 2, 100_003]) {
    const bytes = new Uint8Array(length).map((_, i) => (i * 131 + (i >> 8)) & 255);
    const text = toBase64(bytes.subarray(0));
    assert.equal(text, toBase64InPieces(bytes), `length ${length}`);
    assert.deepEqual(fromBase64(text), bytes, `length ${length}`);
  }
  // A view into a larger buffer encodes only its own bytes.
  const wide = new Uint8Array(64).map((_, i) => i);
  assert.equal(toBase64(wide.subarray(5, 17)), toBase64InPieces(new Uint8Array(wide.subarray(5, 17))));
});
