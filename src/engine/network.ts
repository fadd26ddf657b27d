import { ConfigError } from '../errors.js';
import type { Dataset } from '../data/dataset.js';
import { ACTIVATION_CODE, COST_CODE, parameterLayout, validateSpec } from '../model/spec.js';
import type { NetworkSpec, ParameterLayout } from '../model/spec.js';
import { initParameters } from '../model/init.js';
import type { InitOptions } from '../model/init.js';
import { Arena } from './arena.js';
import type { Kernels } from './kernels.js';
import { createTsKernels } from './ts-kernels.js';
import { loadWasmCore } from './wasm.js';
import { ThreadPool } from './threads.js';
import type { ThreadStep, WorkerSpawner } from './threads.js';
import type { SimdBuild, SimdChoice, WasmBytesReader } from './wasm.js';

export type EngineName = 'wasm' | 'ts';
export const ENGINE_NAMES: readonly EngineName[] = ['wasm', 'ts'];

export interface EngineOptions {
  /** 'wasm' (default): the AssemblyScript SIMD core; 'ts': its plain TypeScript twin. */
  engine?: EngineName;
  /** Which wasm build: 'auto' picks relaxed SIMD when the runtime validates it. */
  simd?: SimdChoice;
  /** Examples processed per kernel call; larger batches are accumulated in chunks of this size. */
  chunkRows?: number;
  /**
   * Skip zero inputs in the first layer: per pair of examples in the forward pass (65% of MNIST's columns), per
   * example within each 4-column block in the update. Exact: the sums are the ones the dense loops make.
   * Default true; false measures the dense kernels.
   */
  sparseInputs?: boolean;
  /**
   * Threads for the wasm engine (default 1). Worker threads share the engine's memory and each computes a
   * slice of the big layers' output rows; every sum is the same as with one thread, so results are identical.
   */
  threads?: number;
}

/** Multiply-adds below which a kernel call is not worth splitting across threads. */
const PARALLEL_MIN_WORK = 100_000;

/** A dataset copied into the engine's memory (bytes, as stored on disk). */
export interface DatasetHandle {
  readonly images: number;
  readonly labels: number;
  readonly count: number;
  readonly inputSize: number;
}

/** Where a mini-batch's first-layer inputs and block lists live. */
interface BatchBuffers {
  inputs: number;
  pairLists: number;
  list: number;
  /** Whether the lists hold this batch's ink (else the first layer runs densely), and whether its masks apply. */
  sparse: boolean;
  masked: boolean;
}

/** One SGD step's settings: w <- (1 - eta*lambda/n) w - (eta/m) dC/dw. */
export interface StepOptions {
  eta: number;
  /** L2 strength; 0 for none. */
  lambda?: number;
  /** n in the weight-decay factor: the size of the whole training set. */
  trainingSize?: number;
}

export interface Score {
  /** Mean cost per example, without the L2 term. */
  cost: number;
  correct: number;
  count: number;
  accuracy: number;
}

const DEFAULT_CHUNK_ROWS = 500;

// How the wasm bytes and worker threads are found when the caller does not say: the browser entry sets
// fetch-based defaults; otherwise Node's modules are loaded by a specifier bundlers do not follow.
let defaultWasmReader: WasmBytesReader | undefined;
let defaultWorkerSpawner: WorkerSpawner | undefined;
const NODE_WASM_READER = './wasm-node.js';
const NODE_WORKER_SPAWNER = './threads-node.js';

/** Sets how wasm bytes are read and workers started by default (the browser entry calls this). */
export function setEngineDefaults(defaults: { readWasm?: WasmBytesReader; spawnWorker?: WorkerSpawner }): void {
  defaultWasmReader = defaults.readWasm ?? defaultWasmReader;
  defaultWorkerSpawner = defaults.spawnWorker ?? defaultWorkerSpawner;
}
/** Evaluation chunk with sparse inputs: 16 to 128 rows measured the same; small keeps the buffers touched few. */
const EVAL_CHUNK_ROWS = 16;

/**
 * A network living in one engine's memory: parameters, activations and deltas as flat f64 buffers,
 * driven through the kernel set. The same driver runs both engines, so they differ only in kernels.
 */
