// From flags (and a resumed model) to the settings of one training run. Pure: no files, no clock, no printing.
import type { DatasetName } from '../data/mnist.js';
import type { EngineName } from '../engine/network.js';
import type { SimdChoice } from '../engine/wasm.js';
import { ConfigError } from '../errors.js';
import type { RecipeRecord, SavedModel, TrainingConfig } from '../model/file.js';
import { DEFAULT_GAMMA, validateOptimizer, validateRegularization, validateSchedule } from '../model/learning.js';
import type { OptimizerName, OptimizerSettings, RegularizationSettings, ScheduleName, ScheduleSettings } from '../model/learning.js';
import { validateSpec } from '../model/spec.js';
import type { BiasInit, NetworkSpec, WeightInit } from '../model/spec.js';
import type { TrainerState } from '../train/trainer.js';
import type { MetricSet } from '../train/metrics.js';
import type { AugmentSettings } from '../model/augment.js';
import { augmentFromFlags } from './augment-flags.js';
import { recipeRecord } from './recipes.js';
import type { AugmentFlags } from './augment-flags.js';
import { resolveThreads } from './options.js';

/** What commander parses `train`'s command line into (the distortion flags: src/cli/augment.ts). */
export interface TrainFlags extends AugmentFlags {
  /** The recipe named (its flags are already expanded into the others: src/cli/recipes.ts). */
  recipe?: string;
  layers: number[];
  activation: NetworkSpec['activation'];
  outputActivation: NetworkSpec['outputActivation'];
  cost: NetworkSpec['cost'];
  init: WeightInit;
  biasInit: BiasInit;
  epochs: number;
  batch: number;
  eta: number;
  lambda: number;
  seed: number;
  engine: EngineName;
  simd: SimdChoice;
  threads: number | 'auto';
  data?: string;
  dataset: DatasetName;
  trainSize?: number;
  save?: string;
  checkpoint?: string;
  resume?: string;
  metrics?: string;
  plot?: string;
  json?: boolean;
  earlyStop?: number;
  keepBest?: boolean;
  optimizer: OptimizerName;
  momentum: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  schedule: ScheduleName;
  stepSize: number;
  /** No flag default: it depends on the schedule (DEFAULT_GAMMA). */
  gamma?: number;
  etaMin: number;
  warmup: number;
  dropout: number;
  maxNorm: number;
  monitorTrain: boolean;
  monitorValidation: boolean;
  monitorTest: boolean;
  progress: boolean;
}

/** Where a flag's value came from (commander's getOptionValueSource): only 'cli' (or 'env') overrides a saved value. */
export type FlagSource = (flag: keyof TrainFlags) => string | undefined;

/** Everything a run needs besides the data: the network, the SGD settings and how to run and watch it. */
export interface TrainSettings extends Pick<TrainingConfig, 'epochs' | 'batchSize' | 'eta' | 'lambda' | 'seed' | 'init'> {
  spec: NetworkSpec;
  dataset: DatasetName;
  /** The first N training images; undefined for all of them. */
  trainSize: number | undefined;
  engine: EngineName;
  simd: SimdChoice;
  threads: number;
  earlyStopping: number | undefined;
  /** End with the best validation epoch's parameters (always so with early stopping). */
  keepBest: boolean;
  optimizer: OptimizerSettings;
  schedule: ScheduleSettings;
  regularization: RegularizationSettings;
  monitor: Record<MetricSet, boolean>;
  /** Where a resumed run continues from. */
  resume: TrainerState | undefined;
  /** What training gathers do to the inputs (--augment and its flags); --input-dropout is in regularization. */
  augment: AugmentSettings;
  /** The recipe the run started from, as the model file records it (a resumed run keeps the file's). */
  recipe?: RecipeRecord;
}

const SPEC_FLAGS = [
  ['layers', 'layers'],
  ['activation', 'activation'],
  ['outputActivation', 'output-activation'],
  ['cost', 'cost'],
] as const;

/**
 * The run's settings. Fresh: the flags (the spec checked by the library). Resumed: every setting the command line
 * does not give explicitly comes from the model file, so a flag's default never overrides a saved value; a spec
 * flag that contradicts the model is refused.
 */
