// What the interop tests share: two small networks trained quickly on real MNIST, 1,000 test images, and a
// comparison of probabilities with another runtime's.
import assert from 'node:assert/strict';
import { loadMnist } from '../src/data/mnist.js';
import type { MnistSplit } from '../src/data/split.js';
import { Network } from '../src/engine/network.js';
import type { SavedModel } from '../src/model/file.js';
import type { NetworkSpec } from '../src/model/spec.js';
import { train } from '../src/train/trainer.js';
import { MNIST_DIR } from './helpers.js';

export const COUNT = 1000;
// float32 weights and float32 arithmetic in the other runtimes: outputs in [0, 1] agree to better than 1e-6 (measured).
export const FLOAT32_TOLERANCE = 1e-5;

export interface Trained {
  label: string;
  model: SavedModel;
  /** Our probabilities for the first COUNT test images. */
  probabilities: Float64Array;
}

export interface Fixture {
  data: MnistSplit;
  pixels64: Float64Array;
  pixels32: Float32Array;
  trained: Trained[];
}

/** One epoch on 3,000 images: a sigmoid net and a relu/softmax net with two hidden layers. */
export async function trainFixture(): Promise<Fixture> {
  const data = await loadMnist(MNIST_DIR, { trainSize: 3000 });
  const pixels64 = Float64Array.from(data.test.images.subarray(0, COUNT * 784), (v) => v / 255);
  const trainSmall = async (spec: Partial<NetworkSpec>, label: string): Promise<Trained> => {
    const network = await Network.create(spec, { init: { seed: 3 } });
    await train(network, { train: data.train }, { epochs: 1, batchSize: 10, eta: spec.activation === 'relu' ? 0.1 : 0.5, seed: 3 });
    const model: SavedModel = { spec: network.spec, layout: network.layout, parameters: network.getParameters(), metrics: [] };
    return { label, model, probabilities: network.predict(pixels64) };
  };
  const trained = [
    await trainSmall({ layers: [784, 30, 10] }, 'sigmoid/sigmoid [784, 30, 10]'),
    await trainSmall({ layers: [784, 24, 16, 10], activation: 'relu', outputActivation: 'softmax' }, 'relu/softmax [784, 24, 16, 10]'),
  ];
  return { data, pixels64, pixels32: Float32Array.from(pixels64), trained };
}

function argmax(values: ArrayLike<number>, row: number, classes: number): number {
  let best = 0;
  for (let k = 1; k < classes; k++) if (values[row * classes + k] > values[row * classes + best]) best = k;
  return best;
}

/** Max |ours - theirs| and how many rows pick a different digit. */
export function agreement(ours: Float64Array, theirs: ArrayLike<number>, classes = 10): { maxDiff: number; argmaxDiffers: number } {
  assert.equal(theirs.length, ours.length);
  let maxDiff = 0;
  let argmaxDiffers = 0;
  for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i] - theirs[i]));
  for (let r = 0; r < ours.length / classes; r++) if (argmax(ours, r, classes) !== argmax(theirs, r, classes)) argmaxDiffers++;
  return { maxDiff, argmaxDiffers };
}
