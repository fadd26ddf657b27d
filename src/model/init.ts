import type { BiasInit, ParameterLayout, WeightInit } from './spec.js';
import { Random } from '../util/random.js';

export interface InitOptions {
  weights?: WeightInit;
  biases?: BiasInit;
  seed?: number;
}

export const DEFAULT_INIT: Required<InitOptions> = { weights: 'scaled', biases: 'normal', seed: 1 };

/** Standard deviation of the weights entering a layer with `inputs` inputs. */
function weightStd(init: WeightInit, inputs: number): number {
  if (init === 'normal') return 1;
  if (init === 'small') return 0.1; // variance 0.01
  return 1 / Math.sqrt(inputs);
}

/** Fresh parameters in the flat layout: layer by layer, weights (row-major [out][in]) then biases. */
export function initParameters(layout: ParameterLayout, options: InitOptions = {}): Float64Array {
  const { weights, biases, seed } = { ...DEFAULT_INIT, ...options };
  const random = new Random(seed);
  const params = new Float64Array(layout.size);
  for (const layer of layout.layers) {
    const std = weightStd(weights, layer.inputs);
    const count = layer.inputs * layer.outputs;
    for (let i = 0; i < count; i++) params[layer.weights + i] = random.normal() * std;
    if (biases === 'normal') {
      for (let j = 0; j < layer.outputs; j++) params[layer.biases + j] = random.normal();
    }
  }
  return params;
}