export function resolveTrainConfig(flags: TrainFlags, source: FlagSource, resumed?: { file: string; model: SavedModel }): TrainSettings {
  const given = (flag: keyof TrainFlags): boolean => source(flag) === 'cli' || source(flag) === 'env';
  if (resumed && !resumed.model.state) throw new ConfigError(`${resumed.file}: this model has no training state to resume from`);
  const saved: Partial<TrainingConfig> = resumed?.model.training ?? {};
  const pick = <T>(flag: keyof TrainFlags, value: T, stored: T | undefined): T => (stored !== undefined && !given(flag) ? stored : value);

  let spec: NetworkSpec;
  if (resumed) {
    spec = resumed.model.spec;
    for (const [key, name] of SPEC_FLAGS) {
      if (given(key) && String(flags[key]) !== String(spec[key])) {
        throw new ConfigError(`--${name} ${String(flags[key])} differs from the resumed model's ${String(spec[key])} (${resumed.file})`);
      }
    }
  } else {
    spec = validateSpec({ layers: flags.layers, activation: flags.activation, outputActivation: flags.outputActivation, cost: flags.cost });
  }
  const monitor = saved.monitor;
  const learning = resolveLearning(flags, given, saved, resumed);
  const engine = pick('engine', flags.engine, saved.engine);
  return {
    spec,
    epochs: pick('epochs', flags.epochs, saved.epochs),
    batchSize: pick('batch', flags.batch, saved.batchSize),
    eta: pick('eta', flags.eta, saved.eta),
    lambda: pick('lambda', flags.lambda, saved.lambda),
    seed: pick('seed', flags.seed, saved.seed),
    init: { weights: pick('init', flags.init, saved.init?.weights), biases: pick('biasInit', flags.biasInit, saved.init?.biases) },
    dataset: pick('dataset', flags.dataset, saved.dataset),
    trainSize: pick('trainSize', flags.trainSize, saved.trainSize),
    engine,
    simd: pick('simd', flags.simd, saved.simd),
    threads: resolveThreads(pick<number | 'auto'>('threads', flags.threads, saved.threads), engine),
    earlyStopping: pick('earlyStop', flags.earlyStop, saved.earlyStopping),
    keepBest: pick('keepBest', flags.keepBest, saved.keepBest) ?? false,
    ...learning,
    monitor: {
      train: pick('monitorTrain', flags.monitorTrain, monitor?.train),
      validation: pick('monitorValidation', flags.monitorValidation, monitor?.validation),
      test: pick('monitorTest', flags.monitorTest, monitor?.test),
    },
    resume: resumed?.model.state,
    // A distortion flag given overrides the resumed model's value; the rest keep it (flags have no defaults here).
    augment: augmentFromFlags(flags, saved.augment),
    ...recipeOf(flags, saved),
  };
}

/** The --recipe given, else the resumed file's (absent when neither). */
function recipeOf(flags: TrainFlags, saved: Partial<TrainingConfig>): Pick<TrainSettings, 'recipe'> {
  const recipe = flags.recipe !== undefined ? recipeRecord(flags.recipe) : saved.recipe;
  return recipe ? { recipe } : {};
}

/** Flags that mean something only for some optimizers or schedules: given to another, they are refused. */
const OPTIMIZER_FLAGS: [keyof TrainFlags, string, readonly OptimizerName[]][] = [
  ['momentum', 'momentum', ['momentum', 'nesterov']],
  ['beta1', 'beta1', ['adam']],
  ['beta2', 'beta2', ['adam']],
  ['epsilon', 'epsilon', ['adam']],
];
const SCHEDULE_FLAGS: [keyof TrainFlags, string, readonly ScheduleName[]][] = [
  ['stepSize', 'step-size', ['step']],
  ['gamma', 'gamma', ['step', 'exponential']],
  ['etaMin', 'eta-min', ['cosine']],
];

/**
 * Optimizer, schedule and regularisation: each value from the command line when given, else from the resumed file
 * when it used the same optimizer (schedule), else the default; checked by the settings' own rules.
 */
