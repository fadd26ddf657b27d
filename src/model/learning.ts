// How a network learns beyond the layer spec: the optimizer, the learning-rate schedule and the regularisers.
// Shared by the engine (which runs them), the trainer, the CLI, the demo and the model file (which records them),
// so they sit here, below all of those.
import { ConfigError } from '../errors.js';

export const OPTIMIZER_NAMES = ['sgd', 'momentum', 'nesterov', 'adam'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** The update rule. sgd is today's fused step; momentum and nesterov keep a velocity, adam two moments. */
export interface OptimizerSettings {
  name: OptimizerName;
  /** Momentum coefficient mu (momentum, nesterov). */
  momentum: number;
  /** Adam's decay rates of the first and second moments, and the epsilon added to the root of the second. */
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const DEFAULT_OPTIMIZER: Readonly<OptimizerSettings> = Object.freeze({ name: 'sgd', momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });

/** An optimizer's state between steps: its moments in the flat parameter layout (sgd none, momentum/nesterov one, adam two) and steps taken. */
export interface OptimizerState {
  step: number;
  moments: Float64Array[];
}

/** How many moment buffers (each the size of the parameters) an optimizer keeps. */
export const MOMENT_COUNT: Readonly<Record<OptimizerName, number>> = { sgd: 0, momentum: 1, nesterov: 1, adam: 2 };

export const SCHEDULE_NAMES = ['constant', 'step', 'cosine', 'exponential'] as const;
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

/** The learning rate per epoch: eta times a factor that depends on the epoch. */
export interface ScheduleSettings {
  name: ScheduleName;
  /** step: multiply by gamma every stepSize epochs. */
  stepSize: number;
  /** step: the factor every stepSize epochs; exponential: the factor per epoch. */
  gamma: number;
  /** cosine: the rate the last epochs approach. */
  etaMin: number;
  /** Epochs of linear warm-up before the schedule starts (epoch e of N runs at eta * e / (N + 1)). */
  warmup: number;
}

export const DEFAULT_SCHEDULE: Readonly<ScheduleSettings> = Object.freeze({ name: 'constant', stepSize: 10, gamma: 0.1, etaMin: 0, warmup: 0 });
/** gamma when none is given: 0.1 for step (every stepSize epochs), 0.9 per epoch for exponential. */
export const DEFAULT_GAMMA: Readonly<Record<ScheduleName, number>> = { constant: 1, step: 0.1, cosine: 1, exponential: 0.9 };

/** Dropout (inverted: kept units scaled by 1/(1-p) while training, nothing at evaluation) and max-norm. */
export interface RegularizationSettings {
  /** Probability of dropping each hidden unit (0: off). */
  dropout: number;
  /** Probability of dropping each input pixel (0: off). */
  inputDropout: number;
  /** Largest L2 norm of each unit's incoming weight vector, applied after every step (0: off). */
  maxNorm: number;
}

export const DEFAULT_REGULARIZATION: Readonly<RegularizationSettings> = Object.freeze({ dropout: 0, inputDropout: 0, maxNorm: 0 });

/**
 * The learning rate of epoch `epoch` (1-based) of `epochs`, for a base rate eta. Warm-up epochs rise linearly;
 * then the schedule runs over the remaining epochs from t = 0.
 */
export function etaForEpoch(eta: number, schedule: ScheduleSettings, epoch: number, epochs: number): number {
  const { warmup } = schedule;
  if (epoch <= warmup) return (eta * epoch) / (warmup + 1);
  const t = epoch - warmup - 1;
  const span = Math.max(1, epochs - warmup);
  switch (schedule.name) {
    case 'constant':
      return eta;
    case 'step':
      return eta * schedule.gamma ** Math.floor(t / schedule.stepSize);
    case 'exponential':
      return eta * schedule.gamma ** t;
    case 'cosine':
      return schedule.etaMin + ((eta - schedule.etaMin) * (1 + Math.cos((Math.PI * t) / span))) / 2;
  }
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new ConfigError(message);
}

function oneOf<T extends string>(what: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(`${what} must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
}

/** Defaults filled in and every value checked (flags, a model file, the demo's form): one message per mistake. */
export function validateOptimizer(input: Partial<OptimizerSettings> = {}): OptimizerSettings {
  const s = { ...DEFAULT_OPTIMIZER, ...stripUndefined(input) };
  const name = oneOf('optimizer', s.name, OPTIMIZER_NAMES);
  check(typeof s.momentum === 'number' && s.momentum >= 0 && s.momentum < 1, `momentum must be at least 0 and below 1 (got ${s.momentum})`);
  check(typeof s.beta1 === 'number' && s.beta1 >= 0 && s.beta1 < 1, `beta1 must be at least 0 and below 1 (got ${s.beta1})`);
  check(typeof s.beta2 === 'number' && s.beta2 >= 0 && s.beta2 < 1, `beta2 must be at least 0 and below 1 (got ${s.beta2})`);
  check(typeof s.epsilon === 'number' && s.epsilon > 0 && Number.isFinite(s.epsilon), `epsilon must be a positive number (got ${s.epsilon})`);
  return { name, momentum: s.momentum, beta1: s.beta1, beta2: s.beta2, epsilon: s.epsilon };
}

export function validateSchedule(input: Partial<ScheduleSettings> = {}): ScheduleSettings {
  const name = oneOf('schedule', input.name ?? DEFAULT_SCHEDULE.name, SCHEDULE_NAMES);
  const s = { ...DEFAULT_SCHEDULE, gamma: DEFAULT_GAMMA[name], ...stripUndefined(input), name };
  check(Number.isSafeInteger(s.stepSize) && s.stepSize >= 1, `step size must be a positive whole number of epochs (got ${s.stepSize})`);
  check(typeof s.gamma === 'number' && s.gamma > 0 && s.gamma <= 1, `gamma must be above 0 and at most 1 (got ${s.gamma})`);
  check(typeof s.etaMin === 'number' && s.etaMin >= 0 && Number.isFinite(s.etaMin), `eta-min must be zero or positive (got ${s.etaMin})`);
  check(Number.isSafeInteger(s.warmup) && s.warmup >= 0, `warm-up must be a whole number of epochs (got ${s.warmup})`);
  return { name, stepSize: s.stepSize, gamma: s.gamma, etaMin: s.etaMin, warmup: s.warmup };
}

export function validateRegularization(input: Partial<RegularizationSettings> = {}): RegularizationSettings {
  const s = { ...DEFAULT_REGULARIZATION, ...stripUndefined(input) };
  check(typeof s.dropout === 'number' && s.dropout >= 0 && s.dropout < 1, `dropout must be at least 0 and below 1 (got ${s.dropout})`);
  check(typeof s.inputDropout === 'number' && s.inputDropout >= 0 && s.inputDropout < 1, `input dropout must be at least 0 and below 1 (got ${s.inputDropout})`);
  check(typeof s.maxNorm === 'number' && s.maxNorm >= 0 && Number.isFinite(s.maxNorm), `max-norm must be zero (off) or positive (got ${s.maxNorm})`);
  return { dropout: s.dropout, inputDropout: s.inputDropout, maxNorm: s.maxNorm };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
