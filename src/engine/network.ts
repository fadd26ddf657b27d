import { ConfigError } from '../errors.js';
import { placeIn } from '../data/dataset.js';
import type { ByteStore, Dataset } from '../data/dataset.js';
import { parameterLayout, validateSpec } from '../model/spec.js';
import type { NetworkSpec, ParameterLayout } from '../model/spec.js';
import { initParameters } from '../model/init.js';
import type { InitOptions } from '../model/init.js';
import { Arena } from './arena.js';
import { transformsInputs, writeAugmentRecord } from './augment-record.js';
import type { InputTransform } from './augment-record.js';
import type { AugmentSettings } from '../model/augment.js';
import type { Kernels } from './kernels.js';
import { Passes } from './passes.js';
import { allocateDropout, allocatePointers, denseBatch, GENERATOR_NAMES } from './pointers.js';
import type { DropoutPointers } from './pointers.js';
import { Optimizer, validateLearning } from './optimizer.js';
import type { Learning, LearningOptions } from './optimizer.js';
import type { OptimizerState } from '../model/learning.js';
import type { DatasetHandle, GeneratorName } from './pointers.js';
import { Random } from '../util/random.js';
import { Schedule } from './schedule.js';
import { scoreRows } from './evaluate.js';
import { createTsKernels } from './twin/index.js';
import { loadWasmCore } from './wasm.js';
import { ThreadPool } from './threads.js';
import type { WorkerSpawner } from './threads.js';
import type { SimdBuild, SimdChoice, WasmBytesReader, WasmCore } from './wasm.js';

export type EngineName = 'wasm' | 'ts';
export const ENGINE_NAMES: readonly EngineName[] = ['wasm', 'ts'];

export interface EngineOptions extends LearningOptions {
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
  /**
   * Apply the two lowest layers' update of a mini-batch together with the next batch's first-layer pass (default
   * true): one thread job instead of two, and the same sums. false applies every step at once.
   */
  deferUpdate?: boolean;
  /**
   * Run the debug build of the wasm core (npm run build:debug): its asserts are kept, and one that fails throws
   * an Error with its message, file and line instead of a bare trap. One thread only, and several times slower.
   */
  debug?: boolean;
  // What training gathers do to the inputs (src/engine/augment-record.ts); evaluation, gradient and predict never.
  /** Affine and elastic distortions of each example at every training step (validateAugment; default none). */
  augment?: AugmentSettings;
  /** Probability of dropping each input pixel at every training step, kept ones scaled by 1/(1-p) (default 0). */
  inputDropout?: number;
}

export type { Learning, LearningOptions } from './optimizer.js';

/** A dataset copied into the engine's memory: see pointers.ts. */
export type { DatasetHandle, GeneratorName } from './pointers.js';
export { GENERATOR_NAMES } from './pointers.js';

/** The states (4 u32 words each) of the core's random streams: what an exact resume restores besides the parameters. */
export type GeneratorStates = Record<GeneratorName, number[]>;

/** Stream i is seeded with seed ^ GENERATOR_SALT[i], so no stream repeats the shuffle's Random(seed) or another stream. */
const GENERATOR_SALT: Record<GeneratorName, number> = { dropout: 0x6a09e667, inputDropout: 0xbb67ae85, augment: 0x3c6ef372 };

/**
 * One step's settings. SGD: w <- (1 - eta*lambda/n) w - (eta/m) dC/dw. Momentum and Nesterov add lambda/n * w to
 * the weights' gradient (L2); Adam decays the weights apart from its step (AdamW: w <- (1 - eta*lambda/n) w).
 */
export interface StepOptions {
  /** The learning rate of this step (schedules change it per epoch). */
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

/** The kernels and memory of one engine. */
interface EngineCore {
  name: EngineName;
  simd?: SimdBuild;
  kernels: Kernels;
  arena: Arena;
}

/**
 * A network living in one engine's memory: parameters, activations and deltas as flat f64 buffers, driven
 * through the kernel set (the same driver runs both engines, so they differ only in kernels). The model API;
 * how a step is ordered is the Schedule's, and every read of the parameters passes its gate.
 */
export class Network {
  readonly spec: NetworkSpec;
  readonly layout: ParameterLayout;
  readonly engine: EngineName;
  /** The wasm build in use, or undefined for the ts engine. */
  readonly simd: SimdBuild | undefined;
  readonly chunkRows: number;
  private readonly arena: Arena;
  private readonly schedule: Schedule;
  private pool: ThreadPool | undefined;
  private readonly deferUpdate: boolean;
  private settings: Learning;
  private readonly optimizer: Optimizer;
  private dropoutBuffers: DropoutPointers | undefined;
  /** What training gathers do to the inputs now (the record written for it, if any, is the passes'). */
  private transform: InputTransform = {};