function resolveLearning(flags: TrainFlags, given: (flag: keyof TrainFlags) => boolean, saved: Partial<TrainingConfig>, resumed?: { file: string; model: SavedModel }): Pick<TrainSettings, 'optimizer' | 'schedule' | 'regularization'> {
  const optimizerName = given('optimizer') || !saved.optimizer ? flags.optimizer : saved.optimizer.name;
  const scheduleName = given('schedule') || !saved.schedule ? flags.schedule : saved.schedule.name;
  // A saved value belongs to the optimizer (schedule) it was saved with; after a switch the flags' defaults apply.
  const savedOptimizer = saved.optimizer?.name === optimizerName ? saved.optimizer : undefined;
  const savedSchedule = saved.schedule?.name === scheduleName ? saved.schedule : undefined;
  const from = <T>(flag: keyof TrainFlags, value: T, stored: T | undefined): T => (stored !== undefined && !given(flag) ? stored : value);
  for (const [flag, name, optimizers] of OPTIMIZER_FLAGS) {
    if (given(flag) && !optimizers.includes(optimizerName)) throw new ConfigError(`--${name} applies to --optimizer ${optimizers.join(' or ')}, not ${optimizerName}`);
  }
  for (const [flag, name, schedules] of SCHEDULE_FLAGS) {
    if (given(flag) && !schedules.includes(scheduleName)) throw new ConfigError(`--${name} applies to --schedule ${schedules.join(' or ')}, not ${scheduleName}`);
  }
  if (resumed?.model.state?.optimizer?.moments.length && optimizerName !== saved.optimizer?.name) {
    throw new ConfigError(`--optimizer ${optimizerName} differs from the resumed model's ${saved.optimizer?.name} (${resumed.file}), whose optimizer state cannot carry over`);
  }
  const reg = saved.regularization;
  return {
    optimizer: validateOptimizer({
      name: optimizerName,
      momentum: from('momentum', flags.momentum, savedOptimizer?.momentum),
      beta1: from('beta1', flags.beta1, savedOptimizer?.beta1),
      beta2: from('beta2', flags.beta2, savedOptimizer?.beta2),
      epsilon: from('epsilon', flags.epsilon, savedOptimizer?.epsilon),
    }),
    schedule: validateSchedule({
      name: scheduleName,
      stepSize: from('stepSize', flags.stepSize, savedSchedule?.stepSize),
      gamma: from('gamma', flags.gamma, savedSchedule?.gamma) ?? DEFAULT_GAMMA[scheduleName],
      etaMin: from('etaMin', flags.etaMin, savedSchedule?.etaMin),
      warmup: from('warmup', flags.warmup, saved.schedule?.warmup),
    }),
    regularization: validateRegularization({
      dropout: from('dropout', flags.dropout, reg?.dropout),
      inputDropout: from('inputDropout', flags.inputDropout, reg?.inputDropout),
      maxNorm: from('maxNorm', flags.maxNorm, reg?.maxNorm),
    }),
  };
}

/** The training block a model file records, so that --resume (and evaluate) can repeat the run's settings. */
export function trainingRecord(settings: TrainSettings, trainCount: number, simd: TrainingConfig['simd']): TrainingConfig {
  return {
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    eta: settings.eta,
    lambda: settings.lambda,
    seed: settings.seed,
    init: settings.init,
    dataset: settings.dataset,
    trainSize: trainCount,
    engine: settings.engine,
    ...(simd ? { simd } : {}),
    threads: settings.threads,
    ...(settings.earlyStopping !== undefined ? { earlyStopping: settings.earlyStopping } : {}),
    keepBest: settings.keepBest,
    monitor: settings.monitor,
    optimizer: settings.optimizer,
    schedule: settings.schedule,
    regularization: settings.regularization,
    ...(settings.augment.mode !== 'none' ? { augment: settings.augment } : {}),
    ...(settings.recipe ? { recipe: settings.recipe } : {}),
  };
}

/** Where a run without --save keeps its model: models/, named by the settings that tell runs apart and the time. */
export function defaultModelPath(settings: TrainSettings, now: Date): string {
  const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  const optimizer = settings.optimizer.name === 'sgd' ? [] : [settings.optimizer.name];
  const name = [settings.dataset, settings.spec.layers.join('-'), settings.spec.activation, ...optimizer, settings.init.weights, `lambda${settings.lambda}`, `seed${settings.seed}`, stamp];
  return `models/${name.join('_')}.json`;
}