export class Network {
  readonly spec: NetworkSpec;
  readonly layout: ParameterLayout;
  readonly engine: EngineName;
  /** The wasm build in use, or undefined for the ts engine. */
  readonly simd: SimdBuild | undefined;
  readonly chunkRows: number;
  private readonly kernels: Kernels;
  private readonly arena: Arena;
  private readonly params: number;
  private readonly grads: number;
  private readonly activations: number[];
  private readonly deltas: number[];
  private readonly targets: number;
  private readonly indices: number;
  private readonly result: number;
  /** Per layer: the dense block lists of its input row, of 2-column blocks (forward) and 4-column blocks (accumulate). */
  private readonly forwardLists: number[];
  private readonly accumulateLists: number[];
  /** Two sets of first-layer inputs and block lists: a mini-batch is gathered while the last one's update is pending. */
  private readonly batches: [BatchBuffers, BatchBuffers];
  private current = 0;
  private readonly pairStride: number;
  private readonly gatherScratch: number;
  /**
   * The last mini-batch's first-layer update (and the second layer's weights, and the error that reaches the
   * first layer), not yet applied: it runs in one thread job with the next batch's first-layer forward pass,
   * each thread on its own rows of the first layer. Anything that reads the parameters applies it first.
   */
  private pending: { batch: number; m: number; decay: number } | undefined;
  private readonly sparseInputs: boolean;
  private pool: ThreadPool | undefined;

  private constructor(spec: NetworkSpec, kernels: Kernels, arena: Arena, engine: EngineName, simd: SimdBuild | undefined, chunkRows: number, sparseInputs: boolean) {
    this.spec = spec;
    this.layout = parameterLayout(spec.layers);
    this.kernels = kernels;
    this.arena = arena;
    this.engine = engine;
    this.simd = simd;
    this.chunkRows = chunkRows;
    this.params = arena.alloc(this.layout.size * 8);
    this.grads = arena.alloc(this.layout.size * 8);
    this.activations = spec.layers.map((n, l) => (l === 0 ? 0 : arena.alloc(chunkRows * n * 8)));
    this.deltas = spec.layers.map((n, l) => (l === 0 ? 0 : arena.alloc(chunkRows * n * 8)));
    this.targets = arena.alloc(chunkRows);
    this.indices = arena.alloc(chunkRows * 4);
    this.result = arena.alloc(16);
    // Block lists: an 8-byte header, then 4 bytes per 2-column block (forward), 8 per 4-column block (accumulate).
    const listBytes = (n: number) => [8 + 4 * (n >> 1), 8 + 8 * (n >> 2)];
    this.forwardLists = spec.layers.map((n) => arena.alloc(listBytes(n)[0]));
    this.accumulateLists = spec.layers.map((n) => arena.alloc(listBytes(n)[1]));
    spec.layers.forEach((n, l) => kernels.denseLists(this.forwardLists[l], this.accumulateLists[l], n));
    const nIn = spec.layers[0];
    this.pairStride = Math.ceil(listBytes(nIn)[0] / 8) * 8;
    const buffers = (): BatchBuffers => ({
      inputs: arena.alloc(chunkRows * nIn * 8),
      pairLists: arena.alloc(this.pairStride * Math.ceil(chunkRows / 2)),
      list: arena.alloc(listBytes(nIn)[1]),
      sparse: false,
      masked: false,
    });
    this.batches = [buffers(), buffers()];
    this.activations[0] = this.batches[0].inputs;
    this.gatherScratch = arena.alloc(4 * (nIn >> 2));
    this.sparseInputs = sparseInputs;
  }

