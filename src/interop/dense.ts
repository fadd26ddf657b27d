// A model as the list of Dense layers every exchange format describes, and back to a trainable model file.
import { ConfigError, ModelFormatError } from '../errors.js';
import type { SavedModel } from '../model/file.js';
import { Random } from '../util/random.js';
import { MAX_LAYER_SIZE, parameterLayout, validateSpec } from '../model/spec.js';
import type { HiddenActivation, OutputActivation } from '../model/spec.js';

/** What a Dense layer applies; 'linear' only while an importer waits for the activation node after it. */
export type DenseActivation = HiddenActivation | OutputActivation | 'linear';

/** One fully connected layer: weights row-major [out][in] as in our parameter buffer, then biases. */
export interface DenseLayer {
  name: string;
  inputs: number;
  outputs: number;
  activation: DenseActivation;
  weights: Float64Array;
  biases: Float64Array;
}

/** Views of a model's layers into its parameter buffer (no copy). */
export function denseLayers(model: SavedModel): DenseLayer[] {
  const last = model.layout.layers.length - 1;
  return model.layout.layers.map((layer, l) => ({
    name: `dense_${l + 1}`,
    inputs: layer.inputs,
    outputs: layer.outputs,
    activation: l === last ? model.spec.outputActivation : model.spec.activation,
    weights: model.parameters.subarray(layer.weights, layer.weights + layer.inputs * layer.outputs),
    biases: model.parameters.subarray(layer.biases, layer.biases + layer.outputs),
  }));
}

/** Refuses a layer size before anything that size is allocated, so memory stays bounded by what we accept. */
export function checkLayerSize(file: string, layer: string, what: string, size: unknown): number {
  if (!Number.isInteger(size) || (size as number) < 1 || (size as number) > MAX_LAYER_SIZE) {
    throw new ModelFormatError(file, `layer "${layer}": ${what} ${JSON.stringify(size)} is not supported (1 to ${MAX_LAYER_SIZE})`);
  }
  return size as number;
}

function allFinite(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}

/**
 * A model file from imported layers: one hidden activation (sigmoid or relu), output sigmoid or softmax,
 * cross-entropy cost, and a fresh training state so that `train --resume` can continue it.
 */
export function modelFromDense(layers: DenseLayer[], file: string): SavedModel {
  if (layers.length === 0) throw new ModelFormatError(file, 'the model has no Dense layers');
  const output = layers[layers.length - 1];
  if (output.activation !== 'sigmoid' && output.activation !== 'softmax') {
    throw new ModelFormatError(file, `layer "${output.name}": output activation "${output.activation}" is not supported (sigmoid or softmax)`);
  }
  const hidden = layers.slice(0, -1);
  const activation = hidden[0]?.activation ?? 'sigmoid';
  for (const layer of hidden) {
    if (layer.activation !== 'sigmoid' && layer.activation !== 'relu') {
      throw new ModelFormatError(file, `layer "${layer.name}": hidden activation "${layer.activation}" is not supported (sigmoid or relu)`);
    }
    if (layer.activation !== activation) {
      throw new ModelFormatError(file, `layer "${layer.name}": activation "${layer.activation}" differs from "${activation}" before it; every hidden layer must use the same one`);
    }
  }
  layers.forEach((layer, l) => {
    if (l > 0 && layer.inputs !== layers[l - 1].outputs) {
      throw new ModelFormatError(file, `layer "${layer.name}" takes ${layer.inputs} inputs but "${layers[l - 1].name}" gives ${layers[l - 1].outputs}`);
    }
  });
  const sizes = [layers[0].inputs, ...layers.map((layer) => layer.outputs)];
  let spec;
  try {
    spec = validateSpec({ layers: sizes, activation: activation as HiddenActivation, outputActivation: output.activation, cost: 'cross-entropy' });
  } catch (error) {
    if (error instanceof ConfigError) throw new ModelFormatError(file, error.message);
    throw error;
  }
  const layout = parameterLayout(spec.layers);
  const parameters = new Float64Array(layout.size);
  layers.forEach((layer, l) => {
    if (!allFinite(layer.weights) || !allFinite(layer.biases)) throw new ModelFormatError(file, `layer "${layer.name}" holds a non-finite parameter`);
    parameters.set(layer.weights, layout.layers[l].weights);
    parameters.set(layer.biases, layout.layers[l].biases);
  });
  return { spec, layout, parameters, state: { epochsDone: 0, batchesDone: 0, rngState: new Random(1).getState() }, metrics: [] };
}
