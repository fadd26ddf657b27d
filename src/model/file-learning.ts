// The learning fields of a version 2 model file: in "training" the optimizer, schedule and regularisation settings,
// in "state" the optimizer's moments (stored like the parameters) and the core generators' states.
import { ConfigError } from '../errors.js';
import { MOMENT_COUNT, OPTIMIZER_NAMES, SCHEDULE_NAMES, validateOptimizer, validateRegularization, validateSchedule } from './learning.js';
import type { OptimizerName, OptimizerSettings, OptimizerState, RegularizationSettings, ScheduleSettings } from './learning.js';
import { decodeF64, encodeF64, fieldReader, isRecord } from './file-fields.js';
import type { F64Block } from './file-fields.js';

/** The core's random streams a file may hold (the engine's GENERATOR_NAMES; a test keeps them equal). */
export const SAVED_GENERATORS = ['dropout', 'inputDropout', 'augment'] as const;

type Fail = (reason: string) => never;

/** The settings' own checks (learning.ts), their message kept and made a reason of the file. */
function checked<T>(validate: () => T, fail: Fail): T {
  try {
    return validate();
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message);
    throw error;
  }
}

/** training.optimizer: a name from the list and the numbers it runs with. */
export function parseOptimizer(value: unknown, fail: Fail): OptimizerSettings {
  const field = fieldReader(isRecord(value) ? value : {}, fail);
  const name = field.oneOf('name', OPTIMIZER_NAMES, 'optimizer.name');
  const number = (key: string): number => field.number(key, false, `optimizer.${key}`);
  return checked(() => validateOptimizer({ name, momentum: number('momentum'), beta1: number('beta1'), beta2: number('beta2'), epsilon: number('epsilon') }), fail);
}

export function parseSchedule(value: unknown, fail: Fail): ScheduleSettings {
  const field = fieldReader(isRecord(value) ? value : {}, fail);
  const name = field.oneOf('name', SCHEDULE_NAMES, 'schedule.name');
  return checked(() => validateSchedule({
    name,
    stepSize: field.integer('stepSize', 1, 1_000_000, 'schedule.stepSize'),
    gamma: field.number('gamma', true, 'schedule.gamma'),
    etaMin: field.number('etaMin', false, 'schedule.etaMin'),
    warmup: field.integer('warmup', 0, 1_000_000, 'schedule.warmup'),
  }), fail);
}

export function parseRegularization(value: unknown, fail: Fail): RegularizationSettings {
  const field = fieldReader(isRecord(value) ? value : {}, fail);
  const number = (key: string): number => field.number(key, false, `regularization.${key}`);
  return checked(() => validateRegularization({ dropout: number('dropout'), inputDropout: number('inputDropout'), maxNorm: number('maxNorm') }), fail);
}

/** The optimizer state as stored: the step count and each moment buffer as a checked f64 block. */
export interface SavedOptimizerState {
  step: number;
  moments: F64Block[];
}

export function encodeOptimizerState(state: OptimizerState): SavedOptimizerState {
  return { step: state.step, moments: state.moments.map(encodeF64) };
}

/** state.optimizer: as many moments as `optimizer` keeps (adam 2, momentum and nesterov 1), each the size of the parameters. */
export function parseOptimizerState(value: unknown, optimizer: OptimizerName, size: number, fail: Fail): OptimizerState {
  const field = fieldReader(isRecord(value) ? value : {}, fail);
  const step = field.integer('step', 0, Number.MAX_SAFE_INTEGER, 'optimizer.step');
  const stored = field.get('moments');
  const count = MOMENT_COUNT[optimizer];
  if (!Array.isArray(stored) || stored.length !== count) {
    return fail(`"optimizer.moments" must be a list of ${count} moment buffers for the ${optimizer} optimizer`);
  }
  const moments = stored.map((moment: unknown, i) =>
    decodeF64(moment, size, { plural: `optimizer moment ${i} values`, singular: `optimizer moment ${i} value`, need: 'the parameters number' }, fail));
  return { step, moments };
}

/** state.generators: four 32-bit words, not all zero, for each name the file holds from the list (others dropped). */
export function parseGenerators(value: unknown, fail: Fail): Record<string, number[]> {
  if (!isRecord(value)) return fail('"generators" must be an object of generator states');
  const states: Record<string, number[]> = {};
  for (const name of SAVED_GENERATORS) {
    if (!Object.hasOwn(value, name)) continue;
    const words = value[name];
    if (!Array.isArray(words) || words.length !== 4 || !words.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32) || words.every((w) => w === 0)) {
      return fail(`"generators.${name}" must be four integers from 0 to 2^32 - 1, not all zero`);
    }
    states[name] = [...(words as number[])];
  }
  return states;
}