  /** Builds a network with fresh seeded parameters (or the given ones) in the chosen engine. */
  static async create(
    specInput: Partial<NetworkSpec>,
    options: EngineOptions & { init?: InitOptions; parameters?: Float64Array; readWasm?: WasmBytesReader; spawnWorker?: WorkerSpawner } = {},
  ): Promise<Network> {
    const spec = validateSpec(specInput);
    const engine = options.engine ?? 'wasm';
    const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
    const sparse = options.sparseInputs ?? true;
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new ConfigError(`threads must be an integer from 1 to 64 (got ${threads})`);
    if (threads > 1 && engine !== 'wasm') throw new ConfigError('threads above 1 need the wasm engine');
    if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new ConfigError('chunkRows must be a positive integer');
    let network: Network;
    if (engine === 'wasm') {
      const read: WasmBytesReader = options.readWasm ?? defaultWasmReader ?? ((await import(/* @vite-ignore */ NODE_WASM_READER)) as typeof import('./wasm-node.js')).readWasmFromDisk;
      const core = await loadWasmCore(read, options.simd ?? 'auto', threads > 1);
      network = new Network(spec, core.kernels, core.arena, 'wasm', core.build, chunkRows, sparse);
      if (threads > 1) {
        if (typeof SharedArrayBuffer === 'undefined') throw new ConfigError('threads need SharedArrayBuffer (in browsers: a cross-origin isolated page)');
        const spawn: WorkerSpawner = options.spawnWorker ?? defaultWorkerSpawner ?? ((await import(/* @vite-ignore */ NODE_WORKER_SPAWNER)) as typeof import('./threads-node.js')).spawnNodeWorker;
        network.pool = await ThreadPool.start(threads, core.arena, core.kernels, core.module, core.memory, spawn);
      }
    } else if (engine === 'ts') {
      const arena = new Arena();
      network = new Network(spec, createTsKernels(arena), arena, 'ts', undefined, chunkRows, sparse);
    } else {
      throw new ConfigError(`engine must be wasm or ts (got ${JSON.stringify(engine)})`);
    }
    network.setParameters(options.parameters ?? initParameters(network.layout, options.init));
    return network;
  }

  /** A copy of all parameters in the flat layout. */
  getParameters(): Float64Array {
    this.flush();
    return this.arena.f64.slice(this.params >> 3, (this.params >> 3) + this.layout.size);
  }

  setParameters(values: Float64Array): void {
    if (values.length !== this.layout.size) {
      throw new ConfigError(`expected ${this.layout.size} parameters for layers ${this.spec.layers.join(',')}, got ${values.length}`);
    }
    this.pending = undefined;
    this.arena.f64.set(values, this.params >> 3);
  }

  /** Threads computing (1 unless created with threads > 1). */
  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  /** Stops the worker threads, if any. The network is unusable afterwards. */
  dispose(): void {
    this.pending = undefined;
    this.pool?.stop();
    this.pool = undefined;
  }

  /** Bytes of engine memory in use. */
  get memoryBytes(): number {
    return this.arena.used;
  }

  /** Copies a dataset into engine memory once, so batches are gathered there without crossing the boundary. */
  upload(data: Dataset): DatasetHandle {
    const where = data.source ? ` (${data.source})` : '';
    if (data.inputSize !== this.spec.layers[0]) {
      throw new ConfigError(`the data has ${data.inputSize} inputs per example${where} but the network's input layer has ${this.spec.layers[0]}`);
    }
    const classes = this.spec.layers[this.spec.layers.length - 1];
    let maxLabel = 0;
    for (let i = 0; i < data.count; i++) maxLabel = Math.max(maxLabel, data.labels[i]);
    if (maxLabel >= classes) {
      throw new ConfigError(`label ${maxLabel} found${where} but the network's output layer has only ${classes} classes`);
    }
    const images = this.arena.alloc(data.count * data.inputSize);
    const labels = this.arena.alloc(data.count);
    this.arena.u8.set(data.images.subarray(0, data.count * data.inputSize), images);
    this.arena.u8.set(data.labels.subarray(0, data.count), labels);
    return { images, labels, count: data.count, inputSize: data.inputSize };
  }

