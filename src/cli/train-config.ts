// From flags (and a resumed model) to the settings of one training run. Pure: no files, no clock, no printing.
import type { DatasetName } from '../data/mnist.js';
import type { EngineName } from '../engine/network.js';
import type { SimdChoice } from '../engine/wasm.js';
import { ConfigError } from '../errors.js';
import type { SavedModel, TrainingConfig } from '../model/file.js';
import { validateSpec } from '../model/spec.js';
import type { BiasInit, NetworkSpec, WeightInit } from '../model/spec.js';
import type { TrainerState } from '../train/trainer.js';
import type { MetricSet } from '../train/metrics.js';
import { validateRegularization } from '../model/learning.js';
import type { AugmentSettings } from '../model/augment.js';
import { augmentFromFlags } from './augment-flags.js';
import type { AugmentFlags } from './augment-flags.js';

/** What commander parses `train`'s command line into (the distortion flags: src/cli/augment.ts). */
export interface TrainFlags extends AugmentFlags {
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
  threads: number;
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
  monitor: Record<MetricSet, boolean>;
  /** Where a resumed run continues from. */
  resume: TrainerState | undefined;
  // What training gathers do to the inputs (--augment and its flags, --input-dropout).
  augment: AugmentSettings;
  inputDropout: number;
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
    engine: pick('engine', flags.engine, saved.engine),
    simd: pick('simd', flags.simd, saved.simd),
    threads: pick('threads', flags.threads, saved.threads),
    earlyStopping: pick('earlyStop', flags.earlyStop, saved.earlyStopping),
    monitor: {
      train: pick('monitorTrain', flags.monitorTrain, monitor?.train),
      validation: pick('monitorValidation', flags.monitorValidation, monitor?.validation),
      test: pick('monitorTest', flags.monitorTest, monitor?.test),
    },
    resume: resumed?.model.state,
    // A distortion flag given overrides the resumed model's value; the rest keep it (flags have no defaults here).
    augment: augmentFromFlags(flags, saved.augment),
    inputDropout: validateRegularization({ inputDropout: flags.inputDropout ?? saved.inputDropout }).inputDropout,
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
    monitor: settings.monitor,
    ...(settings.augment.mode !== 'none' ? { augment: settings.augment } : {}),
    ...(settings.inputDropout ? { inputDropout: settings.inputDropout } : {}),
  };
}

/** Where a run without --save keeps its model: models/, named by the settings that tell runs apart and the time. */
export function defaultModelPath(settings: TrainSettings, now: Date): string {
  const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  const name = [settings.dataset, settings.spec.layers.join('-'), settings.spec.activation, settings.init.weights, `lambda${settings.lambda}`, `seed${settings.seed}`, stamp];
  return `models/${name.join('_')}.json`;
}
