// The standard split of real MNIST: 50,000 / 10,000 (last of the official training file) / 10,000.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadMnist } from '../src/data/mnist.js';
import { ConfigError } from '../src/errors.js';
import { MNIST_DIR } from './helpers.js';

const split = await loadMnist(MNIST_DIR);

test('sizes are 50,000 training, 10,000 validation and 10,000 test images of 784 pixels', () => {
  assert.equal(split.train.count, 50_000);
  assert.equal(split.validation.count, 10_000);
  assert.equal(split.test.count, 10_000);
  for (const set of [split.train, split.validation, split.test]) {
    assert.equal(set.inputSize, 784);
    assert.equal(set.images.length, set.count * 784);
    assert.equal(set.labels.length, set.count);
  }
});

test('training starts at the official first image and validation is its last 10,000', () => {
  assert.deepEqual([...split.train.labels.subarray(0, 10)], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  assert.deepEqual([...split.test.labels.subarray(0, 10)], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  // Label counts of the official training file (published) = training + validation.
  const counts = new Array(10).fill(0);
  for (const set of [split.train, split.validation]) for (const label of set.labels) counts[label]++;
  assert.deepEqual(counts, [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  assert.equal(split.validation.images.byteOffset - split.train.images.byteOffset, 50_000 * 784);
});

test('--train-size keeps the first N training images and the same validation and test sets', async () => {
  const small = await loadMnist(MNIST_DIR, { trainSize: 1000 });
  assert.equal(small.train.count, 1000);
  assert.deepEqual(small.validation.labels, split.validation.labels);
  await assert.rejects(loadMnist(MNIST_DIR, { trainSize: 50_001 }), (e: unknown) => e instanceof ConfigError && /from 1 to 50000/.test(e.message));
});