  /**
   * One step of gradient descent on the given rows (a mini-batch, or the whole set for full-batch GD). The first
   * layer's part of a mini-batch step is applied together with the next step, or by whichever method next reads
   * the parameters; callers see the same values as if it were applied at once.
   */
  trainBatch(data: DatasetHandle, rows: Uint32Array, step: StepOptions): void {
    const m = rows.length;
    if (m === 0) return;
    const decay = 1 - (step.eta * (step.lambda ?? 0)) / (step.trainingSize ?? data.count);
    const scale = -step.eta / m;
    if (m <= this.chunkRows && this.spec.layers.length >= 3) {
      // Deltas carry -eta/m, so the weight-gradient products land straight in the weights. The first layer's
      // update waits for the next batch (see pending); the sums are the same as without waiting.
      const pending = this.pending;
      if (pending) {
        // Gather into the other buffers, while the workers start on the pending update.
        this.current = 1 - pending.batch;
        const gather = this.prepareRows(data, rows);
        this.firstLayerJob(pending, m, gather);
      } else {
        this.gatherRows(data, rows);
      }
      this.forward(m, pending ? 1 : 0);
      this.backward(m, scale, decay, false, 3);
      this.pending = { batch: this.current, m, decay };
      return;
    }
    this.flush();
    if (m <= this.chunkRows) {
      this.gatherRows(data, rows);
      this.forward(m);
      this.backward(m, scale, decay, false);
      return;
    }
    this.arena.f64.fill(0, this.grads >> 3, (this.grads >> 3) + this.layout.size);
    for (let first = 0; first < m; first += this.chunkRows) {
      const chunk = rows.subarray(first, Math.min(m, first + this.chunkRows));
      this.gatherRows(data, chunk);
      this.forward(chunk.length);
      this.backward(chunk.length, scale, 1, true);
    }
    this.applyGradients(decay);
  }

  /** dC/d(parameters) of the mean cost over rows first..first+count (no L2 term), in the flat layout. */
  gradient(data: DatasetHandle, first = 0, count = data.count): Float64Array {
    this.flush();
    this.arena.f64.fill(0, this.grads >> 3, (this.grads >> 3) + this.layout.size);
    for (let start = first; start < first + count; start += this.chunkRows) {
      const m = Math.min(this.chunkRows, first + count - start);
      this.gatherRange(data, start, m, this.sparseInputs);
      this.forward(m);
      this.backward(m, 1 / count, 1, true);
    }
    return this.arena.f64.slice(this.grads >> 3, (this.grads >> 3) + this.layout.size);
  }

  /** Mean cost and accuracy over rows first..first+count. */
  evaluate(data: DatasetHandle, first = 0, count = data.count): Score {
    this.flush();
    const { kernels, spec } = this;
    const out = spec.layers.length - 1;
    this.arena.f64.fill(0, this.result >> 3, (this.result >> 3) + 2);
    // Forward passes skip zeros by example pair whatever the chunk size.
    const chunk = this.sparseInputs ? Math.min(this.chunkRows, EVAL_CHUNK_ROWS) : this.chunkRows;
    for (let start = first; start < first + count; start += chunk) {
      const m = Math.min(chunk, first + count - start);
      this.gatherRange(data, start, m, this.sparseInputs);
      this.forward(m);
      kernels.scoreOutputs(this.activations[out], this.targets, m, spec.layers[out], COST_CODE[spec.cost], ACTIVATION_CODE[spec.outputActivation], this.result);
    }
    const total = this.arena.f64[this.result >> 3];
    const correct = this.arena.f64[(this.result >> 3) + 1];
    return { cost: count ? total / count : 0, correct, count, accuracy: count ? correct / count : 0 };
  }

  /** 0.5 * lambda / n * sum of squared weights (biases excluded), the L2 part of the cost. */
  l2Penalty(lambda: number, trainingSize: number): number {
    if (!lambda) return 0;
    this.flush();
    let sum = 0;
    for (const layer of this.layout.layers) sum += this.kernels.sumSquares(this.params + layer.weights * 8, layer.inputs * layer.outputs);
    return (0.5 * lambda * sum) / trainingSize;
  }

  /** False once any parameter is NaN or Infinity (the sum of squares is then not finite). */
  parametersFinite(): boolean {
    this.flush();
    return Number.isFinite(this.kernels.sumSquares(this.params, this.layout.size));
  }

