// Runs interrupted (after an epoch, or mid-epoch) and resumed from their TrainerState end bit-identical to runs that
// were not, for the optimizers, schedules and dropout; the best epoch's parameters are restored when asked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../src/engine/network.js';
import { loadMnist } from '../src/data/mnist.js';
import { sliceDataset } from '../src/data/dataset.js';
import { train } from '../src/train/trainer.js';
import type { TrainOptions } from '../src/train/trainer.js';
import type { TrainerState } from '../src/model/state.js';
import { MNIST_DIR, spec, syntheticData } from './helpers.js';

const split = await loadMnist(MNIST_DIR, { trainSize: 500 });
const data = { train: split.train, validation: sliceDataset(split.test, 0, 200) };
const SPEC = spec([784, 24, 16, 10]);
const create = (parameters?: Float64Array) => Network.create(SPEC, { engine: 'wasm', simd: 'standard', init: { seed: 3 }, parameters });

const RUNS: Record<string, Omit<TrainOptions, 'epochs' | 'batchSize'>> = {
  momentum: { optimizer: { name: 'momentum' }, eta: 0.05, lambda: 1, seed: 2 },
  'adam with a step schedule': { optimizer: { name: 'adam' }, eta: 0.003, schedule: { name: 'step', stepSize: 1, gamma: 0.5 }, seed: 2 },
  'nesterov with dropout, input dropout, max-norm and a cosine schedule': { optimizer: { name: 'nesterov', momentum: 0.8 }, eta: 0.05, schedule: { name: 'cosine', etaMin: 0.005 }, regularization: { dropout: 0.3, inputDropout: 0.2, maxNorm: 1.5 }, seed: 2 },
};
const EPOCHS = 3;

/** Trains the run, aborting where `stopAt` says (epoch, and mini-batch or 0 for the epoch's end); returns the network and result. */
async function run(settings: Omit<TrainOptions, 'epochs' | 'batchSize'>, stopAt?: { epoch: number; batch: number }, from?: { parameters: Float64Array; state: TrainerState }) {
  const network = await create(from?.parameters);
  const controller = new AbortController();
  const result = await train(network, data, {
    ...settings, epochs: EPOCHS, batchSize: 10, resume: from?.state, signal: controller.signal,
    hooks: {
      onBatch: (e) => void (stopAt && e.epoch === stopAt.epoch && e.batch === stopAt.batch && controller.abort()),
      onEpoch: (m) => void (stopAt && stopAt.batch === 0 && m.epoch === stopAt.epoch && controller.abort()),
    },
  });
  return { network, result };
}

for (const [name, settings] of Object.entries(RUNS)) {
  test(`${name}: interrupted after epoch 1 or in the middle of epoch 2, resumed from the state, ends bit-identical`, async () => {
    const straight = await run(settings);
    assert.equal(straight.result.metrics.length, EPOCHS);
    for (const stopAt of [{ epoch: 1, batch: 0 }, { epoch: 2, batch: 17 }]) {
      const first = await run(settings, stopAt);
      assert.equal(first.result.stopped, 'aborted');
      const { state } = first.result;
      assert.deepEqual([state.epochsDone, state.batchesDone], stopAt.batch ? [1, 17] : [1, 0]);
      assert.equal(state.optimizer?.moments.length, name.startsWith('adam') ? 2 : 1, 'the state carries the moments');
      const resumed = await run(settings, undefined, { parameters: first.network.getParameters(), state });
      assert.deepEqual(resumed.network.getParameters(), straight.network.getParameters(), `stopped at ${JSON.stringify(stopAt)}`);
      assert.deepEqual(resumed.result.metrics.map((m) => m.eta), straight.result.metrics.slice(state.epochsDone).map((m) => m.eta));
      // Without the optimizer's and generators' states the same resume ends elsewhere: the test can tell.
      const amnesic = await run(settings, undefined, { parameters: first.network.getParameters(), state: { ...state, optimizer: undefined, generators: undefined } });
      assert.notDeepEqual(amnesic.network.getParameters(), straight.network.getParameters());
    }
  });
}

test('the schedule sets each epoch\'s eta, and the metrics record it', async () => {
  const { result } = await run({ eta: 0.4, schedule: { name: 'step', stepSize: 2, gamma: 0.5, warmup: 1 } });
  assert.deepEqual(result.metrics.map((m) => m.eta), [0.2, 0.4, 0.4]);
});