  private constructor(spec: NetworkSpec, layout: ParameterLayout, engine: EngineCore, passes: Passes, pool: ThreadPool | undefined, chunkRows: number, deferUpdate: boolean) {
    this.spec = spec;
    this.layout = layout;
    this.engine = engine.name;
    this.simd = engine.simd;
    this.arena = engine.arena;
    this.deferUpdate = deferUpdate;
    this.settings = validateLearning({});
    this.schedule = new Schedule(passes, deferUpdate);
    this.optimizer = new Optimizer(engine.arena, passes.pointers, this.settings.optimizer);
    this.pool = pool;
    this.chunkRows = chunkRows;
  }

  /** Builds a network with fresh seeded parameters (or the given ones) in the chosen engine. */
  static async create(
    specInput: Partial<NetworkSpec>,
    options: EngineOptions & { init?: InitOptions; parameters?: Float64Array; readWasm?: WasmBytesReader; spawnWorker?: WorkerSpawner } = {},
  ): Promise<Network> {
    const spec = validateSpec(specInput);
    const engine = options.engine ?? 'wasm';
    const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new ConfigError(`threads must be an integer from 1 to 64 (got ${threads})`);
    if (threads > 1 && engine !== 'wasm') throw new ConfigError('threads above 1 need the wasm engine');
    if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new ConfigError('chunkRows must be a positive integer');
    if (engine !== 'wasm' && engine !== 'ts') throw new ConfigError(`engine must be wasm or ts (got ${JSON.stringify(engine)})`);
    const layout = parameterLayout(spec.layers);
    let core: EngineCore;
    let wasm: WasmCore | undefined;
    if (engine === 'wasm') {
      const read: WasmBytesReader = options.readWasm ?? defaultWasmReader ?? ((await import(/* @vite-ignore */ NODE_WASM_READER)) as typeof import('./wasm-node.js')).readWasmFromDisk;
      wasm = await loadWasmCore(read, options.simd ?? 'auto', threads > 1, options.debug ?? false);
      core = { name: 'wasm', simd: wasm.build, kernels: wasm.kernels, arena: wasm.arena };
    } else {
      const arena = new Arena();
      core = { name: 'ts', kernels: createTsKernels(arena), arena };
    }
    const pointers = allocatePointers(core.arena, core.kernels, spec, layout, chunkRows);
    let pool: ThreadPool | undefined;
    if (wasm && threads > 1) {
      if (typeof SharedArrayBuffer === 'undefined') throw new ConfigError('threads need SharedArrayBuffer (in browsers: a cross-origin isolated page)');
      const spawn: WorkerSpawner = options.spawnWorker ?? defaultWorkerSpawner ?? ((await import(/* @vite-ignore */ NODE_WORKER_SPAWNER)) as typeof import('./threads-node.js')).spawnNodeWorker;
      pool = await ThreadPool.start(threads, wasm.arena, wasm.kernels, wasm.module, wasm.memory, spawn);
    }
    const passes = new Passes(core.kernels, core.arena, pointers, pool, options.sparseInputs ?? true);
    const network = new Network(spec, layout, core, passes, pool, chunkRows, options.deferUpdate ?? true);
    network.setLearning(options);
    network.setParameters(options.parameters ?? initParameters(layout, options.init));
    network.seedGenerators(options.init?.seed ?? 1);
    return network;
  }

  /** The optimizer, dropout and max-norm this network trains with. */
  get learning(): Learning {
    return { ...this.settings, optimizer: { ...this.settings.optimizer } };
  }

  /**
   * Sets how the network learns from the next step (checked; one-line ConfigError). Another optimizer starts from
   * zero moments; the same one with other constants keeps its state. Plain SGD without dropout and max-norm keeps
   * the fused, deferred step; everything else applies each step whole.
   */
  setLearning(options: LearningOptions): void {
    const settings = validateLearning({ optimizer: { ...this.settings.optimizer, ...options.optimizer }, dropout: options.dropout ?? this.settings.dropout, maxNorm: options.maxNorm ?? this.settings.maxNorm });
    const passes = this.schedule.settled();
    this.settings = settings;
    this.optimizer.reset(settings.optimizer);
    if (settings.dropout > 0) this.dropoutBuffers ??= allocateDropout(this.arena, passes.pointers);
    passes.dropout = settings.dropout > 0 && this.dropoutBuffers ? { p: settings.dropout, buffers: this.dropoutBuffers } : undefined;
    const fused = settings.optimizer.name === 'sgd' && settings.dropout === 0 && settings.maxNorm === 0;
    this.schedule.setDeferral(this.deferUpdate && fused);
    if (options.augment !== undefined || options.inputDropout !== undefined) {
      this.setInputTransform({ augment: options.augment ?? this.transform.augment, inputDropout: options.inputDropout ?? this.transform.inputDropout });
    }
  }

