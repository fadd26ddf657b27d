// The trainer's contract: hooks, full-batch gradient descent, early stopping, abort and exact resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../src/engine/network.js';
import { train } from '../src/train/trainer.js';
import type { TrainerState } from '../src/model/state.js';
import { spec, syntheticData } from './helpers.js';

const LAYERS = [12, 6, 3];
const data = syntheticData(60, 12, 3, 5);
const validation = syntheticData(30, 12, 3, 6);
const network = (seed = 1) => Network.create(spec(LAYERS), { engine: 'wasm', simd: 'standard', init: { seed } });

test('hooks: onBatch after every mini-batch, onEpoch after every epoch, onEnd once; the library prints nothing', async () => {
  const batches: number[] = [];
  const epochs: number[] = [];
  let ends = 0;
  const log = console.log;
  let printed = 0;
  console.log = () => void printed++;
  try {
    const result = await train(await network(), { train: data, validation }, {
      epochs: 3, batchSize: 25, eta: 0.5,
      hooks: { onBatch: (e) => void batches.push(e.examples), onEpoch: (m) => void epochs.push(m.epoch), onEnd: () => void ends++ },
    });
    assert.equal(result.metrics.length, 3);
  } finally {
    console.log = log;
  }
  assert.deepEqual(batches, [25, 50, 60, 25, 50, 60, 25, 50, 60], 'the last mini-batch of an epoch holds the remainder');
  assert.deepEqual(epochs, [1, 2, 3]);
  assert.equal(ends, 1);
  assert.equal(printed, 0);
});

test('a batch as large as the training set is full-batch gradient descent: one step per epoch, whatever the shuffle', async () => {
  let steps = 0;
  const a = await network(2);
  await train(a, { train: data }, { epochs: 2, batchSize: 60, eta: 0.5, seed: 1, hooks: { onBatch: () => void steps++ } });
  const b = await network(2);
  await train(b, { train: data }, { epochs: 2, batchSize: 60, eta: 0.5, seed: 99 });
  assert.equal(steps, 2);
  // The shuffle cannot matter when every example is in the one batch (up to summation order).
  const pa = a.getParameters(), pb = b.getParameters();
  assert.ok(pa.every((v, i) => Math.abs(v - pb[i]) < 1e-12));
});

test('early stopping ends the run when validation accuracy has not improved for N epochs', async () => {
  // A learning rate too small to change any prediction: accuracy is flat from the first epoch.
  const result = await train(await network(3), { train: data, validation }, { epochs: 20, batchSize: 10, eta: 1e-12, earlyStopping: 2 });
  assert.equal(result.stopped, 'early-stopping');
  assert.equal(result.metrics.length, 3);
  assert.equal(result.bestEpoch, 1);
});

test('aborting mid-epoch and resuming from the state gives the parameters of an uninterrupted run', async () => {
  const settings = { epochs: 3, batchSize: 7, eta: 0.3, lambda: 1, seed: 4 };
  const straight = await network(4);
  await train(straight, { train: data }, settings);

  const interrupted = await network(4);
  const controller = new AbortController();
  let state: TrainerState | undefined;
  const first = await train(interrupted, { train: data }, {
    ...settings, signal: controller.signal,
    hooks: { onBatch: (e) => void (e.epoch === 2 && e.batch === 4 && controller.abort()) },
  });
  state = first.state;
  assert.equal(first.stopped, 'aborted');
  assert.deepEqual([state.epochsDone, state.batchesDone], [1, 4]);
  const resumed = await Network.create(spec(LAYERS), { engine: 'wasm', simd: 'standard', parameters: interrupted.getParameters() });
  const second = await train(resumed, { train: data }, { ...settings, resume: state });
  assert.equal(second.stopped, 'completed');
  assert.deepEqual(resumed.getParameters(), straight.getParameters());
});
