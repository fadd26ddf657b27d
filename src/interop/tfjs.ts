// TensorFlow.js Layers format: model.json (a Keras-style Sequential topology plus a weightsManifest) and
// float32 little-endian .bin shards. Dense kernels are [in, out] there; ours are [out][in].
import { ModelFormatError } from '../errors.js';
import type { SavedModel } from '../model/file.js';
import { checkLayerSize, denseLayers, modelFromDense } from './dense.js';
import type { DenseActivation, DenseLayer } from './dense.js';

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

export interface TfjsLayerConfig {
  class_name: string;
  config: Record<string, unknown>;
}

/** The parts of model.json that tf.loadLayersModel reads. */
export interface TfjsModelJson {
  format: 'layers-model';
  generatedBy: string;
  convertedBy: null;
  modelTopology: { class_name: 'Sequential'; config: { name: string; layers: TfjsLayerConfig[] }; keras_version: string; backend: string };
  weightsManifest: { paths: string[]; weights: TfjsWeightSpec[] }[];
}

export interface TfjsExport {
  modelJson: TfjsModelJson;
  /** Weight files, named as model.json's weightsManifest lists them (relative to model.json). */
  shards: { path: string; data: Uint8Array }[];
}

/** The TF.js converter's shard size: files a browser caches well. */
export const TFJS_SHARD_BYTES = 4 * 1024 * 1024;

