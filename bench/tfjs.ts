// TensorFlow.js doing the same training (f32): the canonical layer sizes, sigmoid, the same cross-entropy
// summed over outputs and averaged over the mini-batch, plain SGD. Optional: used when @tensorflow/* is installed.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Dataset } from '../data/dataset.js';

export interface TfjsContender {
  backend: string;
  trainBatch(rows: Uint32Array): void;
  infer(first: number, count: number): void;
  dispose(): void;
}

type Tf = typeof import('@tensorflow/tfjs-core');

/** Loads TensorFlow.js with the given backend ('cpu' or 'wasm'); undefined with the reason when unavailable. */
export async function createTfjsContender(backend: 'cpu' | 'wasm', data: Dataset, layers: number[], eta: number): Promise<TfjsContender | string> {
  let tf: Tf;
  try {
    // The CommonJS builds, so that tfjs (which registers the gradients), its cpu backend and the wasm
    // backend share one tfjs-core instance.
    const require = createRequire(import.meta.url);
    tf = require('@tensorflow/tfjs') as Tf;
    if (backend === 'wasm') {
      const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
    }
  } catch (error) {
    return `TensorFlow.js is not installed (${(error as Error).message.split('\n')[0]})`;
  }
  // Production mode: no debug checks, and no "install tfjs-node" banner on stderr (we measure the cpu backend on purpose).
  tf.enableProdMode();
  if (!(await tf.setBackend(backend))) return `TensorFlow.js backend ${backend} did not start`;
  await tf.ready();
  // Both backends live in one tf engine: each contender switches to its own before working (already started, so at once).
  const use = (): void => {
    if (tf.getBackend() !== backend) void tf.setBackend(backend);
  };
  const weights = layers.slice(1).map((n, l) => tf.variable(tf.randomNormal([layers[l], n], 0, 1 / Math.sqrt(layers[l]), 'float32', 1)));
  const biases = layers.slice(1).map((n) => tf.variable(tf.randomNormal([n], 0, 1, 'float32', 2)));
  const optimizer = tf.train.sgd(eta);
  const inputSize = layers[0];
  const classes = layers[layers.length - 1];
  const batchInputs = (rows: ArrayLike<number>): Float32Array => {
    const x = new Float32Array(rows.length * inputSize);
    for (let e = 0; e < rows.length; e++) for (let k = 0; k < inputSize; k++) x[e * inputSize + k] = data.images[rows[e] * inputSize + k] / 255;
    return x;
  };
  const logits = (x: ReturnType<Tf['tensor2d']>) => {
    let a: ReturnType<Tf['tensor2d']> = x;
    weights.forEach((w, l) => {
      const z = tf.add(tf.matMul(a, w), biases[l]) as ReturnType<Tf['tensor2d']>;
      a = l + 1 < weights.length ? tf.sigmoid(z) : z;
    });
    return a;
  };
  return {
    backend: `tfjs-${backend}`,
    trainBatch(rows) {
      use();
      tf.tidy(() => {
        const x = tf.tensor2d(batchInputs(rows), [rows.length, inputSize]);
        const y = tf.oneHot(tf.tensor1d(Array.from(rows, (r) => data.labels[r]), 'int32'), classes);
        optimizer.minimize(() => tf.mean(tf.sum(tf.losses.sigmoidCrossEntropy(y, logits(x), undefined, undefined, tf.Reduction.NONE), 1)) as ReturnType<Tf['scalar']>);
      });
    },
    infer(first, count) {
      use();
      tf.tidy(() => {
        const rows = Array.from({ length: count }, (_, i) => first + i);
        tf.argMax(tf.sigmoid(logits(tf.tensor2d(batchInputs(rows), [count, inputSize]))), 1).dataSync();
      });
    },
    dispose() {
      tf.dispose([...weights, ...biases]);
      optimizer.dispose();
    },
  };
}