  /** Distortions and input dropout of the training gathers from the next step (a record in engine memory when any). */
  private setInputTransform(transform: InputTransform): void {
    if (JSON.stringify(transform) === JSON.stringify(this.transform)) return;
    const passes = this.schedule.settled();
    passes.useAugmentRecord(transformsInputs(transform) ? writeAugmentRecord(this.arena, this.spec.layers[0], transform, passes.pointers.generators) : 0);
    this.transform = { ...transform };
  }

  /** The optimizer's moments (copies, in the flat layout) and step count, to save with a checkpoint. */
  getOptimizerState(): OptimizerState {
    this.schedule.settled();
    return this.optimizer.getState();
  }

  /** Restores the optimizer's state of a checkpoint: the moment count of this optimizer, each the parameters' size, finite. */
  setOptimizerState(state: OptimizerState): void {
    this.schedule.settled();
    this.optimizer.setState(state);
  }

  /** Seeds the core's random streams (dropout, distortions) from one seed, as the trainer does from its own. */
  seedGenerators(seed: number): void {
    const states = {} as GeneratorStates;
    for (const name of GENERATOR_NAMES) states[name] = new Random((seed ^ GENERATOR_SALT[name]) >>> 0).getState();
    this.setGeneratorStates(states);
  }

  /** The core generators' states, to save with a checkpoint. */
  getGeneratorStates(): GeneratorStates {
    const { generators } = this.schedule.settled().pointers;
    const u32 = this.arena.u32;
    const states = {} as GeneratorStates;
    for (const name of GENERATOR_NAMES) states[name] = [...u32.subarray(generators[name] >> 2, (generators[name] >> 2) + 4)];
    return states;
  }

  /** Restores the generators' states of a checkpoint (each 4 unsigned 32-bit words). */
  setGeneratorStates(states: GeneratorStates): void {
    const { generators } = this.schedule.settled().pointers;
    for (const name of GENERATOR_NAMES) {
      const state = states[name];
      if (!Array.isArray(state) || state.length !== 4 || !state.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff) || state.every((w) => w === 0)) {
        throw new ConfigError(`generator state "${name}" must be 4 unsigned 32-bit integers, not all zero`);
      }
      this.arena.u32.set(state, generators[name] >> 2);
    }
  }

  /** A copy of all parameters in the flat layout. */
  getParameters(): Float64Array {
    const { parameters, size } = this.schedule.settled().pointers;
    return this.arena.f64.slice(parameters >> 3, (parameters >> 3) + size);
  }

  setParameters(values: Float64Array): void {
    if (values.length !== this.layout.size) {
      throw new ConfigError(`expected ${this.layout.size} parameters for layers ${this.spec.layers.join(',')}, got ${values.length}`);
    }
    this.arena.f64.set(values, this.schedule.discard().pointers.parameters >> 3);
  }

  /** Threads computing (1 unless created with threads > 1). */
  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  /** Stops the worker threads, if any. The network is unusable afterwards. */
  dispose(): void {
    this.schedule.discard();
    this.pool?.stop();
    this.pool = undefined;
  }

  /** Bytes of engine memory in use. */
  get memoryBytes(): number {
    return this.arena.used;
  }

  /** Copies a dataset into engine memory once (unless it was read there), so batches are gathered there without crossing the boundary. */
  upload(data: Dataset): DatasetHandle {
    const where = data.source ? ` (${data.source})` : '';
    if (data.inputSize !== this.spec.layers[0]) {
      throw new ConfigError(`the data has ${data.inputSize} inputs per example${where} but the network's input layer has ${this.spec.layers[0]}`);
    }
    const classes = this.spec.layers[this.spec.layers.length - 1];
    let maxLabel = 0;
    const given = data.labels;
    for (let i = 0; i < data.count; i++) maxLabel = Math.max(maxLabel, given[i]);
    if (maxLabel >= classes) {
      throw new ConfigError(`label ${maxLabel} found${where} but the network's output layer has only ${classes} classes`);
    }
    // Read straight into this engine (byteStore): nothing to copy.
    const placed = placeIn(data, this.arena);
    if (placed) return { ...placed, count: data.count, inputSize: data.inputSize };
    const images = this.arena.alloc(data.count * data.inputSize);
    const labels = this.arena.alloc(data.count);
    this.arena.u8.set(data.images.subarray(0, data.count * data.inputSize), images);
    this.arena.u8.set(data.labels.subarray(0, data.count), labels);
    return { images, labels, count: data.count, inputSize: data.inputSize };
  }

  /** This engine's memory, for readers to put a dataset in (loadMnist's store): upload then copies nothing. */
  get byteStore(): ByteStore {
    return this.arena;
  }