test('keepBest ends with the best epoch\'s parameters and state; early stopping restores them too, saying so', async () => {
  // Random labels: validation accuracy wanders, so the best epoch is not the last one.
  const noisy = { train: syntheticData(200, 12, 4, 3), validation: syntheticData(100, 12, 4, 4) };
  const settings = { epochs: 8, batchSize: 10, eta: 3, seed: 5 };
  const trainNoisy = async (extra: Partial<TrainOptions>) => {
    const network = await Network.create(spec([12, 16, 4]), { engine: 'wasm', simd: 'standard', init: { seed: 5 } });
    const seen = new Map<number, Float64Array>();
    const result = await train(network, noisy, { ...settings, ...extra, hooks: { onEpoch: (m) => void seen.set(m.epoch, network.getParameters()) } });
    return { network, result, seen };
  };
  const kept = await trainNoisy({ keepBest: true });
  const best = kept.result.bestEpoch as number;
  assert.ok(best < kept.result.metrics.length, `the best epoch (${best}) is not the last`);
  assert.equal(kept.result.stopped, 'completed');
  assert.equal(kept.result.restoredBestEpoch, best);
  assert.deepEqual(kept.network.getParameters(), kept.seen.get(best));
  assert.equal(kept.result.state.epochsDone, best);

  const plain = await trainNoisy({});
  assert.equal(plain.result.restoredBestEpoch, undefined);
  assert.deepEqual(plain.network.getParameters(), plain.seen.get(settings.epochs));

  const early = await trainNoisy({ earlyStopping: 2 });
  assert.equal(early.result.stopped, 'early-stopping');
  assert.equal(early.result.restoredBestEpoch, early.result.bestEpoch);
  assert.ok(early.result.metrics.length > (early.result.bestEpoch as number));
  assert.deepEqual(early.network.getParameters(), early.seen.get(early.result.bestEpoch as number));
});

test('keepBest and early stopping continue across an interruption, also through a model file: the same best epoch, the same end', async () => {
  const { parseModel, serializeModel } = await import('../src/model/file.js');
  const noisy = { train: syntheticData(200, 12, 4, 3), validation: syntheticData(100, 12, 4, 4) };
  const net = () => Network.create(spec([12, 16, 4]), { engine: 'wasm', simd: 'standard', init: { seed: 5 } });
  for (const extra of [{ keepBest: true }, { earlyStopping: 2 }] as Partial<TrainOptions>[]) {
    const settings = { epochs: 8, batchSize: 10, eta: 3, seed: 5, optimizer: { name: 'momentum' as const, momentum: 0.5 }, ...extra };
    const straightNet = await net();
    const straight = await train(straightNet, noisy, settings);
    assert.ok(straight.restoredBestEpoch !== undefined, 'the straight run ends on its best epoch');
    const bestEpoch = straight.bestEpoch as number;
    // Stop after the best epoch (so the resumed run must remember it), and once before it.
    for (const stopAfter of [bestEpoch, Math.max(1, bestEpoch - 1)]) {
      const firstNet = await net();
      const controller = new AbortController();
      const first = await train(firstNet, noisy, { ...settings, signal: controller.signal, hooks: { onEpoch: (m) => void (m.epoch === stopAfter && controller.abort()) } });
      assert.equal(first.stopped, 'aborted');
      assert.equal(first.state.best?.epoch, first.bestEpoch, 'the state names the best epoch so far');
      const layout = firstNet.layout;
      const file = parseModel(serializeModel({ spec: firstNet.spec, layout, parameters: firstNet.getParameters(), training: undefined, state: first.state, metrics: [] }), 'ck.json');
      // The file has no training block: its optimizer is read as sgd, so parse the state as the momentum run's.
      const state = file.state ?? first.state;
      const resumedNet = await Network.create(spec([12, 16, 4]), { engine: 'wasm', simd: 'standard', parameters: file.parameters });
      const resumed = await train(resumedNet, noisy, { ...settings, resume: { ...state, optimizer: first.state.optimizer } });
      assert.equal(resumed.stopped, straight.stopped, `${JSON.stringify(extra)} stopped after ${stopAfter}`);
      assert.equal(resumed.restoredBestEpoch, straight.restoredBestEpoch);
      assert.equal(resumed.bestEpoch, straight.bestEpoch);
      assert.deepEqual(resumedNet.getParameters(), straightNet.getParameters(), `${JSON.stringify(extra)} stopped after ${stopAfter}`);
      // Without the best so far the resumed run forgets it and ends elsewhere (or later): the test can tell.
      if (stopAfter === bestEpoch) {
        const amnesicNet = await Network.create(spec([12, 16, 4]), { engine: 'wasm', simd: 'standard', parameters: file.parameters });
        await train(amnesicNet, noisy, { ...settings, resume: { ...state, optimizer: first.state.optimizer, best: undefined } });
        assert.notDeepEqual(amnesicNet.getParameters(), straightNet.getParameters());
      }
    }
  }
});