  /** Output activations (count x classes) for inputs already scaled to [0,1] (count x inputSize). */
  predict(inputs: Float64Array): Float64Array {
    const nIn = this.spec.layers[0];
    const out = this.spec.layers.length - 1;
    const classes = this.spec.layers[out];
    if (inputs.length % nIn !== 0) throw new ConfigError(`predict needs a multiple of ${nIn} input values, got ${inputs.length}`);
    const count = inputs.length / nIn;
    this.flush();
    const probabilities = new Float64Array(count * classes);
    for (let first = 0; first < count; first += this.chunkRows) {
      const m = Math.min(this.chunkRows, count - first);
      this.arena.f64.set(inputs.subarray(first * nIn, (first + m) * nIn), this.activations[0] >> 3);
      this.batches[this.current].sparse = false;
      this.forward(m);
      const from = this.activations[out] >> 3;
      probabilities.set(this.arena.f64.subarray(from, from + m * classes), first * classes);
    }
    return probabilities;
  }

  private gatherRows(data: DatasetHandle, rows: Uint32Array): void {
    this.prepareRows(data, rows)();
  }

  /** Checks the rows and points the current buffers at them; the returned function gathers them. */
  private prepareRows(data: DatasetHandle, rows: Uint32Array): () => void {
    for (let i = 0; i < rows.length; i++) {
      if (rows[i] >= data.count) throw new ConfigError(`row ${rows[i]} is outside the dataset (${data.count} rows)`);
    }
    this.arena.u32.set(rows, this.indices >> 2);
    return this.prepareGather(data, this.indices, 0, rows.length, this.sparseInputs);
  }

  /** Contiguous rows (evaluation, gradient). */
  private gatherRange(data: DatasetHandle, first: number, count: number, sparse: boolean): void {
    this.prepareGather(data, 0, first, count, sparse)();
  }

  /** Points the current buffers (and their flags) at the rows to gather; the returned function gathers them, and with sparse the lists of where they have ink. */
  private prepareGather(data: DatasetHandle, indices: number, first: number, count: number, sparse: boolean): () => void {
    const batch = this.batches[this.current];
    this.activations[0] = batch.inputs;
    batch.sparse = sparse;
    // A mask has one bit per example.
    batch.masked = sparse && count <= 32;
    const lists = sparse ? [batch.pairLists, this.pairStride, batch.list, this.gatherScratch] : [0, 0, 0, 0];
    return () => this.kernels.gatherBatch(data.images, data.labels, indices, first, count, data.inputSize, batch.inputs, this.targets, ...(lists as [number, number, number, number]));
  }

  /** Layer l's (1-based) input block lists for the forward pass: the batch's per-pair lists for the first layer. */
  private forwardListsOf(l: number, batch = this.batches[this.current]): [lists: number, stride: number] {
    return l === 1 && batch.sparse ? [batch.pairLists, this.pairStride] : [this.forwardLists[l - 1], 0];
  }

  /** Layer l's input block list for the weight update, and whether its example masks apply. */
  private accumulateListOf(l: number, batch = this.batches[this.current]): [list: number, masked: number] {
    return l === 1 && batch.sparse ? [batch.list, batch.masked ? 1 : 0] : [this.accumulateLists[l - 1], 0];
  }

  /** Applies the pending first-layer update, if any. */
  private flush(): void {
    if (!this.pending) return;
    this.firstLayerJob(this.pending);
    this.pending = undefined;
  }