  /**
   * One step of gradient descent on the given rows (a mini-batch, or the whole set for full-batch GD). Part of a
   * mini-batch step may be applied with the next step (see schedule.ts); every reader sees it applied.
   */
  trainBatch(data: DatasetHandle, rows: Uint32Array, step: StepOptions): void {
    const m = rows.length;
    if (m === 0) return;
    const lambda = step.lambda ?? 0;
    const trainingSize = step.trainingSize ?? data.count;
    const { maxNorm } = this.settings;
    if (this.settings.optimizer.name !== 'sgd') {
      const update = this.optimizer.layerSteps({ eta: step.eta, lambda, trainingSize }, maxNorm);
      this.schedule.accumulatedStep(data, rows, (passes) => passes.consumeGradient(update));
      return;
    }
    this.schedule.step(data, rows, -step.eta / m, 1 - (step.eta * lambda) / trainingSize);
    this.optimizer.steps++;
    if (maxNorm > 0) this.schedule.settled().layerJobs((layer) => ({ op: 'maxNormRows', args: [layer.weights, layer.inputs, maxNorm] }));
  }

  /**
   * dC/d(parameters) of the mean cost over rows first..first+count (no L2 term), in the flat layout; with
   * `dropout: true`, through masks drawn from the dropout stream as a training step would (else no dropout).
   */
  gradient(data: DatasetHandle, first = 0, count = data.count, options: { dropout?: boolean } = {}): Float64Array {
    const passes = this.schedule.settled();
    const training = options.dropout ?? false;
    passes.clearGradient();
    for (let start = first; start < first + count; start += this.chunkRows) {
      const m = Math.min(this.chunkRows, first + count - start);
      const batch = passes.gatherRange(data, start, m);
      passes.forward(batch, m, 0, training);
      passes.backward(batch, m, 1 / count, 1, 'gradient', 0, training);
    }
    const { gradient, size } = passes.pointers;
    return this.arena.f64.slice(gradient >> 3, (gradient >> 3) + size);
  }

  /** Mean cost and accuracy over rows first..first+count (split across the threads, with the same sums). */
  evaluate(data: DatasetHandle, first = 0, count = data.count): Score {
    const { total, correct } = scoreRows(this.schedule.settled(), this.pool, data, first, count);
    return { cost: count ? total / count : 0, correct, count, accuracy: count ? correct / count : 0 };
  }

  /** 0.5 * lambda / n * sum of squared weights (biases excluded), the L2 part of the cost. */
  l2Penalty(lambda: number, trainingSize: number): number {
    if (!lambda) return 0;
    const { kernels, pointers } = this.schedule.settled();
    let sum = 0;
    for (const layer of pointers.layers) sum += kernels.sumSquares(layer.weights, layer.inputs * layer.outputs);
    return (0.5 * lambda * sum) / trainingSize;
  }

  /** False once any parameter is NaN or Infinity (the sum of squares is then not finite). */
  parametersFinite(): boolean {
    const { kernels, pointers } = this.schedule.settled();
    return Number.isFinite(kernels.sumSquares(pointers.parameters, pointers.size));
  }

  /**
   * Copies of every layer's activations and errors (rows x outputs, first layer first) as the last pass left them:
   * for tensor-by-tensor parity tests and debugging. Meaningful right after trainBatch with deferUpdate false.
   */
  layerTensors(rows: number): { activations: Float64Array[]; deltas: Float64Array[] } {
    const { layers } = this.schedule.settled().pointers;
    const copy = (at: number, n: number): Float64Array => this.arena.f64.slice(at >> 3, (at >> 3) + rows * n);
    return { activations: layers.map((l) => copy(l.output, l.outputs)), deltas: layers.map((l) => copy(l.delta, l.outputs)) };
  }

  /** Output activations (count x classes) for inputs already scaled to [0,1] (count x inputSize). */
  predict(inputs: Float64Array): Float64Array {
    const nIn = this.spec.layers[0];
    if (inputs.length % nIn !== 0) throw new ConfigError(`predict needs a multiple of ${nIn} input values, got ${inputs.length}`);
    const count = inputs.length / nIn;
    const passes = this.schedule.settled();
    const top = passes.pointers.layers[passes.pointers.layers.length - 1];
    const batch = denseBatch(passes.pointers, 0);
    const probabilities = new Float64Array(count * top.outputs);
    for (let first = 0; first < count; first += this.chunkRows) {
      const m = Math.min(this.chunkRows, count - first);
      this.arena.f64.set(inputs.subarray(first * nIn, (first + m) * nIn), batch.inputs >> 3);
      passes.forward(batch, m);
      const from = top.output >> 3;
      probabilities.set(this.arena.f64.subarray(from, from + m * top.outputs), first * top.outputs);
    }
    return probabilities;
  }
}
