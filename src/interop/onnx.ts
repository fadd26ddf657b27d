// ONNX: a chain of Gemm (transB = 1, so our [out][in] weights go in as they are) and Sigmoid / Relu / Softmax
// nodes over an input [N, inputs] with a symbolic batch dimension, encoded with protobufjs from the ONNX schema.
import protobuf from 'protobufjs/light.js';
import { ModelFormatError } from '../errors.js';
import type { SavedModel } from '../model/file.js';
import { checkLayerSize, denseLayers, modelFromDense } from './dense.js';
import type { DenseActivation, DenseLayer } from './dense.js';
import { ONNX_SCHEMA } from './onnx-schema.js';

// TensorProto.DataType and AttributeProto.AttributeType values used here.
const FLOAT = 1;
const DOUBLE = 11;
const ATTRIBUTE_INT = 2;
const OPSET = 13;
const IR_VERSION = 7; // the IR version that came with opset 13

export interface OnnxExportOptions {
  /** float32 (the default, what every runtime runs) or float64 (our parameters exactly). */
  dtype?: 'float32' | 'float64';
}

interface OnnxTensor { name: string; dims: number[]; dataType: number; rawData?: Uint8Array; floatData?: number[]; doubleData?: number[] }
interface OnnxAttribute { name: string; type?: number; i?: number; f?: number }
interface OnnxNode { name?: string; opType: string; input: string[]; output: string[]; attribute?: OnnxAttribute[] }
interface OnnxDim { dimValue?: number; dimParam?: string }
interface OnnxValueInfo { name: string; type?: { tensorType?: { elemType?: number; shape?: { dim?: OnnxDim[] } } } }
interface OnnxGraph { name?: string; node?: OnnxNode[]; initializer?: OnnxTensor[]; input?: OnnxValueInfo[]; output?: OnnxValueInfo[] }
interface OnnxModel { irVersion?: number; opsetImport?: { domain?: string; version?: number }[]; producerName?: string; producerVersion?: string; graph?: OnnxGraph }

let modelProto: protobuf.Type | undefined;
/** Built on first use: every CLI command imports this module, few of them touch ONNX. */
function ModelProtoType(): protobuf.Type {
  modelProto ??= protobuf.Root.fromJSON(ONNX_SCHEMA as protobuf.INamespace).lookupType('onnx.ModelProto');
  return modelProto;
}

const OP_OF: Record<string, string> = { sigmoid: 'Sigmoid', relu: 'Relu', softmax: 'Softmax' };
const ACTIVATION_OF: Record<string, DenseActivation> = { Sigmoid: 'sigmoid', Relu: 'relu', Softmax: 'softmax' };

function tensor(name: string, dims: number[], values: Float64Array, dataType: number): OnnxTensor {
  const size = dataType === DOUBLE ? 8 : 4;
  const view = new DataView(new ArrayBuffer(values.length * size));
  for (let i = 0; i < values.length; i++) {
    if (dataType === DOUBLE) view.setFloat64(8 * i, values[i], true);
    else view.setFloat32(4 * i, values[i], true);
  }
  return { name, dims, dataType, rawData: new Uint8Array(view.buffer) };
}

function valueInfo(name: string, elemType: number, width: number): OnnxValueInfo {
  return { name, type: { tensorType: { elemType, shape: { dim: [{ dimParam: 'N' }, { dimValue: width }] } } } };
}

/** The network as an ONNX model (opset 13): input "input" [N, inputs], output "probabilities" [N, classes]. */
export function exportOnnx(model: SavedModel, options: OnnxExportOptions = {}): Uint8Array {
  const dataType = options.dtype === 'float64' ? DOUBLE : FLOAT;
  const layers = denseLayers(model);
  const nodes: OnnxNode[] = [];
  const initializer: OnnxTensor[] = [];
  let current = 'input';
  layers.forEach((layer, l) => {
    const last = l === layers.length - 1;
    initializer.push(tensor(`${layer.name}.weight`, [layer.outputs, layer.inputs], layer.weights, dataType));
    initializer.push(tensor(`${layer.name}.bias`, [layer.outputs], layer.biases, dataType));
    const z = `${layer.name}.z`;
    nodes.push({ name: `${layer.name}.gemm`, opType: 'Gemm', input: [current, `${layer.name}.weight`, `${layer.name}.bias`], output: [z], attribute: [{ name: 'transB', type: ATTRIBUTE_INT, i: 1 }] });
    current = last ? 'probabilities' : `${layer.name}.a`;
    nodes.push({ name: `${layer.name}.${layer.activation}`, opType: OP_OF[layer.activation], input: [z], output: [current] });
  });
  const onnx: OnnxModel = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'mnist-wasm',
    graph: {
      name: 'mnist-wasm',
      node: nodes,
      initializer,
      input: [valueInfo('input', dataType, layers[0].inputs)],
      output: [valueInfo('probabilities', dataType, layers[layers.length - 1].outputs)],
    },
  };
  const ModelProto = ModelProtoType();
  return ModelProto.encode(ModelProto.fromObject(onnx)).finish();
}