  /**
   * The pending batch's error at the first hidden layer (BP2), the second layer's weight update and the first
   * layer's, then, when the next batch (nextM examples, gathered in the current buffers) is given, its forward
   * pass through the first layer, after `gather` (run by this thread while the others start). Thread slices are
   * rows of the first layer, which are columns of the second, so no thread reads what another writes.
   */
  private firstLayerJob(pending: { batch: number; m: number; decay: number }, nextM = 0, gather?: () => void): void {
    const [first, second] = this.layout.layers;
    const { spec, params } = this;
    const hidden = ACTIVATION_CODE[spec.activation];
    const done = this.batches[pending.batch];
    const m = pending.m;
    const w2 = params + second.weights * 8, w1 = params + first.weights * 8, b1 = params + first.biases * 8;
    const steps: ThreadStep[] = [
      { op: 'denseBackwardInput', args: [this.deltas[2], m, second.outputs, w2, second.inputs, this.activations[1], hidden, this.deltas[1]] },
      { op: 'accumulateColumns', args: [this.deltas[2], this.activations[1], m, second.outputs, second.inputs, w2, params + second.biases * 8, pending.decay] },
      { op: 'denseAccumulate', args: [this.deltas[1], done.inputs, m, first.outputs, first.inputs, w1, b1, pending.decay, ...this.accumulateListOf(1, done)] },
    ];
    if (nextM) {
      const args = [this.activations[0], nextM, first.inputs, w1, b1, first.outputs, this.activations[1], hidden, ...this.forwardListsOf(1)];
      steps.push({ op: 'denseForward', args });
    }
    const worthSplitting = Math.max(m, nextM) * first.inputs * first.outputs >= PARALLEL_MIN_WORK;
    if (this.pool && worthSplitting) {
      this.pool.run(steps, first.outputs, gather && { from: 3, open: gather });
      return;
    }
    gather?.();
    this.job(steps, first.outputs, false);
  }

  /** The forward pass from layer `from` (0: the input layer) up. */
  private forward(m: number, from = 0): void {
    const { layers, activation, outputActivation } = this.spec;
    const last = layers.length - 1;
    this.layout.layers.forEach((layer, i) => {
      if (i < from) return;
      const act = i + 1 === last ? ACTIVATION_CODE[outputActivation] : ACTIVATION_CODE[activation];
      const [lists, stride] = this.forwardListsOf(i + 1);
      const args = [this.activations[i], m, layer.inputs, this.params + layer.weights * 8, this.params + layer.biases * 8, layer.outputs, this.activations[i + 1], act, lists, stride];
      this.job([{ op: 'denseForward', args }], layer.outputs, act !== ACTIVATION_CODE.softmax && m * layer.inputs * layer.outputs >= PARALLEL_MIN_WORK);
    });
  }

  /** Backpropagation from the output error down to layer `down` (1-based); into the parameters (fused SGD) or the gradient buffer. */
  private backward(m: number, scale: number, decay: number, intoGradient: boolean, down = 1): void {
    const { spec, kernels } = this;
    const last = spec.layers.length - 1;
    kernels.outputDelta(this.activations[last], this.targets, m, spec.layers[last], COST_CODE[spec.cost], ACTIVATION_CODE[spec.outputActivation], scale, this.deltas[last]);
    const base = intoGradient ? this.grads : this.params;
    for (let l = last; l >= down; l--) {
      const layer = this.layout.layers[l - 1];
      // Propagate with the old weights before this layer's weights change.
      if (l > 1) {
        kernels.denseBackwardInput(this.deltas[l], m, layer.outputs, this.params + layer.weights * 8, layer.inputs, this.activations[l - 1], ACTIVATION_CODE[spec.activation], this.deltas[l - 1], 0, layer.inputs);
      }
      const [list, masked] = this.accumulateListOf(l);
      const args = [this.deltas[l], this.activations[l - 1], m, layer.outputs, layer.inputs, base + layer.weights * 8, base + layer.biases * 8, decay, list, masked];
      this.job([{ op: 'denseAccumulate', args }], layer.outputs, m * layer.inputs * layer.outputs >= PARALLEL_MIN_WORK);
    }
  }

  /** Kernel steps over rows [0, rows), in slices across the threads when worth it, else here. */
  private job(steps: ThreadStep[], rows: number, worthSplitting: boolean): void {
    if (this.pool && worthSplitting) this.pool.run(steps, rows);
    else for (const step of steps) (this.kernels[step.op] as (...a: number[]) => void)(...step.args, 0, rows);
  }

  private applyGradients(decay: number): void {
    for (const layer of this.layout.layers) {
      this.kernels.scaleAdd(this.params + layer.weights * 8, this.grads + layer.weights * 8, layer.inputs * layer.outputs, decay);
      this.kernels.scaleAdd(this.params + layer.biases * 8, this.grads + layer.biases * 8, layer.outputs, 1);
    }
  }
}
