/**
 * mnist-wasm/infer: recognise digits with a trained model and nothing else. Loads a model file (`train --save`)
 * or a TF.js Layers export (`export --format tfjs`) and runs the forward pass in plain TypeScript, f64;
 * no engine, no wasm, no training, charts or dataset readers. Runs the same in Node and browsers.
 */
import { denseLayers } from './interop/dense.js';
import type { DenseLayer } from './interop/dense.js';
import { importTfjs } from './interop/tfjs.js';
import { parseModel } from './model/file.js';
import type { SavedModel } from './model/file.js';
import { ConfigError, ModelFormatError } from './errors.js';

export { rgbaToGray, preprocessDigit } from './image/preprocess.js';
export type { GrayImage } from './image/preprocess.js';
export { segmentDigits } from './image/segment.js';
export { MnistWasmError, ModelFormatError, ConfigError } from './errors.js';
export type { SavedModel } from './model/file.js';

export interface Classifier {
  readonly inputs: number;
  readonly classes: number;
  /** Class probabilities of one or more images (pixels 0 to 1, image after image): classes values per image. */
  predict(pixels: ArrayLike<number>): Float64Array;
  /** The most probable class of one image. */
  classify(pixels: ArrayLike<number>): number;
}

function activate(z: Float64Array, activation: DenseLayer['activation']): void {
  if (activation === 'sigmoid') for (let i = 0; i < z.length; i++) z[i] = 1 / (1 + Math.exp(-z[i]));
  else if (activation === 'relu') for (let i = 0; i < z.length; i++) z[i] = Math.max(0, z[i]);
  else if (activation === 'softmax') {
    // Subtracting the max keeps exp from overflowing.
    const max = z.reduce((a, b) => Math.max(a, b), -Infinity);
    let sum = 0;
    for (let i = 0; i < z.length; i++) sum += z[i] = Math.exp(z[i] - max);
    for (let i = 0; i < z.length; i++) z[i] /= sum;
  }
}

/** A classifier over a model's parameters (weights [out][in], as in the model file). */
export function createClassifier(model: SavedModel): Classifier {
  const layers = denseLayers(model);
  const inputs = layers[0].inputs;
  const classes = layers[layers.length - 1].outputs;
  const forward = (x: Float64Array): Float64Array => {
    for (const layer of layers) {
      const z = new Float64Array(layer.outputs);
      for (let o = 0; o < layer.outputs; o++) {
        let sum = layer.biases[o];
        const row = o * layer.inputs;
        for (let i = 0; i < layer.inputs; i++) sum += layer.weights[row + i] * x[i];
        z[o] = sum;
      }
      activate(z, layer.activation);
      x = z;
    }
    return x;
  };
  const predict = (pixels: ArrayLike<number>): Float64Array => {
    if (pixels.length === 0 || pixels.length % inputs !== 0) throw new ConfigError(`predict needs a multiple of ${inputs} pixel values, got ${pixels.length}`);
    const count = pixels.length / inputs;
    const out = new Float64Array(count * classes);
    const x = new Float64Array(inputs);
    for (let n = 0; n < count; n++) {
      for (let i = 0; i < inputs; i++) x[i] = pixels[n * inputs + i];
      out.set(forward(x), n * classes);
    }
    return out;
  };
  const classify = (pixels: ArrayLike<number>): number => {
    if (pixels.length !== inputs) throw new ConfigError(`classify needs one image of ${inputs} pixel values, got ${pixels.length}`);
    const p = predict(pixels);
    let best = 0;
    for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
    return best;
  };
  return { inputs, classes, predict, classify };
}

/** A classifier from a model file's text. */
export function parseClassifier(text: string, file = 'model.json'): Classifier {
  return createClassifier(parseModel(text, file));
}

/** Fetches a model file or a TF.js model.json (its weight files beside it) and makes a classifier. */
export async function fetchClassifier(url: string | URL, fetcher: typeof fetch = fetch): Promise<Classifier> {
  const base = new URL(url, globalThis.location?.href);
  const get = async (target: URL): Promise<Response> => {
    const response = await fetcher(target).catch((error: unknown) => {
      throw new ModelFormatError(target.href, `cannot be fetched (${String(error)})`);
    });
    if (!response.ok) throw new ModelFormatError(target.href, `HTTP ${response.status}`);
    return response;
  };
  const text = await (await get(base)).text();
  if (text.includes('"weightsManifest"')) {
    return createClassifier(await importTfjs(text, async (path) => new Uint8Array(await (await get(new URL(path, base))).arrayBuffer()), base.href));
  }
  return parseClassifier(text, base.href);
}
