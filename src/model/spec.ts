import { ConfigError } from '../errors.js';

export type HiddenActivation = 'sigmoid' | 'relu';
export type OutputActivation = 'sigmoid' | 'softmax';
export type CostName = 'cross-entropy' | 'quadratic';
/** normal: N(0,1); scaled: N(0,1/n_in); small: N(0,0.01). The second argument is the variance. */
export type WeightInit = 'normal' | 'scaled' | 'small';
export type BiasInit = 'normal' | 'zero';

/** What a network is: sizes of every layer (input first) and how it computes and is judged. */
export interface NetworkSpec {
  layers: number[];
  activation: HiddenActivation;
  outputActivation: OutputActivation;
  cost: CostName;
}

export const CANONICAL_SPEC: NetworkSpec = Object.freeze({
  layers: [784, 192, 30, 10],
  activation: 'sigmoid',
  outputActivation: 'sigmoid',
  cost: 'cross-entropy',
}) as NetworkSpec;

export const HIDDEN_ACTIVATIONS: readonly HiddenActivation[] = ['sigmoid', 'relu'];
export const OUTPUT_ACTIVATIONS: readonly OutputActivation[] = ['sigmoid', 'softmax'];
export const COSTS: readonly CostName[] = ['cross-entropy', 'quadratic'];
export const WEIGHT_INITS: readonly WeightInit[] = ['normal', 'scaled', 'small'];
export const BIAS_INITS: readonly BiasInit[] = ['normal', 'zero'];

/** Largest layer the engines accept; keeps every buffer offset well inside 32-bit wasm memory. */
export const MAX_LAYER_SIZE = 1 << 16;

function oneOf<T extends string>(what: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(`${what} must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
}

/** Checks a spec from any source (CLI flags, a model file) and returns a clean copy. */
export function validateSpec(spec: Partial<NetworkSpec>): NetworkSpec {
  const layers = spec.layers;
  if (!Array.isArray(layers) || layers.length < 2) {
    throw new ConfigError('layers must list at least an input and an output size, e.g. 784,192,30,10');
  }
  for (const size of layers) {
    if (!Number.isInteger(size) || size < 1 || size > MAX_LAYER_SIZE) {
      throw new ConfigError(`every layer size must be an integer from 1 to ${MAX_LAYER_SIZE} (got ${String(size)})`);
    }
  }
  if (layers[layers.length - 1] < 2) throw new ConfigError('the output layer needs at least 2 classes');
  return {
    layers: [...layers],
    activation: oneOf('activation', spec.activation ?? 'sigmoid', HIDDEN_ACTIVATIONS),
    outputActivation: oneOf('output activation', spec.outputActivation ?? 'sigmoid', OUTPUT_ACTIVATIONS),
    cost: oneOf('cost', spec.cost ?? 'cross-entropy', COSTS),
  };
}

/** Where one layer's weights (outputs x inputs, row-major [out][in]) and biases sit in the flat buffer. */
export interface LayerLayout {
  inputs: number;
  outputs: number;
  /** Offset in f64 elements of the weight matrix. */
  weights: number;
  /** Offset in f64 elements of the bias vector. */
  biases: number;
}

/** The layout table: every layer's offsets into one flat Float64Array of `size` parameters. */
export interface ParameterLayout {
  layers: LayerLayout[];
  size: number;
}

/** Weights then biases, layer after layer; each tensor starts on an even offset so f64x2 loads stay 16-byte aligned. */
export function parameterLayout(sizes: readonly number[]): ParameterLayout {
  const layers: LayerLayout[] = [];
  let offset = 0;
  const even = (n: number): number => n + (n & 1);
  for (let l = 1; l < sizes.length; l++) {
    const inputs = sizes[l - 1];
    const outputs = sizes[l];
    const weights = offset;
    offset = even(offset + inputs * outputs);
    const biases = offset;
    offset = even(offset + outputs);
    layers.push({ inputs, outputs, weights, biases });
  }
  return { layers, size: offset };
}