/** A TF.js Layers model of the same network, weights rounded to float32. */
export function exportTfjs(model: SavedModel, options: { shardBytes?: number } = {}): TfjsExport {
  const layers = denseLayers(model);
  const weights: TfjsWeightSpec[] = [];
  let total = 0;
  for (const layer of layers) {
    weights.push({ name: `${layer.name}/kernel`, shape: [layer.inputs, layer.outputs], dtype: 'float32' });
    weights.push({ name: `${layer.name}/bias`, shape: [layer.outputs], dtype: 'float32' });
    total += layer.inputs * layer.outputs + layer.outputs;
  }
  const data = new Float32Array(total);
  let at = 0;
  for (const layer of layers) {
    for (let i = 0; i < layer.inputs; i++) {
      for (let o = 0; o < layer.outputs; o++) data[at++] = layer.weights[o * layer.inputs + i];
    }
    data.set(layer.biases, at);
    at += layer.outputs;
  }
  const bytes = new Uint8Array(data.buffer);
  const shardBytes = options.shardBytes ?? TFJS_SHARD_BYTES;
  const count = Math.max(1, Math.ceil(bytes.length / shardBytes));
  const shards = Array.from({ length: count }, (_, k) => ({ path: `group1-shard${k + 1}of${count}.bin`, data: bytes.subarray(k * shardBytes, (k + 1) * shardBytes) }));
  const config = (layer: DenseLayer, l: number): TfjsLayerConfig => ({
    class_name: 'Dense',
    config: {
      name: layer.name,
      trainable: true,
      dtype: 'float32',
      units: layer.outputs,
      activation: layer.activation,
      use_bias: true,
      ...(l === 0 ? { batch_input_shape: [null, layer.inputs] } : {}),
    },
  });
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: 'mnist-wasm',
      convertedBy: null,
      modelTopology: { class_name: 'Sequential', config: { name: 'sequential', layers: layers.map(config) }, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' },
      weightsManifest: [{ paths: shards.map((s) => s.path), weights }],
    },
    shards,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** length float32 values stored little-endian from byte offset at (a plain copy on little-endian machines). */
function float32le(bytes: Uint8Array, at: number, length: number): Float32Array {
  if (LITTLE_ENDIAN) return new Float32Array(bytes.slice(at, at + 4 * length).buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  return Float32Array.from({ length }, (_, i) => view.getFloat32(at + 4 * i, true));
}

/** Reads one weight file named in the manifest; throws a ModelFormatError naming it when it is missing. */
export type ShardReader = (path: string) => Promise<Uint8Array>;

const ACTIVATIONS: readonly string[] = ['sigmoid', 'relu', 'softmax'];

/** The Sequential layers of a Keras or TF.js topology (both nestings), as Dense layers without weights yet. */
function readTopology(doc: Record<string, unknown>, file: string): { name: string; inputs: number; outputs: number; activation: DenseActivation }[] {
  let topology = doc.modelTopology;
  if (isRecord(topology) && isRecord(topology.model_config)) topology = topology.model_config;
  if (!isRecord(topology)) throw new ModelFormatError(file, 'not a TF.js Layers model: no "modelTopology"');
  if (topology.class_name !== 'Sequential') {
    throw new ModelFormatError(file, `a ${JSON.stringify(topology.class_name)} model cannot be imported: only Sequential models of Dense layers`);
  }
  const config = topology.config;
  const list: unknown = Array.isArray(config) ? config : isRecord(config) ? config.layers : undefined;
  if (!Array.isArray(list)) throw new ModelFormatError(file, 'the Sequential model has no "layers" list');
  const dense: { name: string; inputs: number; outputs: number; activation: DenseActivation }[] = [];
  let width: number | undefined;
  const inputShape = (name: string, c: Record<string, unknown>): void => {
    const shape = c.batch_input_shape ?? c.batch_shape;
    if (shape === undefined) return;
    if (!Array.isArray(shape) || shape.length !== 2) {
      throw new ModelFormatError(file, `layer "${name}": input shape ${JSON.stringify(shape)} is not supported: the model must take flat vectors [null, N]`);
    }
    width = checkLayerSize(file, name, 'input size', shape[1]);
  };
  for (const entry of list as unknown[]) {
    if (!isRecord(entry) || !isRecord(entry.config)) throw new ModelFormatError(file, 'a layer entry is not {"class_name", "config"}');
    const c = entry.config;
    const name = typeof c.name === 'string' ? c.name : `#${dense.length + 1}`;
    const kind = String(entry.class_name);
    if (kind === 'InputLayer') {
      inputShape(name, c);
    } else if (kind === 'Dense') {
      inputShape(name, c);
      if (width === undefined) throw new ModelFormatError(file, `layer "${name}": the first layer has no batch_input_shape`);
      if (c.use_bias === false) throw new ModelFormatError(file, `layer "${name}": a Dense layer without bias (use_bias false) cannot be represented`);
      const activation = c.activation ?? 'linear';
      if (typeof activation !== 'string' || !(ACTIVATIONS.includes(activation) || activation === 'linear')) {
        throw new ModelFormatError(file, `layer "${name}": activation ${JSON.stringify(activation)} is not supported (sigmoid, relu, softmax)`);
      }
      const outputs = checkLayerSize(file, name, 'units', c.units);
      dense.push({ name, inputs: width, outputs, activation: activation as DenseActivation });
      width = outputs;
    } else if (kind === 'Activation' && dense.length > 0 && dense[dense.length - 1].activation === 'linear') {
      // Dense(linear) followed by Activation(f) is Dense(f).
      if (typeof c.activation !== 'string' || !ACTIVATIONS.includes(c.activation)) {
        throw new ModelFormatError(file, `layer "${name}": activation ${JSON.stringify(c.activation)} is not supported (sigmoid, relu, softmax)`);
      }
      dense[dense.length - 1].activation = c.activation as DenseActivation;
    } else if (kind !== 'Dropout') {
      // Dropout is the identity at inference.
      throw new ModelFormatError(file, `layer "${name}" (${kind}) cannot be represented: only Dense layers (with InputLayer, Activation, Dropout)`);
    }
  }
  return dense;
}

/**
 * A trainable model from a TF.js Layers model.json (text) and its weight files: Sequential models of Dense layers
 * with sigmoid or relu hidden layers and a sigmoid or softmax output, float32 weights.
 */
export async function importTfjs(modelJsonText: string, readShard: ShardReader, file = 'model.json'): Promise<SavedModel> {
  let doc: unknown;
  try {
    doc = JSON.parse(modelJsonText);
  } catch (error) {
    throw new ModelFormatError(file, `not a TF.js model: invalid JSON (${(error as Error).message})`);
  }
  if (!isRecord(doc)) throw new ModelFormatError(file, 'not a TF.js model: not a JSON object');
  if (doc.format !== undefined && doc.format !== 'layers-model') {
    throw new ModelFormatError(file, `format ${JSON.stringify(doc.format)} cannot be imported: only TF.js Layers models ("layers-model")`);
  }
  const topology = readTopology(doc, file);
  const manifest = doc.weightsManifest;
  if (!Array.isArray(manifest)) throw new ModelFormatError(file, 'no "weightsManifest" list');
  const tensors = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const group of manifest as unknown[]) {
    if (!isRecord(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights) || !group.paths.every((p) => typeof p === 'string')) {
      throw new ModelFormatError(file, 'a weightsManifest entry is not {"paths": [...], "weights": [...]}');
    }
    const specs = (group.weights as unknown[]).map((w) => {
      if (!isRecord(w) || typeof w.name !== 'string' || !Array.isArray(w.shape) || !w.shape.every((d) => Number.isInteger(d) && d >= 0)) {
        throw new ModelFormatError(file, 'a weight entry is not {"name", "shape", "dtype"}');
      }
      if (w.quantization !== undefined) throw new ModelFormatError(file, `weight "${w.name}": quantized weights are not supported`);
      if (w.dtype !== 'float32') throw new ModelFormatError(file, `weight "${w.name}": dtype ${JSON.stringify(w.dtype)} is not supported (float32)`);
      return { name: w.name, shape: w.shape as number[], length: (w.shape as number[]).reduce((a, b) => a * b, 1) };
    });
    const expected = specs.reduce((sum, s) => sum + s.length * 4, 0);
    const parts: Uint8Array[] = [];
    for (const path of group.paths as string[]) parts.push(await readShard(path));
    const size = parts.reduce((sum, p) => sum + p.length, 0);
    if (size !== expected) {
      throw new ModelFormatError(file, `the weight files ${(group.paths as string[]).join(', ')} hold ${size} bytes; the manifest lists ${expected}`);
    }
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const part of parts) (bytes.set(part, at), (at += part.length));
    at = 0;
    for (const s of specs) {
      tensors.set(s.name, { shape: s.shape, values: float32le(bytes, at, s.length) });
      at += 4 * s.length;
    }
  }
  const find = (layer: string, kind: 'kernel' | 'bias', shape: number[]): Float32Array => {
    const key = [...tensors.keys()].find((k) => k === `${layer}/${kind}` || k.endsWith(`/${layer}/${kind}`));
    if (key === undefined) throw new ModelFormatError(file, `layer "${layer}": no weight "${layer}/${kind}" in the weightsManifest`);
    const tensor = tensors.get(key) as { shape: number[]; values: Float32Array };
    if (tensor.shape.join() !== shape.join()) throw new ModelFormatError(file, `layer "${layer}": ${kind} has shape [${tensor.shape}], expected [${shape}]`);
    return tensor.values;
  };
  const layers: DenseLayer[] = topology.map((t) => {
    const kernel = find(t.name, 'kernel', [t.inputs, t.outputs]);
    const weights = new Float64Array(t.inputs * t.outputs);
    for (let i = 0; i < t.inputs; i++) {
      for (let o = 0; o < t.outputs; o++) weights[o * t.inputs + i] = kernel[i * t.outputs + o];
    }
    return { ...t, weights, biases: Float64Array.from(find(t.name, 'bias', [t.outputs])) };
  });
  return modelFromDense(layers, file);
}
