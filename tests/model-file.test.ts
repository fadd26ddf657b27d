// The model file: exact round trip, atomic save, and rejection of anything that cannot be trusted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Network } from '../src/engine/network.js';
import { ModelFormatError } from '../src/errors.js';
import { loadModel, saveModel } from '../src/model/file-node.js';
import { parseModel, serializeModel } from '../src/model/file.js';
import type { SavedModel } from '../src/model/file.js';
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
test('rejects a broken training state', () => reject(variant((d) => (d.state.rngState = [1, 2])), /invalid training state/));
test('a missing model file is a ModelFormatError naming it', async () => {
  await assert.rejects(loadModel(join(dir, 'nope.json')), (e: unknown) => e instanceof ModelFormatError && /nope\.json: model file not found/.test(e.message));
  const truncated = join(dir, 'truncated.json');
  await writeFile(truncated, (await readFile(join(dir, 'model.json'), 'utf8')).slice(0, 300));
  await assert.rejects(loadModel(truncated), /truncated\.json: not a model file: invalid JSON/);
});
