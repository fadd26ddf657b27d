import { ConfigError, DivergenceError } from '../errors.js';
import type { Dataset } from '../data/dataset.js';
import type { DatasetHandle, GeneratorStates, Network } from '../engine/network.js';
import { Random } from '../util/random.js';
import { etaForEpoch, MOMENT_COUNT, validateOptimizer, validateRegularization, validateSchedule } from '../model/learning.js';
import type { OptimizerSettings, RegularizationSettings, ScheduleSettings } from '../model/learning.js';
import type { EpochMetrics, TrainerState } from '../model/state.js';
import { validateAugment } from '../model/augment.js';
import type { AugmentSettings } from '../model/augment.js';
import { headlineAccuracy, METRIC_SETS } from './metrics.js';
import type { MetricSet } from './metrics.js';

export type { TrainerState } from '../model/state.js';

export interface TrainingData {
  train: Dataset;
  validation?: Dataset;
  test?: Dataset;
}

export interface BatchEvent {
  epoch: number;
  batch: number;
  batches: number;
  examples: number;
}

export interface TrainHooks {
  /** After every mini-batch (consumers throttle their own drawing). */
  onBatch?(event: BatchEvent): void;
  /** After every epoch's evaluation; may return a promise (e.g. to write a checkpoint) that training awaits. */
  onEpoch?(metrics: EpochMetrics, state: TrainerState): void | Promise<void>;
  onEnd?(result: TrainResult): void;
}

export interface TrainOptions {
  epochs: number;
  /** Mini-batch size; equal to the training set size for full-batch gradient descent. */
  batchSize: number;
  /** The base learning rate; the schedule sets each epoch's (recorded in EpochMetrics.eta). */
  eta: number;
  /** L2 strength: weight decay for SGD, momentum and Nesterov; decoupled (AdamW) for Adam. */
  lambda?: number;
  /** The update rule; given, it replaces the network's (Network.setLearning), else the network's is used. */
  optimizer?: Partial<OptimizerSettings>;
  /** The learning rate per epoch (default constant). */
  schedule?: Partial<ScheduleSettings>;
  /** Dropout, input dropout and max-norm; given values replace the network's. */
  regularization?: Partial<RegularizationSettings>;
  /** Distortions of every training example at every step (default: the network's, none unless set). */
  augment?: Partial<AugmentSettings>;
  /** Seeds the shuffle (the network's parameters are seeded where it is created). */
  seed?: number;
  /** Which sets to evaluate after each epoch (default: all that are given). */
  monitor?: Partial<Record<MetricSet, boolean>>;
  /** Stop when the headline accuracy has not improved for this many epochs; the best epoch's parameters are restored. */
  earlyStopping?: number;
  /** End with the best epoch's parameters (by headline accuracy) even when no early stopping ends the run. */
  keepBest?: boolean;
  /** Continue a run: epochs already done, the shuffle generator's state, the optimizer's and the core generators'. */
  resume?: TrainerState;
  hooks?: TrainHooks;
  /** Aborting stops after the current mini-batch; train() then resolves with stopped: 'aborted'. */
  signal?: AbortSignal;
}

export interface TrainResult {
  metrics: EpochMetrics[];
  bestEpoch: number | undefined;
  stopped: 'completed' | 'early-stopping' | 'aborted';
  /**
   * Set when the network ends with the parameters of this (best) epoch rather than the last one's: early stopping,
   * or keepBest. `state` is then that epoch's too, so what is saved with it resumes from there.
   */
  restoredBestEpoch?: number;
  /** Where a later run continues from: it matches the parameters the network holds. */
  state: TrainerState;
}

/** How often (in mini-batches) parameters are checked for NaN/Infinity, and the event loop is given a turn. */
const CHECK_EVERY = 100;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}

