// What a model file records about the training that made it: the per-epoch numbers and where to resume.
// Defined here, below the trainer that produces them, so the model file never imports from train/.
import type { OptimizerState } from './learning.js';

/** One epoch's numbers: costs include the L2 term when lambda > 0; accuracies are fractions. */
export interface EpochMetrics {
  epoch: number;
  trainCost?: number;
  trainAccuracy?: number;
  validationCost?: number;
  validationAccuracy?: number;
  testCost?: number;
  testAccuracy?: number;
  /** Training time of the epoch alone. */
  seconds: number;
  /** Time spent evaluating after the epoch. */
  evalSeconds: number;
  /** The learning rate the epoch trained with (after the schedule). */
  eta?: number;
}

/** What a later run needs to continue exactly where this one is, even from the middle of an epoch. */
export interface TrainerState {
  /** Complete epochs. */
  epochsDone: number;
  /** Mini-batches of the next epoch already trained (non-zero after an interruption). */
  batchesDone: number;
  /** The shuffle generator's state before the next epoch's shuffle. */
  rngState: number[];
  /** The optimizer's moments and step count (absent for plain SGD, which keeps none). */
  optimizer?: OptimizerState;
  /** The core's random streams (dropout masks, distortions) by name, 4 u32 words each. */
  generators?: Record<string, number[]>;
  /** The best epoch so far, so that early stopping and keep-best continue across a resume as if never stopped. */
  best?: BestSoFar;
}

/** The best epoch so far by the headline accuracy (validation, else test, else training). */
export interface BestSoFar {
  epoch: number;
  accuracy: number;
  /** With keep-best or early stopping: that epoch's parameters and the state after it (without a best of its own), to end with. */
  kept?: { parameters: Float64Array; state: TrainerState };
}

const OPTIONAL_NUMBERS = ['trainCost', 'trainAccuracy', 'validationCost', 'validationAccuracy', 'testCost', 'testAccuracy', 'eta'] as const;

/**
 * One epoch's metrics from untrusted JSON (a model file, a metrics file), copied field by field: the epoch a
 * positive integer, costs and times finite and >= 0, accuracies in [0, 1]. Unknown keys are dropped.
 * Returns a reason string instead of throwing, so each reader can name its own file and line.
 */
export function parseEpochMetrics(value: unknown): EpochMetrics | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const record = value as Record<string, unknown>;
  const epoch = record.epoch;
  if (!Number.isSafeInteger(epoch) || (epoch as number) < 1) return '"epoch" must be a positive integer';
  const finite = (key: string, fallback?: number): number | undefined | string => {
    const v = Object.hasOwn(record, key) ? record[key] : undefined;
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return `"${key}" must be a finite number >= 0`;
    if (key.endsWith('Accuracy') && v > 1) return `"${key}" must be a fraction from 0 to 1`;
    return v;
  };
  const seconds = finite('seconds', 0);
  const evalSeconds = finite('evalSeconds', 0);
  if (typeof seconds === 'string') return seconds;
  if (typeof evalSeconds === 'string') return evalSeconds;
  const metrics: EpochMetrics = { epoch: epoch as number, seconds: seconds as number, evalSeconds: evalSeconds as number };
  for (const key of OPTIONAL_NUMBERS) {
    const v = finite(key);
    if (typeof v === 'string') return v;
    if (v !== undefined) metrics[key] = v;
  }
  return metrics;
}