function tensorValues(t: OnnxTensor, file: string): Float64Array {
  const length = t.dims.reduce((a, b) => a * b, 1);
  let values: Float64Array;
  if (t.rawData && t.rawData.length > 0 && (t.dataType === FLOAT || t.dataType === DOUBLE)) {
    const size = t.dataType === DOUBLE ? 8 : 4;
    if (t.rawData.length !== length * size) throw new ModelFormatError(file, `initializer "${t.name}" holds ${t.rawData.length} bytes for shape [${t.dims}]`);
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.length);
    values = new Float64Array(length).map((_, i) => (size === 8 ? view.getFloat64(8 * i, true) : view.getFloat32(4 * i, true)));
  } else if (t.dataType === FLOAT && t.floatData) {
    values = Float64Array.from(t.floatData);
  } else if (t.dataType === DOUBLE && t.doubleData) {
    values = Float64Array.from(t.doubleData);
  } else {
    throw new ModelFormatError(file, `initializer "${t.name}" is not float or double data stored in the file`);
  }
  if (values.length !== length) throw new ModelFormatError(file, `initializer "${t.name}" holds ${values.length} values for shape [${t.dims}]`);
  return values;
}

function numberAttribute(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attribute?.find((x) => x.name === name);
  return a?.i ?? a?.f ?? fallback;
}

/** A trainable model from an ONNX graph that is a chain of Gemm (or MatMul + Add) and Sigmoid / Relu / Softmax. */
export function importOnnx(bytes: Uint8Array, file = 'model.onnx'): SavedModel {
  let onnx: OnnxModel;
  const ModelProto = ModelProtoType();
  try {
    onnx = ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, arrays: true }) as OnnxModel;
  } catch (error) {
    throw new ModelFormatError(file, `not an ONNX model (${(error as Error).message})`);
  }
  const graph = onnx.graph;
  if (!graph || !graph.node?.length) throw new ModelFormatError(file, 'not an ONNX model: no graph');
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name, t]));
  const inputs = (graph.input ?? []).filter((v) => !initializers.has(v.name));
  if (inputs.length !== 1) throw new ModelFormatError(file, `the graph has ${inputs.length} inputs; a Dense chain has one`);
  const dims = inputs[0].type?.tensorType?.shape?.dim ?? [];
  if (dims.length !== 2) throw new ModelFormatError(file, `input "${inputs[0].name}" has rank ${dims.length}; it must be [N, inputs]`);
  let width = checkLayerSize(file, inputs[0].name, 'input size', dims[1].dimValue);
  let current = inputs[0].name;
  const layers: DenseLayer[] = [];
  const weight = (node: OnnxNode, name: string | undefined): OnnxTensor => {
    const t = name === undefined ? undefined : initializers.get(name);
    if (!t) throw new ModelFormatError(file, `node "${node.name ?? node.opType}": input "${name}" is not a stored initializer`);
    return t;
  };
  const unmappable = (node: OnnxNode, why: string): never => {
    throw new ModelFormatError(file, `node "${node.name || node.output[0]}" (${node.opType}) cannot be mapped: ${why}`);
  };
  const nodes = graph.node;
  for (let n = 0; n < nodes.length; n++) {
    const node = nodes[n];
    if (node.input[0] !== current) unmappable(node, `it does not take the previous layer's output "${current}"`);
    const activation = ACTIVATION_OF[node.opType];
    if (activation) {
      const layer = layers[layers.length - 1];
      if (!layer || layer.activation !== 'linear') unmappable(node, 'an activation must follow a Gemm');
      if (node.opType === 'Softmax' && ![-1, 1].includes(numberAttribute(node, 'axis', -1))) unmappable(node, 'softmax must be over the last axis');
      layer.activation = activation;
      current = node.output[0];
    } else if (node.opType === 'Gemm' || node.opType === 'MatMul') {
      if (node.opType === 'Gemm' && (numberAttribute(node, 'transA', 0) !== 0 || numberAttribute(node, 'alpha', 1) !== 1 || numberAttribute(node, 'beta', 1) !== 1)) {
        unmappable(node, 'only transA 0, alpha 1, beta 1');
      }
      const b = weight(node, node.input[1]);
      const transposed = node.opType === 'Gemm' && numberAttribute(node, 'transB', 0) === 1;
      if (b.dims.length !== 2 || b.dims[transposed ? 1 : 0] !== width) unmappable(node, `weights of shape [${b.dims}] do not take ${width} inputs`);
      const outputs = checkLayerSize(file, node.name || b.name, 'units', b.dims[transposed ? 0 : 1]);
      const values = tensorValues(b, file);
      const weights = transposed ? values : new Float64Array(width * outputs).map((_, k) => values[(k % width) * outputs + Math.floor(k / width)]);
      let biasName = node.opType === 'Gemm' ? node.input[2] : undefined;
      let output = node.output[0];
      if (node.opType === 'MatMul') {
        const add = nodes[n + 1];
        if (add?.opType !== 'Add' || add.input[0] !== output) unmappable(node, 'a MatMul must be followed by an Add of the bias');
        biasName = add.input[1];
        output = add.output[0];
        n++;
      }
      const biases = biasName ? tensorValues(weight(node, biasName), file) : undefined;
      if (!biases || biases.length !== outputs) unmappable(node, `it needs a bias of ${outputs} values`);
      layers.push({ name: node.name || output, inputs: width, outputs, activation: 'linear', weights, biases: biases as Float64Array });
      width = outputs;
      current = output;
    } else {
      unmappable(node, 'only Gemm (or MatMul + Add) with Sigmoid, Relu or Softmax');
    }
  }
  if (graph.output?.[0]?.name !== current) throw new ModelFormatError(file, `the graph's output is not the last layer's "${current}"`);
  return modelFromDense(layers, file);
}
