// Impossible settings are refused before any work starts, with the limit in the message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../src/engine/network.js';
import { ConfigError } from '../src/errors.js';
import { validateSpec } from '../src/model/spec.js';
import { train } from '../src/train/trainer.js';
import { spec, syntheticData } from './helpers.js';

for (const engine of ['wasm', 'ts'] as const) {
  test(`${engine}: a network too large for engine memory is refused with the limit`, async () => {
    await assert.rejects(Network.create(spec([784, 30000, 30000, 10]), { engine }), (e: unknown) =>
      e instanceof ConfigError && /needs \d+ MiB of engine memory but the limit is 2048 MiB/.test(e.message));
  });
}

test('zero, negative, fractional or too few layer sizes are refused', () => {
  for (const layers of [[784, 0, 10], [784, -3, 10], [784, 2.5, 10], [784], [784, 1]]) {
    assert.throws(() => validateSpec({ layers }), ConfigError, JSON.stringify(layers));
  }
  assert.throws(() => validateSpec({ layers: [4, 3], activation: 'tanh' as never }), /activation must be one of sigmoid, relu/);
});

test('data that does not fit the network is refused on upload', async () => {
  const network = await Network.create(spec([8, 4, 3]), { engine: 'wasm' });
  assert.throws(() => network.upload(syntheticData(5, 9, 3)), /the data has 9 inputs per example but the network's input layer has 8/);
  const data = syntheticData(5, 8, 3);
  data.labels[2] = 7;
  assert.throws(() => network.upload(data), /label 7 found but the network's output layer has only 3 classes/);
});

test('a batch larger than the data, or a non-positive eta, is refused before training', async () => {
  const network = await Network.create(spec([8, 4, 3]), { engine: 'ts' });
  const data = syntheticData(5, 8, 3);
  await assert.rejects(train(network, { train: data }, { epochs: 1, batchSize: 6, eta: 0.1 }), /batch size 6 is larger than the 5 training examples/);
  await assert.rejects(train(network, { train: data }, { epochs: 1, batchSize: 2, eta: 0 }), /eta must be a positive number/);
  await assert.rejects(train(network, { train: data }, { epochs: 0, batchSize: 2, eta: 1 }), /epochs must be a positive integer/);
});
