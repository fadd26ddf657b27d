// One of our engines timed alone in its own worker thread. A user's `train` runs one network in its process;
// when the bench ran all of them in one thread, the host code the engines share was compiled for every kind of
// network at once, and the two-thread engine's serial part ran about 20% slower than in `train`.
import { parentPort, workerData } from 'node:worker_threads';
import type { Dataset } from '../data/dataset.js';
import { Network } from '../engine/network.js';
import type { EngineOptions } from '../engine/network.js';
import { CANONICAL_SPEC } from '../model/spec.js';
import { benchOrder, INFER_COUNT, timeRound } from './timing.js';
import type { RoundOptions, RoundSamples } from './timing.js';

/** What the bench starts a contender with: the data are views over shared memory, so nothing is copied. */
export interface ContenderInit {
  options: EngineOptions;
  eta: number;
  train: Dataset;
  test: Dataset;
}

/** The bench's requests: a round of timing (answered with its samples), or the end. */
export type ContenderRequest = { kind: 'round'; options: RoundOptions } | { kind: 'stop' };
export type ContenderReply = { kind: 'ready' } | { kind: 'samples'; samples: RoundSamples };

const port = parentPort;
if (!port) throw new Error('bench/contender.js runs as a worker thread');
const init = workerData as ContenderInit;
const network = await Network.create(CANONICAL_SPEC, { ...init.options, init: { seed: 1 } });
const train = network.upload(init.train);
const test = network.upload(init.test);
const order = benchOrder(init.train.count);
const cursor = { at: 0 };
const timed = {
  trainBatch: (rows: Uint32Array) => network.trainBatch(train, rows, { eta: init.eta }),
  infer: () => void network.evaluate(test, 0, INFER_COUNT),
};
const reply = (message: ContenderReply): void => port.postMessage(message);
port.on('message', (request: ContenderRequest) => {
  if (request.kind === 'stop') {
    network.dispose();
    port.close();
    return;
  }
  // An error thrown here ends the worker with it; the bench reports it.
  void timeRound(timed, order, cursor, request.options).then((samples) => reply({ kind: 'samples', samples }));
});
reply({ kind: 'ready' });