export function validateTrainOptions(options: TrainOptions, trainCount: number): void {
  const { epochs, batchSize, eta, lambda = 0 } = options;
  if (!Number.isInteger(epochs) || epochs < 1) throw new ConfigError(`epochs must be a positive integer (got ${epochs})`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigError(`batch size must be a positive integer (got ${batchSize})`);
  if (batchSize > trainCount) throw new ConfigError(`batch size ${batchSize} is larger than the ${trainCount} training examples`);
  if (!(eta > 0) || !Number.isFinite(eta)) throw new ConfigError(`eta must be a positive number (got ${eta})`);
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new ConfigError(`lambda must be zero or positive (got ${lambda})`);
  if (options.earlyStopping !== undefined && (!Number.isSafeInteger(options.earlyStopping) || options.earlyStopping < 0)) {
    throw new ConfigError(`early stopping must be a whole number of epochs, 0 for off (got ${options.earlyStopping})`);
  }
  validateOptimizer(options.optimizer);
  validateSchedule(options.schedule);
  validateRegularization(options.regularization);
}

/** A best epoch kept for restoring: its number, parameters and the state after it. */
interface BestEpoch {
  epoch: number;
  parameters: Float64Array;
  state: TrainerState;
}

/** Applies the options' learning settings and a resumed run's optimizer and generator states to the network. */
function prepareNetwork(network: Network, options: TrainOptions): void {
  const { optimizer, regularization, resume } = options;
  if (optimizer || regularization || options.augment) {
    network.setLearning({ optimizer, dropout: regularization?.dropout, maxNorm: regularization?.maxNorm, inputDropout: regularization?.inputDropout, augment: options.augment && validateAugment(options.augment) });
  }
  if (!resume) {
    network.seedGenerators(options.seed ?? 1);
    return;
  }
  // A state without moments (plain SGD saved it) resumes another optimizer from zero.
  const name = network.learning.optimizer.name;
  network.setOptimizerState(resume.optimizer ?? { step: 0, moments: Array.from({ length: MOMENT_COUNT[name] }, () => new Float64Array(network.layout.size)) });
  if (resume.generators) network.setGeneratorStates(resume.generators as GeneratorStates);
  else network.seedGenerators(options.seed ?? 1);
}

/** The resumable state at this point: the counts and the shuffle's state given, the network's generators and moments. */
function captureState(network: Network, epochsDone: number, batchesDone: number, rngState: number[]): TrainerState {
  const state: TrainerState = { epochsDone, batchesDone, rngState, generators: network.getGeneratorStates() };
  if (network.learning.optimizer.name !== 'sgd') state.optimizer = network.getOptimizerState();
  return state;
}

/** Puts the network back to a kept epoch: its parameters, moments and generator states. */
function restore(network: Network, best: BestEpoch): void {
  network.setParameters(best.parameters);
  if (best.state.optimizer) network.setOptimizerState(best.state.optimizer);
  if (best.state.generators) network.setGeneratorStates(best.state.generators as GeneratorStates);
}

/** Mini-batch training (the network's optimizer, the options' schedule) with per-epoch evaluation, reported through hooks. Prints nothing. */
export async function train(network: Network, data: TrainingData, options: TrainOptions): Promise<TrainResult> {
  validateTrainOptions(options, data.train.count);
  const { epochs, batchSize, lambda = 0, hooks = {}, signal } = options;
  const schedule = validateSchedule(options.schedule);
  const n = data.train.count;
  const random = new Random(options.seed ?? 1);
  if (options.resume) random.setState(options.resume.rngState);
  const firstEpoch = (options.resume?.epochsDone ?? 0) + 1;
  let skipBatches = options.resume?.batchesDone ?? 0;
  if (firstEpoch > epochs) throw new ConfigError(`the model has already trained ${firstEpoch - 1} epochs; ask for more than that with --epochs`);
  prepareNetwork(network, options);

  const handles: Partial<Record<MetricSet, DatasetHandle>> = { train: network.upload(data.train) };
  for (const set of ['validation', 'test'] as const) {
    const d = data[set];
    if (d && options.monitor?.[set] !== false) handles[set] = network.upload(d);
  }
  const trainHandle = handles.train as DatasetHandle;
  const order = new Uint32Array(n).map((_, i) => i);
  const batches = Math.ceil(n / batchSize);
  const metrics: EpochMetrics[] = [];
  let bestEpoch: number | undefined = options.resume?.best?.epoch;
  let bestAccuracy = options.resume?.best?.accuracy ?? -1;
  let stopped: TrainResult['stopped'] = 'completed';
  let epochsDone = firstEpoch - 1;
  const keepsBest = options.keepBest === true || (options.earlyStopping ?? 0) > 0;
  const kept = options.resume?.best?.kept;
  let best: BestEpoch | undefined = keepsBest && kept && bestEpoch !== undefined ? { epoch: bestEpoch, ...kept } : undefined;
  // What the state records of the best epoch so far: its number and accuracy, and with keepsBest what restores it.
  const bestSoFar = (): TrainerState['best'] => bestEpoch === undefined ? undefined
    : { epoch: bestEpoch, accuracy: bestAccuracy, ...(best ? { kept: { parameters: best.parameters, state: best.state } } : {}) };

  let state: TrainerState = { ...captureState(network, epochsDone, skipBatches, random.getState()), best: bestSoFar() };

  for (let epoch = firstEpoch; epoch <= epochs; epoch++) {
    const eta = etaForEpoch(options.eta, schedule, epoch, epochs);
    // Identity then shuffle: the order depends only on the generator state, so a resumed run matches.
    const rngState = random.getState();
    for (let i = 0; i < n; i++) order[i] = i;
    random.shuffle(order);
    const started = performance.now();
    let lastYield = started;
    let b = skipBatches;
    skipBatches = 0;
    for (; b < batches; b++) {
      network.trainBatch(trainHandle, order.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize)), { eta, lambda, trainingSize: n });
      hooks.onBatch?.({ epoch, batch: b + 1, batches, examples: Math.min(n, (b + 1) * batchSize) });
      if ((b + 1) % CHECK_EVERY === 0 || b + 1 === batches) {
        if (!network.parametersFinite()) {
          throw new DivergenceError(
            `training diverged in epoch ${epoch} between mini-batches ${Math.max(1, b + 2 - CHECK_EVERY)} and ${b + 1}: parameters became NaN or Infinity; the learning rate (eta ${eta}) is probably too high`,
          );
        }
        if (performance.now() - lastYield > 100) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
      if (signal?.aborted && b + 1 < batches) {
        b++;
        break;
      }
    }
    if (b < batches) {
      // Interrupted mid-epoch: the state says which mini-batches of this epoch's order are done.
      state = { ...captureState(network, epoch - 1, b, rngState), best: bestSoFar() };
      stopped = 'aborted';
      break;
    }
    const seconds = (performance.now() - started) / 1000;
    const evalStarted = performance.now();
    const penalty = network.l2Penalty(lambda, n);
    const m: EpochMetrics = { epoch, seconds, evalSeconds: 0, eta };
    for (const set of METRIC_SETS) {
      const handle = handles[set];
      if (!handle || options.monitor?.[set] === false) continue;
      const score = network.evaluate(handle);
      const cost = score.cost + penalty;
      if (!Number.isFinite(cost)) {
        throw new DivergenceError(`training diverged in epoch ${epoch}: the ${set} cost is ${cost}; the learning rate (eta ${eta}) is probably too high`);
      }
      m[`${set}Cost`] = cost;
      m[`${set}Accuracy`] = score.accuracy;
    }
    m.evalSeconds = (performance.now() - evalStarted) / 1000;
    metrics.push(m);
    epochsDone = epoch;
    state = captureState(network, epochsDone, 0, random.getState());
    const headline = headlineAccuracy(m);
    if (headline !== undefined && headline > bestAccuracy) {
      bestAccuracy = headline;
      bestEpoch = epoch;
      if (keepsBest) best = { epoch, parameters: network.getParameters(), state };
    }
    state = { ...state, best: bestSoFar() };
    await hooks.onEpoch?.(m, state);
    if (options.earlyStopping && bestEpoch !== undefined && epoch - bestEpoch >= options.earlyStopping) {
      stopped = 'early-stopping';
      break;
    }
    if (signal?.aborted) {
      stopped = 'aborted';
      break;
    }
  }
  const result: TrainResult = { metrics, bestEpoch, stopped, state };
  // An aborted run keeps its last parameters: its state resumes them.
  if (best && stopped !== 'aborted' && (stopped === 'early-stopping' || options.keepBest)) {
    if (best.epoch !== epochsDone) restore(network, best);
    result.restoredBestEpoch = best.epoch;
    result.state = { ...best.state, best: bestSoFar() };
  }
  hooks.onEnd?.(result);
  return result;
}
